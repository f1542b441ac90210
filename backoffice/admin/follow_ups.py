"""The order a step made (an exchange, a resend), linked in a message after the
step: staff open it next, and send the customer its payment link if it has one."""

from __future__ import annotations

from django.contrib import messages
from django.utils.html import format_html
from django.utils.translation import gettext as _

from backoffice.services.payment_links import payment_link_of
from core.admin.links import change_url
from orders.models import Order, OrderOrigin


def _open_sentence(order: Order) -> str:
    """ "Open the <a href="{url}">exchange order 1043</a>.", one whole sentence per origin."""
    if order.origin == OrderOrigin.EXCHANGE:
        return _('Open the <a href="{url}">exchange order {number}</a>.')
    if order.origin == OrderOrigin.RESEND:
        return _('Open the <a href="{url}">resend order {number}</a>.')
    return _('Open the <a href="{url}">{origin} order {number}</a>.')


def _payment_link_sentence(order: Order) -> str:
    if order.origin == OrderOrigin.EXCHANGE:
        return _(
            "Send the customer the payment link of exchange order {number}: "
            '<a href="{link}">{link}</a>'
        )
    if order.origin == OrderOrigin.RESEND:
        return _(
            "Send the customer the payment link of resend order {number}: "
            '<a href="{link}">{link}</a>'
        )
    return _(
        'Send the customer the payment link of {origin} order {number}: <a href="{link}">{link}</a>'
    )


def link_made_order(admin_site, request, result: Order) -> None:
    """Messages linking to the order `result` a step made (for whoever may open
    it), and the payment link the customer pays a difference at."""
    url = change_url(admin_site, request, Order, result.pk)
    origin = result.get_origin_display().lower()
    if url:
        messages.info(
            request,
            format_html(_open_sentence(result), url=url, origin=origin, number=result.number),
        )
    link = payment_link_of(result, base_url=request.build_absolute_uri("/"))
    if link:
        messages.info(
            request,
            format_html(
                _payment_link_sentence(result), link=link, origin=origin, number=result.number
            ),
        )
