"""Random sequences of returns and refunds on completed orders, through the services.

A hypothesis rule-based state machine starts each example from an order whose
lines shipped in two completed shipments (random split, prices, discounts and
shipping), then creates returns from random shipments with random quantities,
stock actions, shipping refunds, handling costs, return fees and voucher
values (handling above the store's limit too, and the limit itself drawn and
changed between returns); completes, uncompletes, refunds (the suggestion,
less, more) and deletes them; and makes goodwill refunds. Its own model
predicts every outcome, and after every step it checks:

- returned ≤ shipped for every shipment line, and a shipment line returned in
  full was refunded exactly what it was charged (the slices add up to the cent);
- refunded = refunded returns + goodwill refunds ≤ captured;
- per shipment, refunded through its returns ≤ what it charged, plus only the
  handling its refunded returns carried within the store's limit (nothing, while
  the limit stayed 0); their lines and shipping alone never more than charged;
- stock on hand = start − shipped + restocked, in every warehouse;
- the successful ledger rows add up to the payment's amounts, and each refunded
  return has exactly one refund row carrying its number;
- a refused step changed nothing (payment, ledger, returns, stock, events).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core.errors import DomainError
from core.money import ZERO, quantize
from orders.models import OrderEvent, OrderStatus, StoreSettings
from payments import services as pay
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentTransaction
from returns import services as returns
from returns.models import Return, ReturnLine, ReturnStatus, StockAction
from shipments.models import ShipmentLine, ShipmentStatus, Stock
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    WarehouseFactory,
    advance_shipment,
)
from tests.helpers import payment_snapshot, stock_snapshot

D = Decimal
BY = "machine"

prices = st.sampled_from([D("10.00"), D("19.50"), D("49.00"), D("129.50")])
# Discounts over 3 units leave cents to share out: 1.00 / 3 = 0.33, 0.34, 0.33.
discounts = st.sampled_from([D("0.00"), D("0.00"), D("1.00"), D("2.50")])
costs = st.sampled_from([D("0.00"), D("0.00"), D("0.00"), D("2.50"), D("4.90"), D("900.00")])
# Handling within the store's limit mostly, now and then above it (5.01, 900.00).
handlings = st.sampled_from(
    [D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("2.50"), D("5.01"), D("900.00")]
)
# The store's handling limit: none (the default), or some; changed between steps.
limits = st.sampled_from([D("0.00"), D("2.50"), D("5.00"), D("5.00")])
portions = st.sampled_from(["suggested", "less", "more", "zero"])

# Which (step, outcome) pairs the run exercised, so it cannot pass vacuously.
SEEN: Counter = Counter()
REASONS: Counter = Counter()


class ReturnsMachine(RuleBasedStateMachine):
    @initialize(
        specs=st.lists(st.tuples(prices, st.integers(2, 3), discounts), min_size=2, max_size=3),
        first_share=st.integers(1, 2),
        shipping=st.sampled_from([D("0.00"), D("4.90")]),
        limit=limits,
    )
    def completed_order(self, specs, first_share, shipping, limit):
        self.set_limit(limit)
        lines = [
            LineDataFactory(unit_price=price, quantity=quantity, discount=discount)
            for price, quantity, discount in specs
        ]
        self.origin = WarehouseFactory()
        self.other = WarehouseFactory()
        order = OrderFactory(status=OrderStatus.CONFIRMED, lines=lines, shipping_price=shipping)
        self.order_id = order.pk
        order_lines = list(order.lines.order_by("pk"))
        # Two shipments: the first takes up to `first_share` units of each line, never all.
        first = {line.pk: min(first_share, line.quantity - 1) for line in order_lines}
        for quantities in (first, None):
            shipment = ShipmentFactory(order=order, warehouse=self.origin, quantities=quantities)
            advance_shipment(shipment, status=ShipmentStatus.COMPLETED)
        assert order.shipments.filter(status=ShipmentStatus.COMPLETED).count() == 2
        self.shipment_ids = list(order.shipments.order_by("sequence").values_list("pk", flat=True))
        # What is on the shelves once everything shipped: start − shipped.
        self.after_shipping = {
            (row.warehouse_id, row.sku): row.on_hand
            for row in Stock.objects.filter(warehouse__in=[self.origin, self.other])
        }
        self.restocked: Counter = Counter()
        self.goodwill = ZERO
        self.goodwill_calls = self.too_many_calls = self.stretches = 0
        self.currency = order.currency

    # The model's view of the returns, read back from the database (the
    # database is what the invariants judge; the model only predicts outcomes).

    def set_limit(self, limit: Decimal) -> None:
        store = StoreSettings.load()
        store.return_handling_limit = limit
        store.save()
        self.limit = limit
        self.ever_allowed_handling = getattr(self, "ever_allowed_handling", False) or limit > 0

    def payment(self) -> Payment:
        return Payment.objects.get(order_id=self.order_id)

    def returns(self) -> list[Return]:
        return list(Return.objects.filter(order_id=self.order_id).order_by("sequence"))

    def returnable(self, shipment_id: int) -> dict[int, tuple[int, str]]:
        rows = ShipmentLine.objects.filter(shipment_id=shipment_id).annotate(
            returned=Sum("return_lines__quantity")
        )
        return {
            row.pk: (row.quantity - (row.returned or 0), row.order_line.sku)
            for row in rows.select_related("order_line")
        }

    def world(self) -> dict:
        return {
            "payment": payment_snapshot(self.order_id),
            "returns": list(Return.objects.filter(order_id=self.order_id).order_by("pk").values()),
            "return_lines": list(
                ReturnLine.objects.filter(order_return__order_id=self.order_id)
                .order_by("pk")
                .values()
            ),
            "stock": stock_snapshot(),
            "events": OrderEvent.objects.filter(order_id=self.order_id).count(),
        }

    def call(self, expected: str, step: str, service, *, events: int = 1, **kwargs):
        """Run a service; check the predicted outcome, and that a refusal changed nothing.

        `events`: what a success writes on the timeline (a return's refund writes
        the payment's refund and the return's).
        """
        before = self.world()
        try:
            result = service(**kwargs)
            outcome = "ok"
        except PaymentDeclined:
            outcome = "declined"
        except DomainError as error:
            outcome = "refused"
            REASONS[f"{step}: {str(error)[:60]}"] += 1
        SEEN[f"{step}:{outcome}"] += 1
        assert outcome == expected, (step, kwargs, outcome)
        after = self.world()
        if outcome == "refused":
            assert after == before
        elif outcome == "ok":
            assert after["events"] == before["events"] + events
        return result if outcome == "ok" else None

    # Rules

    @rule(
        which=st.integers(0, 1),
        picks=st.lists(st.integers(0, 5), min_size=3, max_size=3),
        action=st.sampled_from(StockAction.values),
        refund_shipping=st.sampled_from([False, False, True]),
        handling=handlings,
        fee=costs,
        voucher=costs,
    )
    def create(self, which, picks, action, refund_shipping, handling, fee, voucher):
        shipment_id = self.shipment_ids[which]
        returnable = self.returnable(shipment_id)
        quantities = {
            # Within what is left, or (a fifth of the draws) one more than that.
            line_id: min(pick, left) if pick < 5 else left + 1
            for (line_id, (left, _sku)), pick in zip(
                sorted(returnable.items()), picks, strict=False
            )
        }
        expected = self.expect_create(
            shipment_id, quantities, returnable, refund_shipping, handling, fee, voucher
        )
        warehouse = self.other if action == StockAction.TO_WAREHOUSE else None
        created = self.call(
            expected,
            "create",
            returns.create_return,
            shipment_id=shipment_id,
            quantities=quantities,
            stock_action=action,
            warehouse_id=warehouse.pk if warehouse else None,
            refund_shipping=refund_shipping,
            handling_cost=handling,
            return_fee=fee,
            voucher_value=voucher,
            by=BY,
        )
        if created is not None:
            assert created.status == ReturnStatus.PENDING
            assert created.refund_amount == created.suggested_refund
            assert created.lines_amount == sum((line.amount for line in created.lines.all()), ZERO)

    @precondition(lambda self: self.too_many_calls < 2)
    @rule(which=st.integers(0, 1))
    def create_one_too_many(self, which):
        self.too_many_calls += 1
        shipment_id = self.shipment_ids[which]
        line_id, (left, _sku) = min(self.returnable(shipment_id).items())
        self.call(
            "refused", "create", returns.create_return, shipment_id=shipment_id,
            quantities={line_id: left + 1}, stock_action=StockAction.REMOVE, by=BY,
        )  # fmt: skip

    def expect_create(self, shipment_id, quantities, returnable, refund_shipping, *money):
        if any(quantities[line_id] > left for line_id, (left, _) in returnable.items()):
            return "refused"
        if not any(quantities.values()):
            return "refused"
        shipping = ZERO
        if refund_shipping:
            shipment = self.order_shipment(shipment_id)
            claimed = Return.objects.filter(shipment_id=shipment_id, refund_shipping=True)
            if claimed.exists() or not shipment.shipping_amount:
                return "refused"
            shipping = shipment.shipping_amount
        handling, fee, voucher = money
        if handling > self.limit:
            return "refused"
        lines = self.value_of(shipment_id, quantities)
        if lines + shipping + handling - fee - voucher < 0:
            return "refused"
        return "ok"

    def order_shipment(self, shipment_id):
        from shipments.models import Shipment

        return Shipment.objects.get(pk=shipment_id)

    def value_of(self, shipment_id: int, quantities: dict[int, int]) -> Decimal:
        """What the units are worth: each shipment line's charge, shared out per unit."""
        total = ZERO
        for line in ShipmentLine.objects.filter(shipment_id=shipment_id):
            quantity = quantities.get(line.pk, 0)
            if not quantity:
                continue
            returned = line.return_lines.aggregate(units=Sum("quantity"), amount=Sum("amount"))
            before_units, before_amount = returned["units"] or 0, returned["amount"] or ZERO
            after = quantize(line.amount * (before_units + quantity) / line.quantity, self.currency)
            total += after - before_amount
        return total

    @precondition(lambda self: Return.objects.filter(order_id=self.order_id).exists())
    @rule(pick=st.integers(0, 9))
    def complete(self, pick):
        return_ = self.pick(pick)
        ok = return_.status in (ReturnStatus.PENDING, ReturnStatus.REFUNDED)
        done = self.call(
            "ok" if ok else "refused", "complete", returns.complete_return,
            return_id=return_.pk, by=BY,
        )  # fmt: skip
        if done is not None:
            assert done.status == ReturnStatus.COMPLETED
            if return_.moves_stock:
                for line in return_.lines.select_related("shipment_line__order_line"):
                    sku = line.shipment_line.order_line.sku
                    self.restocked[(return_.warehouse_id, sku)] += line.quantity

    @precondition(lambda self: Return.objects.filter(order_id=self.order_id).exists())
    @rule(pick=st.integers(0, 9))
    def uncomplete(self, pick):
        return_ = self.pick(pick)
        ok = return_.status == ReturnStatus.COMPLETED and return_.refunded_at is None
        done = self.call(
            "ok" if ok else "refused", "uncomplete", returns.uncomplete_return,
            return_id=return_.pk, by=BY,
        )  # fmt: skip
        if done is not None:
            assert done.status == ReturnStatus.PENDING
            if return_.moves_stock:
                for line in return_.lines.select_related("shipment_line__order_line"):
                    sku = line.shipment_line.order_line.sku
                    self.restocked[(return_.warehouse_id, sku)] -= line.quantity

    @precondition(lambda self: Return.objects.filter(order_id=self.order_id).exists())
    @rule(pick=st.integers(0, 9), portion=portions)
    def refund(self, pick, portion):
        self.refund_return(self.pick(pick), portion)

    def refund_return(self, return_: Return, portion: str) -> None:
        suggested = return_.suggested_refund
        amount = {
            "suggested": None,
            "less": quantize(suggested / 2, self.currency),
            "more": suggested + D("0.01"),
            "zero": ZERO,
        }[portion]
        wanted = suggested if amount is None else amount
        ok = (
            return_.status in (ReturnStatus.PENDING, ReturnStatus.COMPLETED)
            and return_.refunded_at is None
            and 0 < wanted <= suggested
            and wanted <= self.cap_of(return_)
            and wanted <= self.payment().refundable_amount
        )
        if return_.refunded_at is None and suggested > self.cap_of(return_):
            SEEN["refund:above the cap"] += 1
        expected = "ok" if ok else "refused"
        if ok and wanted % 1 == D("0.13"):
            expected = "declined"  # the test gateway declines amounts ending in .13
        done = self.call(
            expected, "refund", returns.refund_return, events=2,
            return_id=return_.pk, amount=amount, by=BY,
        )  # fmt: skip
        if expected == "declined":
            assert Return.objects.get(pk=return_.pk).status == return_.status
        if done is not None:
            # Refunded, or still Completed when the goods were received first.
            refunded = {ReturnStatus.PENDING: ReturnStatus.REFUNDED}
            assert done.status == refunded.get(return_.status, return_.status)
            assert done.refund_amount == wanted

    # A return takes everything left on a shipment with handling at the store's
    # limit, then the store lowers the limit to 0: the refund may not pay that
    # handling out of room the shipment's charge does not have.
    @precondition(lambda self: self.limit > 0 and self.stretches < 3)
    @rule(which=st.integers(0, 1))
    def stretch_the_cap(self, which):
        self.stretches += 1
        shipment_id = self.shipment_ids[which]
        returnable = self.returnable(shipment_id)
        quantities = {line_id: left for line_id, (left, _sku) in returnable.items() if left}
        if not quantities:
            return
        shipment = self.order_shipment(shipment_id)
        claimed = Return.objects.filter(shipment_id=shipment_id, refund_shipping=True).exists()
        refund_shipping = bool(shipment.shipping_amount) and not claimed
        expected = self.expect_create(
            shipment_id, quantities, returnable, refund_shipping, self.limit, ZERO, ZERO
        )
        created = self.call(
            expected, "create", returns.create_return, shipment_id=shipment_id,
            quantities=quantities, stock_action=StockAction.REMOVE,
            refund_shipping=refund_shipping, handling_cost=self.limit, by=BY,
        )  # fmt: skip
        self.set_limit(ZERO)
        if created is not None:
            self.refund_return(Return.objects.get(pk=created.pk), "suggested")

    def cap_of(self, return_: Return) -> Decimal:
        """The model's cap: the shipment's charge, less the lines and shipping its
        other refunded returns gave back, plus this return's handling within the limit."""
        others = Return.objects.filter(
            shipment_id=return_.shipment_id, refunded_at__isnull=False
        ).exclude(pk=return_.pk)
        goods_refunded = sum((r.refund_amount - r.handling_cost for r in others), ZERO)
        charged = self.order_shipment(return_.shipment_id).amount
        return charged - goods_refunded + min(return_.handling_cost, self.limit)

    # The store changes its mind between returns: a return made under a higher
    # limit is refunded under the lower one.
    @rule(limit=limits)
    def change_limit(self, limit):
        self.set_limit(limit)

    @precondition(lambda self: Return.objects.filter(order_id=self.order_id).exists())
    @rule(pick=st.integers(0, 9))
    def delete(self, pick):
        return_ = self.pick(pick)
        ok = return_.status == ReturnStatus.PENDING
        self.call(
            "ok" if ok else "refused", "delete", returns.delete_return,
            return_id=return_.pk, by=BY,
        )  # fmt: skip
        if ok:
            assert not Return.objects.filter(pk=return_.pk).exists()

    # Now and then: most of the money should go back through returns.
    @precondition(lambda self: self.goodwill_calls < 2)
    @rule(amount=st.sampled_from([D("1.00"), D("7.50"), D("5000.00")]))
    def goodwill_refund(self, amount):
        self.goodwill_calls += 1
        ok = amount <= self.payment().refundable_amount
        self.call(
            "ok" if ok else "refused", "goodwill", pay.refund_payment,
            order_id=self.order_id, amount=amount, reason="Goodwill", by=BY,
        )  # fmt: skip
        if ok:
            self.goodwill += amount

    def pick(self, index: int) -> Return:
        found = self.returns()
        return found[index % len(found)]

    # Invariants

    @invariant()
    def returned_within_shipped(self):
        lines = ShipmentLine.objects.filter(shipment__order_id=self.order_id).annotate(
            returned=Sum("return_lines__quantity"), refunded=Sum("return_lines__amount")
        )
        for line in lines:
            assert (line.returned or 0) <= line.quantity
            if line.returned == line.quantity:
                assert line.refunded == line.amount, "a line returned in full adds up to its charge"

    @invariant()
    def refunds_add_up(self):
        payment = self.payment()
        refunded_returns = (
            Return.objects.filter(order_id=self.order_id, refunded_at__isnull=False).aggregate(
                total=Sum("refund_amount")
            )["total"]
            or ZERO
        )
        assert payment.refunded_amount == refunded_returns + self.goodwill
        assert payment.refunded_amount <= payment.captured_amount
        refund_rows = PaymentTransaction.objects.filter(
            payment=payment, kind="refund", outcome="success"
        ).exclude(return_ref="")
        for return_ in Return.objects.filter(order_id=self.order_id, refunded_at__isnull=False):
            rows = [row for row in refund_rows if row.return_ref == return_.number]
            assert len(rows) == 1 and rows[0].amount == return_.refund_amount

    @invariant()
    def returns_pay_out_no_more_than_their_shipment_charged(self):
        for shipment_id in self.shipment_ids:
            charged = self.order_shipment(shipment_id).amount
            refunded = Return.objects.filter(shipment_id=shipment_id, refunded_at__isnull=False)
            total = sum((r.refund_amount for r in refunded), ZERO)
            handling = sum((r.handling_cost for r in refunded), ZERO)
            assert total - handling <= charged, "lines and shipping within the charge"
            assert total <= charged + handling
            if not self.ever_allowed_handling:
                assert total <= charged, "no handling allowed: never more than charged"

    @invariant()
    def stock_adds_up(self):
        on_hand = {
            (row.warehouse_id, row.sku): row.on_hand
            for row in Stock.objects.filter(warehouse__in=[self.origin, self.other])
        }
        for key in set(on_hand) | set(self.after_shipping) | set(self.restocked):
            expected = self.after_shipping.get(key, 0) + self.restocked[key]
            assert on_hand.get(key, 0) == expected, key

    @invariant()
    def ledger_adds_up(self):
        payment = self.payment()
        rows = PaymentTransaction.objects.filter(payment=payment, outcome="success")

        def total(kind):
            return rows.filter(kind=kind).aggregate(total=Sum("amount"))["total"] or ZERO

        assert total("authorize") == payment.authorized_amount
        assert total("capture") == payment.captured_amount
        assert total("refund") == payment.refunded_amount


@pytest.mark.django_db
def test_returns_and_refunds_keep_goods_and_money_consistent():
    SEEN.clear()
    run_state_machine_as_test(
        ReturnsMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    for pair in [
        "create:ok", "create:refused", "complete:ok", "complete:refused",
        "uncomplete:ok", "uncomplete:refused", "refund:ok", "refund:refused",
        "delete:ok", "delete:refused", "goodwill:ok", "goodwill:refused",
    ]:  # fmt: skip
        assert SEEN[pair], f"the run never saw {pair}: {dict(SEEN)} {REASONS.most_common(8)}"
    # Handling above the store's limit was drawn and refused, and refunds above the cap.
    assert any(reason.startswith("create: The handling cost") for reason in REASONS), REASONS
    assert SEEN["refund:above the cap"], dict(SEEN)
    assert any("may refund at most" in reason for reason in REASONS), REASONS
