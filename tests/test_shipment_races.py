"""Shipments created at once from two connections never ship a unit twice nor lose one."""

import threading
import time
from decimal import Decimal

import pytest
from django.db.models import Sum

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentTransaction
from shipments import services as shipping
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Stock
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    StockFactory,
    default_warehouse,
)
from tests.helpers import race

S = OrderStatus
ROUNDS = 20

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def everything(order):
    return {line.pk: line.quantity for line in order.lines.all()}


def cancel(order_id):
    return lambda: backoffice.cancel_order(order_id=order_id, by="racer", reason="race")


def capture(shipment_id):
    return lambda: shipping.capture_shipment(shipment_id=shipment_id, by="racer")


def create_all(order_id, warehouse_id, quantities):
    return lambda: shipping.create_shipment(
        order_id=order_id, warehouse_id=warehouse_id, quantities=quantities, by="racer"
    )


def allocated(warehouse):
    return Stock.objects.filter(warehouse=warehouse).aggregate(total=Sum("allocated"))["total"]


def test_two_shipments_for_the_same_remaining_quantity_one_wins():
    warehouse = default_warehouse()
    for _ in range(ROUNDS):
        order = OrderFactory(status=S.CONFIRMED)
        for line in order.lines.all():
            StockFactory(warehouse=warehouse, sku=line.sku, on_hand=10)
        quantities = everything(order)
        before = allocated(warehouse)

        results = race(
            create_all(order.pk, warehouse.pk, quantities),
            create_all(order.pk, warehouse.pk, quantities),
        )

        won = [r for r in results if isinstance(r, Shipment)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert (len(won), len(refused)) == (1, 1), results
        assert str(refused[0]) == f"Order {order.number} has nothing left to ship."
        in_shipments = dict(
            ShipmentLine.objects.filter(shipment__order=order)
            .values("order_line")
            .annotate(total=Sum("quantity"))
            .values_list("order_line", "total")
        )
        assert in_shipments == quantities
        assert allocated(warehouse) - before == sum(quantities.values())
        assert Order.objects.get(pk=order.pk).status == S.PROCESSING


def test_two_orders_racing_for_the_last_unit_one_gets_it():
    warehouse = default_warehouse()
    for round_ in range(ROUNDS):
        sku = f"LAST-{round_}"
        stock = StockFactory(warehouse=warehouse, sku=sku, on_hand=1)
        orders = [
            OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(sku=sku, quantity=1)])
            for _ in range(2)
        ]
        results = race(*(create_all(o.pk, warehouse.pk, everything(o)) for o in orders))
        won = [r for r in results if isinstance(r, Shipment)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert (len(won), len(refused)) == (1, 1), results
        assert str(refused[0]) == f"Main has 0 of {sku} available, not the 1 asked for."
        stock.refresh_from_db()
        assert (stock.on_hand, stock.allocated) == (1, 1)
        statuses = sorted(Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status"))
        assert statuses == [(S.CONFIRMED,), (S.PROCESSING,)]


def expedite(order_id):
    return lambda: shipping.expedite_order(order_id=order_id, by="racer")


def test_one_order_expedited_twice_at_once_gets_one_shipment():
    warehouse = default_warehouse()
    for _ in range(ROUNDS):
        order = OrderFactory(status=S.CONFIRMED)
        for line in order.lines.all():
            StockFactory(warehouse=warehouse, sku=line.sku, on_hand=10)
        results = race(expedite(order.pk), expedite(order.pk))
        refused = [r for r in results if isinstance(r, DomainError)]
        assert [str(r) for r in refused] == [f"Order {order.number} has nothing left to ship."]
        assert order.shipments.count() == 1


def test_two_orders_expedited_for_the_last_unit_one_gets_it_the_other_is_told():
    warehouse = default_warehouse()
    for round_ in range(ROUNDS):
        sku = f"EXP-{round_}"
        stock = StockFactory(warehouse=warehouse, sku=sku, on_hand=1)
        orders = [
            OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(sku=sku, quantity=1)])
            for _ in range(2)
        ]
        results = race(*(expedite(o.pk) for o in orders))
        refused = [r for r in results if isinstance(r, DomainError)]
        loser = orders[[isinstance(r, DomainError) for r in results].index(True)]
        # The loser takes its proposal again under the stock lock, so it hears
        # that nothing is available rather than an allocation it never asked for.
        assert [str(r) for r in refused] == [
            f"Order {loser.number} has nothing available to ship in any warehouse."
        ]
        stock.refresh_from_db()
        assert (stock.on_hand, stock.allocated) == (1, 1)
        assert Order.objects.get(pk=loser.pk).status == S.CONFIRMED


def test_orders_taking_the_same_skus_in_opposite_order_do_not_deadlock():
    warehouse = default_warehouse()
    for round_ in range(ROUNDS):
        skus = [f"A-{round_}", f"B-{round_}"]
        for sku in skus:
            StockFactory(warehouse=warehouse, sku=sku, on_hand=2)
        orders = [
            OrderFactory(
                status=S.CONFIRMED,
                lines=[LineDataFactory(sku=sku, quantity=1, unit_price=Decimal(1)) for sku in seq],
            )
            for seq in (skus, skus[::-1])
        ]
        results = race(*(create_all(o.pk, warehouse.pk, everything(o)) for o in orders))
        assert all(isinstance(r, Shipment) for r in results), results
        assert list(Stock.objects.filter(sku__in=skus).values_list("allocated", flat=True)) == [
            2,
            2,
        ]


def test_cancelling_several_shipments_does_not_deadlock_a_new_shipment(monkeypatch):
    # The cancelled order's shipments hold B then A; the new shipment locks A then
    # B. The new shipment starts once the cancel has deleted its first shipment,
    # which made the old shipment-by-shipment locking deadlock every time; the
    # stock must be locked up front.
    warehouse = default_warehouse()
    original_delete = Shipment.delete
    first_deleted = threading.Event()

    def slow_delete(self, *args, **kwargs):
        result = original_delete(self, *args, **kwargs)
        if not first_deleted.is_set():
            first_deleted.set()
            time.sleep(0.5)
        return result

    def after_first_delete(call):
        def wait_then_call():
            first_deleted.wait(timeout=5)
            return call()

        return wait_then_call

    monkeypatch.setattr(Shipment, "delete", slow_delete)
    for round_ in range(5):
        skus = [f"A-{round_}", f"B-{round_}"]
        for sku in skus:
            StockFactory(warehouse=warehouse, sku=sku, on_hand=5)
        lines = [LineDataFactory(sku=sku, quantity=1, unit_price=Decimal(1)) for sku in skus]
        cancelled = OrderFactory(status=S.CONFIRMED, lines=lines)
        by_sku = {line.sku: line.pk for line in cancelled.lines.all()}
        for sku in reversed(skus):
            create_all(cancelled.pk, warehouse.pk, {by_sku[sku]: 1})()
        other = OrderFactory(status=S.CONFIRMED, lines=lines)
        first_deleted.clear()

        results = race(
            cancel(cancelled.pk),
            after_first_delete(create_all(other.pk, warehouse.pk, everything(other))),
        )

        assert isinstance(results[0], Order) and isinstance(results[1], Shipment), results
        assert list(Stock.objects.filter(sku__in=skus).values_list("allocated", flat=True)) == [
            1,
            1,
        ]


def test_a_shipment_raced_against_cancel_leaves_nothing_allocated():
    warehouse = default_warehouse()
    for _ in range(ROUNDS):
        order = OrderFactory(status=S.CONFIRMED)
        for line in order.lines.all():
            StockFactory(warehouse=warehouse, sku=line.sku, on_hand=5)
        before = allocated(warehouse)
        results = race(
            create_all(order.pk, warehouse.pk, everything(order)),
            cancel(order.pk),
        )
        assert isinstance(results[1], Order), results
        assert isinstance(results[0], Shipment | DomainError), results
        assert Order.objects.get(pk=order.pk).status == S.CANCELLED
        assert not Shipment.objects.filter(order=order).exists()
        assert allocated(warehouse) == before


def test_one_shipment_captured_from_two_connections_is_captured_once():
    for _ in range(ROUNDS):
        shipment = ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
        results = race(capture(shipment.pk), capture(shipment.pk))

        won = [r for r in results if isinstance(r, Shipment)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert (len(won), len(refused)) == (1, 1), results
        assert str(refused[0]) == f"Shipment {shipment.ref} is Paid, so it cannot be captured."
        payment = Payment.objects.get(order=shipment.order)
        captured = PaymentTransaction.objects.filter(
            payment=payment, kind="capture", outcome="success"
        )
        assert list(captured.values_list("amount", flat=True)) == [shipment.order.grand_total]
        assert payment.captured_amount == shipment.order.grand_total


def test_a_shipment_raced_against_hold_follows_a_serial_order():
    warehouse = default_warehouse()
    for _ in range(ROUNDS):
        order = OrderFactory(status=S.CONFIRMED)
        for line in order.lines.all():
            StockFactory(warehouse=warehouse, sku=line.sku, on_hand=5)
        results = race(
            create_all(order.pk, warehouse.pk, everything(order)),
            lambda order=order: services.hold_order(
                order_id=order.pk, by="racer", kind="manual", reason="race"
            ),
        )
        assert isinstance(results[1], Order), results
        final = Order.objects.get(pk=order.pk)
        if isinstance(results[0], Shipment):
            # Created first, then held.
            assert (final.status, final.on_hold) == (S.PROCESSING, True)
            created = OrderEvent.objects.get(order=order, transition="create")
            held = OrderEvent.objects.get(order=order, transition="hold")
            assert created.pk < held.pk
        else:
            assert str(results[0]) == f"Order {order.number} is on hold: resume it before shipping."
            assert (final.status, final.on_hold) == (S.CONFIRMED, True)
            assert not Stock.objects.filter(sku__in=order.lines.values("sku"), allocated__gt=0)
