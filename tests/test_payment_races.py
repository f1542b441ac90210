"""The same shipment captured from two connections at once is captured once (PostgreSQL)."""

from decimal import Decimal
from functools import partial

import pytest
from django.db.models import Sum

from backoffice import services as backoffice
from core.errors import DomainError
from orders.models import Order, OrderEvent, OrderStatus
from payments import services as pay
from payments.models import Payment, PaymentTransaction
from tests.factories import LineDataFactory, OrderFactory
from tests.helpers import race

S = OrderStatus
ROUNDS = 20

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def confirmed_order(total: str = "100.00") -> Order:
    lines = [LineDataFactory(quantity=1, unit_price=Decimal(total))]
    return OrderFactory(status=S.CONFIRMED, lines=lines, shipping_price=Decimal("0.00"))


def successful_captures(order: Order):
    return PaymentTransaction.objects.filter(
        payment__order=order, kind="capture", outcome="success"
    )


@pytest.mark.parametrize(
    "services_raced",
    [
        (pay.capture_payment, pay.capture_payment),
        (pay.capture_payment, pay.record_manual_payment),
    ],
    ids=["capture-capture", "capture-mark-paid"],
)
def test_the_same_shipment_raced_from_two_connections_is_captured_once(services_raced):
    for _ in range(ROUNDS):
        order = confirmed_order()
        ref = f"{order.number}-1"
        calls = [
            partial(
                service, order_id=order.pk, amount=Decimal("60"), by=f"racer-{i}", shipment_ref=ref
            )
            for i, service in enumerate(services_raced)
        ]
        first, second = race(*calls)
        assert isinstance(first, PaymentTransaction), first
        assert isinstance(second, PaymentTransaction), second
        # The loser waited for the lock, then found the winner's capture.
        assert first.pk == second.pk
        assert successful_captures(order).count() == 1
        payment = Payment.objects.get(order=order)
        assert payment.captured_amount == Decimal("60.00")
        assert OrderEvent.objects.filter(order=order, subject="payment").count() == 2


def test_two_shipments_raced_never_capture_more_than_authorized():
    """Two 60.00 shipments against a 100.00 authorization: one wins, one is refused."""
    for _ in range(ROUNDS):
        order = confirmed_order()
        results = race(
            *(
                partial(
                    pay.capture_payment,
                    order_id=order.pk,
                    amount=Decimal("60"),
                    by=f"racer-{i}",
                    shipment_ref=f"{order.number}-{i}",
                )
                for i in (1, 2)
            )
        )
        assert sorted(type(r).__name__ for r in results) == ["DomainError", "PaymentTransaction"]
        total = successful_captures(order).aggregate(total=Sum("amount"))["total"]
        assert total == Payment.objects.get(order=order).captured_amount == Decimal("60.00")


def test_cancel_raced_against_capture_ends_in_a_serial_outcome():
    """Either the capture wins (cancel refused: refund instead) or the cancel wins (voided)."""
    for _ in range(ROUNDS):
        order = confirmed_order()
        capture, cancel = race(
            partial(pay.capture_payment, order_id=order.pk, amount=Decimal("10"), by="finance"),
            partial(backoffice.cancel_order, order_id=order.pk, by="cs", reason="race"),
        )
        order.refresh_from_db()
        payment = Payment.objects.get(order=order)
        if isinstance(capture, PaymentTransaction):
            assert isinstance(cancel, DomainError) and "has captured payments" in str(cancel)
            assert (order.status, payment.status) == (S.CONFIRMED, "partially_captured")
        else:
            assert isinstance(capture, DomainError), capture
            assert isinstance(cancel, Order)
            assert (order.status, payment.status) == (S.CANCELLED, "voided")
