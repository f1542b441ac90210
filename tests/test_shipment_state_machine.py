"""Random sequences of shipment steps never break the stock, shipping and payment invariants.

Two open orders compete for the same SKUs in one warehouse (one line of each
order shares its SKU with another line; a new order joins when one is cancelled
or completed), and hypothesis drives create / good-to-go /
no good-to-go / capture (sometimes declined) / mark paid / mark unpaid /
complete / delete / hold / resume / cancel against them. After every step the
invariants below must hold; a refused or declined step must have changed nothing
but the payment's ledger of failed calls.
"""

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import HoldKind, Order, OrderStatus
from payments.models import Payment
from shipments import services as shipping
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Stock
from tests.factories import LineDataFactory, OrderFactory, StockFactory, WarehouseFactory
from tests.helpers import payment_snapshot, snapshot, stock_snapshot

S = OrderStatus
SS = ShipmentStatus
OPEN = [S.PENDING, S.CONFIRMED, S.PROCESSING]
OPEN_OR_PAID = [SS.CREATED, SS.GOOD_TO_GO, SS.PAID]
ON_HAND = 5
BY = "machine"


def complete_with_tracking(*, shipment_id, by):
    shipping.complete_shipment(shipment_id=shipment_id, tracking_number="T1", carrier="UPS", by=by)


class ShipmentMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.warehouse = WarehouseFactory()
        prefix = f"W{self.warehouse.pk}"
        self.skus = [f"{prefix}-A", f"{prefix}-B"]
        for sku in self.skus:
            StockFactory(warehouse=self.warehouse, sku=sku, on_hand=ON_HAND)
        self.orders: list[Order] = []
        for _ in range(2):
            self.add_order()

    def add_order(self) -> None:
        self.orders.append(
            OrderFactory(
                status=S.CONFIRMED,
                lines=[
                    LineDataFactory(sku=self.skus[0], quantity=2, unit_price=Decimal("9.99")),
                    LineDataFactory(sku=self.skus[1], quantity=3, unit_price=Decimal("4.50")),
                    LineDataFactory(sku=self.skus[0], quantity=1, unit_price=Decimal("1.01")),
                ],
            )
        )

    # ------------------------------------------------------------ helpers

    def open_orders(self, **filters) -> list[Order]:
        filters = {"status__in": OPEN, **filters}
        return list(Order.objects.filter(pk__in=[o.pk for o in self.orders], **filters))

    def orders_with_units_to_ship(self) -> list[Order]:
        return [
            order
            for order in self.open_orders(status__in=[S.CONFIRMED, S.PROCESSING])
            if any(line.quantity_unshipped for line in order.lines_with_shipped())
        ]

    def shipments_in(self, *statuses: str):
        return Shipment.objects.filter(order__in=self.orders, status__in=statuses).order_by("pk")

    def attempt(self, order: Order, action) -> None:
        """Run a step; a refusal must leave the order, its shipments and the stock alone."""
        before = snapshot(order), stock_snapshot(), payment_snapshot(order.pk)
        try:
            action()
        except DomainError as refused:
            assert str(refused).endswith(".")
            assert (snapshot(order), stock_snapshot(), payment_snapshot(order.pk)) == before

    def shipment_step(self, data, step, *statuses: str) -> None:
        """Take `step` on a shipment it applies to (hold or the provider may still say no)."""
        shipment = data.draw(st.sampled_from(list(self.shipments_in(*statuses))))
        self.attempt(shipment.order, lambda: step(shipment_id=shipment.pk, by=BY))

    # ------------------------------------------------------------ rules
    # Preconditions keep hypothesis from spending steps on rules with nothing
    # to act on; refusals still come from hold, stock, quantities and declines.

    @precondition(lambda self: self.orders_with_units_to_ship())
    @rule(
        data=st.data(),
        # Up to each line's quantity (2, 3, 1) and one more, to be refused.
        quantities=st.tuples(st.integers(1, 3), st.integers(0, 4), st.integers(0, 2)),
    )
    def create(self, data, quantities):
        order = data.draw(st.sampled_from(self.orders_with_units_to_ship()))
        lines = list(order.lines.order_by("pk"))
        asked = {line.pk: q for line, q in zip(lines, quantities, strict=True)}
        self.attempt(
            order,
            lambda: shipping.create_shipment(
                order_id=order.pk, warehouse_id=self.warehouse.pk, quantities=asked, by=BY
            ),
        )

    @precondition(lambda self: self.orders_with_units_to_ship())
    @rule(data=st.data())
    def create_what_is_proposed(self, data):
        order = data.draw(st.sampled_from(self.orders_with_units_to_ship()))
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

    @precondition(lambda self: self.shipments_in(SS.CREATED).exists())
    @rule(data=st.data())
    def good_to_go(self, data):
        self.shipment_step(data, shipping.mark_good_to_go, SS.CREATED)

    @precondition(lambda self: self.shipments_in(SS.GOOD_TO_GO).exists())
    @rule(data=st.data())
    def not_good_to_go(self, data):
        self.shipment_step(data, shipping.mark_not_good_to_go, SS.GOOD_TO_GO)

    @precondition(lambda self: self.shipments_in(SS.GOOD_TO_GO).exists())
    @rule(data=st.data())
    def capture(self, data):
        self.shipment_step(data, shipping.capture_shipment, SS.GOOD_TO_GO)

    @precondition(lambda self: self.shipments_in(SS.GOOD_TO_GO).exists())
    @rule(data=st.data())
    def mark_paid(self, data):
        self.shipment_step(data, shipping.mark_shipment_paid, SS.GOOD_TO_GO)

    @precondition(lambda self: self.shipments_in(SS.PAID).exists())
    @rule(data=st.data())
    def mark_unpaid(self, data):
        # Refused for a captured shipment, allowed for one marked paid by hand.
        self.shipment_step(data, shipping.mark_shipment_unpaid, SS.PAID)

    @precondition(lambda self: self.shipments_in(SS.GOOD_TO_GO, SS.PAID).exists())
    @rule(data=st.data())
    def complete(self, data):
        # From good-to-go it captures first.
        self.shipment_step(data, complete_with_tracking, SS.GOOD_TO_GO, SS.PAID)

    @precondition(lambda self: self.shipments_in(*OPEN_OR_PAID).exists())
    @rule(data=st.data(), by_hand=st.booleans())
    def advance(self, data, by_hand):
        """Move a shipment one step on, so sequences often reach completion."""
        shipment = data.draw(st.sampled_from(list(self.shipments_in(*OPEN_OR_PAID))))
        if shipment.status == SS.CREATED:
            step = shipping.mark_good_to_go
        elif shipment.status == SS.GOOD_TO_GO:
            step = shipping.mark_shipment_paid if by_hand else shipping.capture_shipment
        else:
            step = complete_with_tracking
        self.attempt(shipment.order, lambda: step(shipment_id=shipment.pk, by=BY))

    @precondition(lambda self: self.shipments_in(*OPEN_OR_PAID).exists())
    @rule(data=st.data())
    def delete(self, data):
        # Refused once paid.
        self.shipment_step(data, shipping.delete_shipment, *OPEN_OR_PAID)

    @rule(data=st.data(), declining=st.booleans())
    def provider_declines_captures(self, data, declining):
        # A test-gateway setting, not a state.
        order = data.draw(st.sampled_from(self.orders))
        Payment.objects.filter(order=order).update(test_decline="capture" if declining else "")

    @precondition(lambda self: len(self.open_orders()) < 2)
    @rule()
    def new_order(self):
        """Another confirmed order when one is cancelled or completed, to keep competing."""
        self.add_order()

    @precondition(lambda self: self.open_orders(on_hold=False))
    @rule(data=st.data(), dice=st.integers(1, 3))
    def hold(self, data, dice):
        if dice != 2:  # rarer than the shipment steps, so orders get somewhere
            return
        order = data.draw(st.sampled_from(self.open_orders(on_hold=False)))
        self.attempt(
            order,
            lambda: services.hold_order(
                order_id=order.pk, by=BY, kind=HoldKind.MANUAL, reason="Machine"
            ),
        )

    @precondition(lambda self: self.open_orders(on_hold=True))
    @rule(data=st.data())
    def resume(self, data):
        order = data.draw(st.sampled_from(self.open_orders(on_hold=True)))
        self.attempt(order, lambda: services.resume_order(order_id=order.pk, by=BY))

    @precondition(lambda self: self.open_orders())
    @rule(data=st.data(), dice=st.integers(1, 8))
    def cancel(self, data, dice):
        if dice != 5:  # rarer than the other steps: it ends the order's story
            return
        order = data.draw(st.sampled_from(self.open_orders()))
        self.attempt(
            order, lambda: backoffice.cancel_order(order_id=order.pk, by=BY, reason="Machine")
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
    def captured_is_what_the_paid_shipments_cost_and_within_the_authorization(self):
        for order in self.orders:
            payment = Payment.objects.get(order=order)
            paid = Shipment.objects.filter(order=order, status__in=[SS.PAID, SS.COMPLETED])
            assert payment.captured_amount == sum(paid.values_list("amount", flat=True))
            assert payment.captured_amount <= payment.authorized_amount

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
                amounts = order.shipments.values_list("amount", flat=True)
                assert sum(amounts) == order.grand_total
            else:
                assert order.status == S.CANCELLED
                assert not statuses


@pytest.mark.django_db
def test_random_shipment_steps_keep_the_invariants():
    run_state_machine_as_test(
        ShipmentMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
