"""Cancelling products at the same moment as a shipment, a capture or a restore:
the order lock serializes them, so no unit is both shipped and cancelled and the
money adds up whichever goes first."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from backoffice import services as backoffice
from core.errors import DomainError
from orders.models import Order, OrderStatus
from payments.models import Payment
from shipments import services as shipping
from shipments.models import Shipment, ShipmentLine, ShipmentStatus
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    StockFactory,
    advance_shipment,
    default_warehouse,
)
from tests.helpers import race

S = OrderStatus
D = Decimal
ROUNDS = 20

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def two_lines(**extra):
    return OrderFactory(
        lines=[
            LineDataFactory(sku="A", quantity=2, unit_price=D("10.00")),
            LineDataFactory(sku="B", quantity=2, unit_price=D("20.00")),
        ],
        **extra,
    )


def cancel(order_id, quantities):
    return lambda: backoffice.cancel_products(
        order_id=order_id, quantities=quantities, reason="race", by="racer"
    )


def restore(order_id, quantities):
    return lambda: backoffice.restore_products(
        order_id=order_id, quantities=quantities, reason="race", by="racer"
    )


def ship(order_id, warehouse_id, quantities):
    return lambda: shipping.create_shipment(
        order_id=order_id, warehouse_id=warehouse_id, quantities=quantities, by="racer"
    )


def capture(shipment_id):
    return lambda: shipping.capture_shipment(shipment_id=shipment_id, by="racer")


def in_shipments(line):
    return ShipmentLine.objects.filter(order_line=line).aggregate(n=Sum("quantity"))["n"] or 0


def test_cancel_products_against_a_shipment_of_the_same_line():
    warehouse = default_warehouse()
    for _ in range(ROUNDS):
        order = two_lines(status=S.CONFIRMED)
        b = order.lines.get(sku="B")
        StockFactory(warehouse=warehouse, sku="B", on_hand=100)

        results = race(
            cancel(order.pk, {b.pk: 2}),
            ship(order.pk, warehouse.pk, {b.pk: 2}),
        )

        assert sum(isinstance(r, DomainError) for r in results) == 1, results
        b.refresh_from_db()
        assert in_shipments(b) + b.quantity_cancelled == b.quantity == 2
        order.refresh_from_db()
        assert order.grand_total == (D("25.00") if b.quantity_cancelled else D("65.00"))


def test_cancel_products_against_a_capture():
    warehouse = default_warehouse()
    for _ in range(ROUNDS):
        order = two_lines(status=S.CONFIRMED)
        a, b = order.lines.get(sku="A"), order.lines.get(sku="B")
        shipment = ShipmentFactory(
            order=order, warehouse=warehouse, quantities={a.pk: 2}, status=ShipmentStatus.GOOD_TO_GO
        )

        results = race(
            cancel(order.pk, {b.pk: 2}),
            capture(shipment.pk),
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        shipment = advance_shipment(
            Shipment.objects.get(pk=shipment.pk), status=ShipmentStatus.COMPLETED
        )
        order = Order.objects.get(pk=order.pk)
        payment = Payment.objects.get(order=order)
        assert order.status == S.COMPLETED
        # What shipped (2 × 10.00) plus shipping; the cancelled 40.00 released.
        assert (payment.captured_amount, payment.released_amount, payment.open_amount) == (
            D("25.00"),
            D("40.00"),
            D("0.00"),
        )
        assert payment.status == "captured"


def test_restore_products_against_cancel_products():
    for _ in range(ROUNDS):
        order = two_lines(status=S.CONFIRMED)
        b = order.lines.get(sku="B")
        cancel(order.pk, {b.pk: 1})()

        results = race(restore(order.pk, {b.pk: 1}), cancel(order.pk, {b.pk: 2}))

        b.refresh_from_db()
        restored, cancelled = (not isinstance(r, Exception) for r in results)
        # Serially: restore then cancel 2 → 2 cancelled; cancel 2 first is refused
        # (only 1 left to cancel) and the restore leaves 0.
        assert restored
        assert b.quantity_cancelled == (2 if cancelled else 0)
        order.refresh_from_db()
        assert order.grand_total == (D("25.00") if cancelled else D("65.00"))
        assert Payment.objects.get(order=order).status == "authorized"
