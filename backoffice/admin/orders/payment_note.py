"""What the order page's payment section says when the user has no payment step
to take on money that was captured: where refunds are made instead (a return,
with its links) and whose step a goodwill refund is."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from payments.models import GOODWILL_REFUND, Payment

CREATE_RETURN_LINK = '<a href="{}" data-step="instruction-create_return">{}</a>'


def create_return_links(create_links: list[tuple[str, str]]):
    """A link "Create return… on shipment 1042-1" for each (url, shipment ref)."""
    return format_html_join(
        " · ",
        CREATE_RETURN_LINK,
        (
            (url, _("Create return… on shipment %(ref)s") % {"ref": ref})
            for url, ref in create_links
        ),
    )


def refund_way(user, payment: Payment, shipment_rows: list[dict], return_rows: list[dict]):
    """None unless something captured is not refunded; else one or two sentences."""
    if payment.captured_amount <= payment.refunded_amount:
        return None
    create_links = [
        (button["url"], row["shipment"].ref)
        for row in shipment_rows
        for button in row["buttons"]
        if button["name"] == "create_return"
    ]
    to_refund = [row for row in return_rows if any(b["name"] == "refund" for b in row["buttons"])]
    if to_refund:
        where = format_html(
            _(
                'Refunds are made from a return: <a href="#returns">refund {numbers}</a> '
                "in Returns below."
            ),
            numbers=", ".join(str(row["return"].number) for row in to_refund),
        )
    elif create_links:
        where = format_html(
            _("Refunds are made from a return: {links}."),
            links=create_return_links(create_links),
        )
    else:
        where = format_html(
            "{}",
            _(
                "Refunds are made from a return: Customer service creates it from the "
                "shipment, and its refund is then a step on the return."
            ),
        )
    if user.has_perm(GOODWILL_REFUND):
        return where
    # The role is named as staff know it (core.roles.BACKOFFICE_ADMIN).
    return format_html(
        _(
            "{refunds} A goodwill refund (money back without a return) is a "
            "Back-office admin's step."
        ),
        refunds=where,
    )
