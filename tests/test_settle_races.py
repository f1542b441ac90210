"""Provider notifications at the same time as each other and as staff, on PostgreSQL.

Every settlement locks the order, then the shipment, then the payment (the one
lock order, `orders.locks`), as every staff step on the order does: the same
notification delivered ten times at once settles once, and a notification racing
a staff step on the same payment is applied once, as is the step, with no
deadlock.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import DomainError
from orders.models import OrderEvent, OrderStatus
from payments.models import Payment, PaymentTransaction, ProviderNotification
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus
from tests.factories import FACTORY, LineDataFactory, OrderFactory, ShipmentFactory
from tests.helpers import race
from tests.settle_support import deliver, open_request, settlement_body, settling_later

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SH = ShipmentStatus
ROUNDS = 3
D = Decimal


def two_shipments():
    """A confirmed order (A 20.00, B 10.00, shipping 5.00) in two good-to-go shipments,
    settling later; the first's capture (25.00 with the shipping) requested."""
    order = OrderFactory(
        status=OrderStatus.CONFIRMED,
        shipping_price=D("5.00"),
        lines=[
            LineDataFactory(sku="A", quantity=1, unit_price=D("20.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("10.00")),
        ],
    )
    lines = {line.sku: line.pk for line in order.lines.all()}
    first = ShipmentFactory(order=order, quantities={lines["A"]: 1}, status=SH.GOOD_TO_GO)
    second = ShipmentFactory(order=order, quantities={lines["B"]: 1}, status=SH.GOOD_TO_GO)
    settling_later(order)
    shipping.capture_shipment(shipment_id=first.pk, by=FACTORY)
    return order, first, second


def delivering(body: bytes):
    return lambda: deliver(body)


def capturing(shipment_id: int):
    return lambda: shipping.capture_shipment(shipment_id=shipment_id, by=FACTORY)


def completing(shipment_id: int):
    return lambda: shipping.complete_shipment(
        shipment_id=shipment_id, tracking_number="T1", carrier="UPS", by=FACTORY
    )


def test_the_same_notification_ten_times_at_once_settles_once():
    for _ in range(ROUNDS):
        order, first, _second = two_shipments()
        body = settlement_body(open_request(order))

        answers = race(*(delivering(body) for _ in range(10)))

        assert sorted(a.message for a in answers) == ["Already settled."] * 9 + ["OK"], answers
        payment = Payment.objects.get(order=order)
        assert payment.captured_amount == D("25.00") and payment.capture_requested_amount == 0
        assert (
            PaymentTransaction.objects.filter(payment=payment, settles__isnull=False).count() == 1
        )
        assert Shipment.objects.get(pk=first.pk).status == SH.PAID
        notes = ProviderNotification.objects.filter(order=order)
        assert sorted(notes.values_list("status", flat=True)) == ["applied"] + ["duplicate"] * 9
        settled_events = OrderEvent.objects.filter(order=order, transition="payment_settle_capture")
        assert settled_events.count() == 1


def test_a_notification_racing_a_staff_capture_on_the_same_payment_both_apply_once():
    for _ in range(ROUNDS):
        order, first, second = two_shipments()
        body = settlement_body(open_request(order))

        results = race(delivering(body), capturing(second.pk))

        assert results[0].message == "OK", results
        assert isinstance(results[1], Shipment), results
        payment = Payment.objects.get(order=order)
        assert (payment.captured_amount, payment.capture_requested_amount) == (
            D("25.00"),
            D("10.00"),
        )
        assert Shipment.objects.get(pk=first.pk).status == SH.PAID
        assert Shipment.objects.get(pk=second.pk).status == SH.CAPTURE_REQUESTED


def test_a_notification_racing_staff_completing_the_same_shipment():
    """Completing waits for the settlement: it is refused before it, taken after it."""
    outcomes = set()
    for _ in range(ROUNDS * 2):
        order, first, _second = two_shipments()
        body = settlement_body(open_request(order))

        results = race(delivering(body), completing(first.pk))

        assert results[0].message == "OK", results
        shipment = Shipment.objects.get(pk=first.pk)
        if isinstance(results[1], DomainError):
            assert "waits for its capture to settle" in str(results[1])
            assert shipment.status == SH.PAID
            outcomes.add("refused, then settled")
        else:
            assert shipment.status == SH.COMPLETED
            outcomes.add("settled, then completed")
        assert Payment.objects.get(order=order).captured_amount == D("25.00")
    assert outcomes  # either order is right; each round is one of them
