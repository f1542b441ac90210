"""The order a step made (an exchange, a resend), linked in a message after the
step: staff open it next, and send the customer its payment link if it has one."""

from __future__ import annotations

from django.contrib import messages
from django.utils.html import format_html

from backoffice.services.payment_links import payment_link_of
from core.admin.links import change_url
from orders.models import Order


def link_made_order(admin_site, request, result: Order) -> None:
    """Messages linking to the order `result` a step made (for whoever may open
    it), and the payment link the customer pays a difference at."""
    url = change_url(admin_site, request, Order, result.pk)
    label = f"{result.get_origin_display().lower()} order {result.number}"
    if url:
        messages.info(request, format_html('Open the <a href="{}">{}</a>.', url, label))
    link = payment_link_of(result, base_url=request.build_absolute_uri("/"))
    if link:
        messages.info(
            request,
            format_html(
                'Send the customer the payment link of {}: <a href="{}">{}</a>', label, link, link
            ),
        )
