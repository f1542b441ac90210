"""The top of the order page: what staff need first, without scrolling.

Status (and why it was cancelled), hold (kind, reason, since when), the money
(grand total, captured, still open, refunded) and what shipped. Built from rows
the page loads anyway (the order, its payment, its prefetched shipments): no
query of its own.
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.timezone import localtime

from core.admin.badges import state_badge
from core.money import ZERO, format_money
from orders.models import Order, OrderStatus
from payments.models import Payment
from payments.selectors import amount_texts
from shipments.models import Shipment, ShipmentStatus


def when(moment) -> str:
    """A moment as staff read it everywhere: the site's one format, local time."""
    return date_format(localtime(moment), "DATETIME_FORMAT") if moment else ""


def order_glance(order: Order, payment: Payment | None, shipments: list[Shipment]) -> dict:
    currency = order.currency
    glance = {
        "status": state_badge(order, css_prefix="status"),
        "placed": when(order.placed_at),
        "cancelled": order.status == OrderStatus.CANCELLED,
        "cancelled_at": when(order.cancelled_at),
        "cancel_reason": order.cancel_reason,
        "on_hold": order.on_hold,
        "hold_kind": order.get_hold_kind_display() if order.on_hold else "",
        "hold_reason": order.hold_reason,
        "held_at": when(order.held_at),
        "grand_total": format_money(order.grand_total, currency),
        "payment": None,
        "shipments": [
            {
                "ref": shipment.ref,
                "badge": state_badge(shipment, css_prefix="shipment"),
                "lines": ", ".join(
                    f"{line.quantity} × {line.order_line.sku}" for line in shipment.lines.all()
                ),
                "tracking": " ".join(
                    part for part in (shipment.carrier, shipment.tracking_number) if part
                ),
            }
            for shipment in shipments
        ],
        "shipped": sum(1 for s in shipments if s.status == ShipmentStatus.COMPLETED),
    }
    if payment is not None:
        money = payment.currency
        # What is left to capture: never above what the order still owes. After
        # products were cancelled the authorization stays as it was until it is
        # released; the rest is said apart, not shown as "Open" above the total.
        asked = payment.captured_amount + payment.capture_requested_amount
        owed = max(ZERO, order.grand_total - asked)
        open_now = min(payment.open_amount, owed)
        glance["payment"] = {
            "badge": state_badge(payment, css_prefix="payment"),
            "captured": amount_texts(payment)["captured"],
            "open": format_money(open_now, money),
            "to_release": format_money(payment.open_amount - open_now, money)
            if payment.open_amount > open_now
            else "",
            "refunded": format_money(payment.refunded_amount, money)
            if payment.refunded_amount
            else "",
            "method": payment.method,
        }
    return glance
