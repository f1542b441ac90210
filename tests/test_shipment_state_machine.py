"""Random sequences of shipment steps never break the stock and shipping invariants.

Two orders compete for the same SKUs in one warehouse (one line of each order
shares its SKU with another line), and hypothesis drives create / good-to-go /
no good-to-go / delete / hold / resume / cancel against them. After every step
the invariants below must hold; a refused step must have changed nothing.
"""

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from orders import services
from orders.errors import DomainError
from orders.models import HoldKind, Order, OrderStatus
from shipments import services as shipping
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Stock
from tests.factories import LineDataFactory, OrderFactory, StockFactory, WarehouseFactory
from tests.helpers import snapshot, stock_snapshot

S = OrderStatus
SS = ShipmentStatus
ON_HAND = 4
BY = "machine"


class ShipmentMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.warehouse = WarehouseFactory()
        prefix = f"W{self.warehouse.pk}"
        self.skus = [f"{prefix}-A", f"{prefix}-B"]
        for sku in self.skus:
            StockFactory(warehouse=self.warehouse, sku=sku, on_hand=ON_HAND)
        self.orders = [
            OrderFactory(
                status=S.CONFIRMED,
                lines=[
                    LineDataFactory(sku=self.skus[0], quantity=2, unit_price=Decimal("9.99")),
                    LineDataFactory(sku=self.skus[1], quantity=3, unit_price=Decimal("4.50")),
                    LineDataFactory(sku=self.skus[0], quantity=1, unit_price=Decimal("1.01")),
                ],
            )
            for _ in range(2)
        ]

    # ------------------------------------------------------------ helpers

    def order(self, index: int) -> Order:
        return Order.objects.get(pk=self.orders[index].pk)

    def shipments(self, index: int) -> list[Shipment]:
        return list(Shipment.objects.filter(order=self.orders[index]).order_by("pk"))

    def attempt(self, order: Order, action) -> None:
        """Run a step; a refusal must leave the order, its shipments and the stock alone."""
        before, stock_before = snapshot(order), stock_snapshot()
        try:
            action()
        except DomainError as refused:
            assert str(refused).endswith(".")
            assert snapshot(order) == before
            assert stock_snapshot() == stock_before

    def shipment_step(self, data, index: int, step) -> None:
        shipments = self.shipments(index)
        if shipments:
            shipment = data.draw(st.sampled_from(shipments))
            self.attempt(shipment.order, lambda: step(shipment_id=shipment.pk, by=BY))

    # ------------------------------------------------------------ rules

    @rule(
        index=st.integers(0, 1),
        quantities=st.lists(st.integers(0, 3), min_size=3, max_size=3),
    )
    def create(self, index, quantities):
        order = self.order(index)
        lines = list(order.lines.order_by("pk"))
        asked = {line.pk: q for line, q in zip(lines, quantities, strict=True)}
        self.attempt(
            order,
            lambda: shipping.create_shipment(
                order_id=order.pk, warehouse_id=self.warehouse.pk, quantities=asked, by=BY
            ),
        )

    @rule(index=st.integers(0, 1))
    def create_what_is_proposed(self, index):
        order = self.order(index)
        proposal = shipping.propose_split(order=order, warehouse=self.warehouse)
        self.attempt(
            order,
            lambda: shipping.create_shipment(
                order_id=order.pk,
                warehouse_id=self.warehouse.pk,
                quantities=proposal.quantities,
                by=BY,
            ),
        )

    @rule(data=st.data(), index=st.integers(0, 1))
    def good_to_go(self, data, index):
        self.shipment_step(data, index, shipping.mark_good_to_go)

    @rule(data=st.data(), index=st.integers(0, 1))
    def not_good_to_go(self, data, index):
        self.shipment_step(data, index, shipping.mark_not_good_to_go)

    @rule(data=st.data(), index=st.integers(0, 1))
    def delete(self, data, index):
        self.shipment_step(data, index, shipping.delete_shipment)

    @rule(index=st.integers(0, 1))
    def hold(self, index):
        order = self.order(index)
        self.attempt(
            order,
            lambda: services.hold_order(
                order_id=order.pk, by=BY, kind=HoldKind.MANUAL, reason="Machine"
            ),
        )

    @rule(index=st.integers(0, 1))
    def resume(self, index):
        order = self.order(index)
        self.attempt(order, lambda: services.resume_order(order_id=order.pk, by=BY))

    @rule(index=st.integers(0, 1), dice=st.integers(0, 3))
    def cancel(self, index, dice):
        if dice:  # rarer than the other steps, so sequences get somewhere first
            return
        order = self.order(index)
        self.attempt(
            order, lambda: services.cancel_order(order_id=order.pk, by=BY, reason="Machine")
        )

    # ------------------------------------------------------------ invariants

    @invariant()
    def stock_is_never_negative_and_allocated_matches_open_shipments(self):
        held: Counter[str] = Counter()
        shipped: Counter[str] = Counter()
        for sku, quantity, status in ShipmentLine.objects.filter(
            shipment__warehouse=self.warehouse
        ).values_list("order_line__sku", "quantity", "shipment__status"):
            (shipped if status == SS.COMPLETED else held)[sku] += quantity
        for row in Stock.objects.filter(warehouse=self.warehouse):
            assert 0 <= row.allocated <= row.on_hand
            assert row.allocated == held[row.sku]
            assert row.on_hand == ON_HAND - shipped[row.sku]

    @invariant()
    def no_line_is_in_shipments_beyond_ordered_less_cancelled(self):
        for order in self.orders:
            for line in Order.objects.get(pk=order.pk).lines_with_shipped():
                assert 0 <= line.quantity_in_shipments <= line.quantity_active

    @invariant()
    def order_status_follows_its_shipments(self):
        for order in Order.objects.filter(pk__in=[o.pk for o in self.orders]):
            statuses = set(order.shipments.values_list("status", flat=True))
            if order.status == S.CONFIRMED:
                assert not statuses
            elif order.status == S.PROCESSING:
                assert statuses
                assert not order.is_fully_shipped()
            elif order.status == S.COMPLETED:
                assert statuses == {SS.COMPLETED}
                assert order.is_fully_shipped()
            else:
                assert order.status == S.CANCELLED
                assert not statuses & {SS.CREATED, SS.GOOD_TO_GO}


@pytest.mark.django_db
def test_random_shipment_steps_keep_the_invariants():
    run_state_machine_as_test(
        ShipmentMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
