"""What the order page's payment section says when the user has no payment step
to take on money that was captured: where refunds are made instead (a return,
with its links) and whose step a goodwill refund is."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.roles import BACKOFFICE_ADMIN
from payments.models import Payment
from payments.models.payment import GOODWILL_REFUND

CREATE_RETURN_LINK = (
    '<a href="{}" data-step="instruction-create_return">Create return… on shipment {}</a>'
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
            'Refunds are made from a return: <a href="#returns">refund {}</a> in Returns below.',
            ", ".join(str(row["return"].number) for row in to_refund),
        )
    elif create_links:
        where = format_html(
            "Refunds are made from a return: {}.",
            format_html_join(
                " · ",
                CREATE_RETURN_LINK,
                create_links,
            ),
        )
    else:
        where = SafeString(
            "Refunds are made from a return: Customer service creates it from the shipment, "
            "and its refund is then a step on the return."
        )
    if user.has_perm(GOODWILL_REFUND):
        return where
    return format_html(
        "{} A goodwill refund (money back without a return) is a {}'s step.",
        where,
        BACKOFFICE_ADMIN,
    )
