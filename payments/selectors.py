"""Reading payments without changing them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import format_money
from orders.models import Order
from payments.models import CAPTURABLE, Payment, PaymentTransaction


def open_authorization(order: Order) -> Decimal:
    """What is authorized for the order and not captured yet (0 without a live payment)."""
    payment = Payment.objects.filter(order=order).first()
    return payment.open_amount if payment else Decimal("0.00")


def capture_for_shipment(*, order_id: int, shipment_ref: str) -> PaymentTransaction | None:
    """The capture (by provider or by hand) that paid a shipment, if it is paid."""
    return PaymentTransaction.objects.filter(payment__order_id=order_id).live_capture_of(
        shipment_ref
    )


def amount_texts(payment: Payment) -> dict[str, str]:
    """The payment's amounts as staff read them, each with its currency; a request the
    provider has not settled yet is written beside what it may become ("capture
    requested"), since only settled money counts as captured or refunded."""
    money = payment.currency
    texts = {
        "authorized": format_money(payment.authorized_amount, money),
        "captured": format_money(payment.captured_amount, money),
        "refunded": format_money(payment.refunded_amount, money),
        "released": format_money(payment.released_amount, money),
    }
    if payment.capture_requested_amount:
        asked = format_money(payment.capture_requested_amount, money)
        texts["captured"] = _("%(captured)s (%(asked)s capture requested)") % {
            "captured": texts["captured"],
            "asked": asked,
        }
    if payment.refund_requested_amount:
        asked = format_money(payment.refund_requested_amount, money)
        texts["refunded"] = _("%(refunded)s (%(asked)s refund requested)") % {
            "refunded": texts["refunded"],
            "asked": asked,
        }
    return texts


def authorizations_lapsing(
    within: timedelta, payments: QuerySet[Payment] | None = None
) -> QuerySet[Payment]:
    """Payments with money open for capture whose authorization lapses within
    `within` from now, or has lapsed (the payments list's filter, the board's tile)."""
    payments = Payment.objects.all() if payments is None else payments
    until = timezone.now() + within
    return payments.filter(authorization_expires_at__lte=until, status__in=CAPTURABLE)
