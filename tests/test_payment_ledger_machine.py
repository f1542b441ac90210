"""Random sequences of captures, manual payments, refunds, voids and declines.

A hypothesis rule-based state machine drives the payment services against a
plain model of what each call should do. After every step: captured ≤
authorized, refunded ≤ captured, the successful ledger rows add up to the
payment's amounts, the model agrees with the database, and a refused or
declined call changed nothing but (for a decline) its failed ledger row.

The test runs inside one pytest-django database transaction; every example
makes its own order, so examples never see each other's payment.
"""

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
from orders.models import OrderEvent, OrderStatus
from payments import services as pay
from payments.errors import PaymentDeclined
from payments.gateways import declines_in_test
from payments.models import Payment, PaymentTransaction
from tests.factories import LineDataFactory, OrderFactory
from tests.helpers import payment_snapshot

AUTHORIZED = Decimal("200.00")
ZERO = Decimal("0.00")
SHIPMENTS = ["", "S-1", "S-2", "S-3"]
CENT = Decimal("0.01")

# Which (service, outcome) pairs the run exercised, so it cannot pass vacuously.
SEEN: Counter = Counter()

amounts = st.integers(min_value=1, max_value=25000).map(lambda cents: Decimal(cents) * CENT)
# Besides any amount: all of what is left, or a half or a third of it (rounded).
portions = st.sampled_from([None, 1, 2, 3])


def portion_of(amount: Decimal, left: Decimal, portion: int | None) -> Decimal:
    if portion is None or left <= 0:
        return amount
    return max(CENT, (left / portion).quantize(CENT))


class PaymentLedgerMachine(RuleBasedStateMachine):
    @initialize()
    def place_order(self):
        order = OrderFactory(
            status=OrderStatus.CONFIRMED,
            lines=[LineDataFactory(quantity=1, unit_price=AUTHORIZED)],
            shipping_price=ZERO,
        )
        self.order_id = order.pk
        self.captured = ZERO
        self.refunded = ZERO
        self.voided = False
        self.paid_shipments: dict[str, tuple[Decimal, bool]] = {}  # ref → (amount, manual)
        self.events = OrderEvent.objects.filter(order=order).count()

    # The model's answer for each call: "ok", "refused" or "declined".

    def payment(self) -> Payment:
        return Payment.objects.get(order_id=self.order_id)

    def expect_capture(self, amount, ref, *, manual) -> str:
        if ref and ref in self.paid_shipments:
            return "already"
        if self.voided or amount > AUTHORIZED - self.captured:
            return "refused"
        if not manual and declines_in_test(self.payment(), "capture", amount):
            return "declined"
        return "ok"

    def call(self, expected: str, service, **kwargs):
        """Run a service, check the outcome the model expects and what it left behind."""
        before = payment_snapshot(self.order_id)
        rows_before = PaymentTransaction.objects.filter(payment__order_id=self.order_id).count()
        result = None
        try:
            result = service(order_id=self.order_id, **kwargs)
            outcome = "ok"
        except PaymentDeclined:
            outcome = "declined"
        except DomainError:
            outcome = "refused"
        SEEN[f"{service.__name__}:{outcome}"] += 1
        assert outcome == ("ok" if expected == "already" else expected), (service, kwargs)

        rows = PaymentTransaction.objects.filter(payment__order_id=self.order_id)
        if expected in ("refused", "already"):
            assert payment_snapshot(self.order_id) == before
            assert rows.count() == rows_before
        elif expected == "declined":
            assert payment_snapshot(self.order_id) == before
            assert rows.count() == rows_before + 1
            assert rows.last().outcome == "failed"
        else:
            self.events += 1
            assert rows.filter(outcome="success").count() == len(before["ledger"]) + 1
        return result

    # Rules

    def provider_declines(self, operation: str, decline: bool) -> None:
        """Set the test gateway's switch for the next call (a flag, not a state)."""
        flag = operation if decline else ""
        Payment.objects.filter(order_id=self.order_id).update(test_decline=flag)

    @rule(amount=amounts, portion=portions, ref=st.sampled_from(SHIPMENTS), decline=st.booleans())
    def capture(self, amount, portion, ref, decline):
        self.provider_declines("capture", decline)
        amount = portion_of(amount, AUTHORIZED - self.captured, portion)
        expected = self.expect_capture(amount, ref, manual=False)
        self.call(expected, pay.capture_payment, amount=amount, by="machine", shipment_ref=ref)
        if expected == "ok":
            self.captured += amount
            if ref:
                self.paid_shipments[ref] = (amount, False)

    @rule(amount=amounts, portion=portions, ref=st.sampled_from(SHIPMENTS))
    def mark_paid(self, amount, portion, ref):
        amount = portion_of(amount, AUTHORIZED - self.captured, portion)
        expected = self.expect_capture(amount, ref, manual=True)
        self.call(
            expected, pay.record_manual_payment, amount=amount, by="machine", shipment_ref=ref
        )
        if expected == "ok":
            self.captured += amount
            if ref:
                self.paid_shipments[ref] = (amount, True)

    @precondition(lambda self: self.paid_shipments)
    @rule(data=st.data())
    def mark_unpaid(self, data):
        ref = data.draw(st.sampled_from(sorted(self.paid_shipments)))
        amount, manual = self.paid_shipments[ref]
        expected = "ok" if manual and not self.refunded else "refused"
        self.call(expected, pay.reverse_manual_payment, shipment_ref=ref, by="machine")
        if expected == "ok":
            self.captured -= amount
            del self.paid_shipments[ref]

    @rule(amount=amounts, portion=portions, decline=st.booleans())
    def refund(self, amount, portion, decline):
        self.provider_declines("refund", decline)
        amount = portion_of(amount, self.captured - self.refunded, portion)
        if amount > self.captured - self.refunded:
            expected = "refused"
        elif declines_in_test(self.payment(), "refund", amount):
            expected = "declined"
        else:
            expected = "ok"
        self.call(expected, pay.refund_payment, amount=amount, reason="Returned", by="machine")
        if expected == "ok":
            self.refunded += amount

    @precondition(lambda self: not self.voided)
    @rule(decline=st.booleans())
    def void(self, decline):
        self.provider_declines("void", decline)
        if self.voided or self.captured:
            expected = "refused"
        elif declines_in_test(self.payment(), "void", AUTHORIZED):
            expected = "declined"
        else:
            expected = "ok"
        self.call(expected, pay.void_payment, by="machine")
        self.voided = self.voided or expected == "ok"

    # Invariants, after every step

    @invariant()
    def amounts_within_bounds_and_as_modelled(self):
        payment = self.payment()
        assert ZERO <= payment.refunded_amount <= payment.captured_amount
        assert payment.captured_amount <= payment.authorized_amount == AUTHORIZED
        assert (payment.captured_amount, payment.refunded_amount) == (self.captured, self.refunded)
        assert (payment.status == "voided") == self.voided

    @invariant()
    def successful_ledger_rows_add_up_to_the_amounts(self):
        payment = self.payment()

        def total(kind):
            rows = payment.transactions.filter(kind=kind, outcome="success")
            return rows.aggregate(total=Sum("amount"))["total"] or ZERO

        assert total("authorize") == payment.authorized_amount
        assert total("capture") - total("reversal") == payment.captured_amount
        assert total("refund") == payment.refunded_amount

    @invariant()
    def one_event_per_successful_transition(self):
        assert OrderEvent.objects.filter(order_id=self.order_id).count() == self.events


@pytest.mark.django_db
def test_payment_ledger_state_machine():
    SEEN.clear()
    run_state_machine_as_test(
        PaymentLedgerMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert SEEN["capture_payment:ok"] and SEEN["refund_payment:ok"]
    assert sum(n for call, n in SEEN.items() if call.endswith(":declined"))
