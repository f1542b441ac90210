"""Reading payments without changing them."""

from __future__ import annotations

from decimal import Decimal

from orders.models import Order
from payments.models import Payment, PaymentTransaction


def open_authorization(order: Order) -> Decimal:
    """What is authorized for the order and not captured yet (0 without a live payment)."""
    payment = Payment.objects.filter(order=order).first()
    return payment.open_amount if payment else Decimal("0.00")


def capture_for_shipment(*, order_id: int, shipment_ref: str) -> PaymentTransaction | None:
    """The capture (by provider or by hand) that paid a shipment, if it is paid."""
    return PaymentTransaction.objects.filter(payment__order_id=order_id).live_capture_of(
        shipment_ref
    )
