"""The payment machine with a provider that settles later, as a hypothesis state machine.

Captures and refunds, each taken at once or as a request (the test gateway's
asynchronous mode switched on and off between steps), and the provider's
notifications: late (any number of steps after the request), out of order (any
open request, not the oldest), twice (the same body again, or a late one saying
the opposite), never (requests left open), and bad ones (forged, other money, an
unknown reference). After every step:

- captured ≤ authorized − released − requested; refunded ≤ captured − requested;
- only settled rows count: captured is the successful capture rows (less
  reversals), refunded the successful refund rows; what is requested is the
  open requests, and a pending row never moves captured or refunded;
- the status is the one the settled amounts stand for;
- a duplicate, late or bad notification changed nothing but its own record.

The test runs inside one pytest-django transaction; every example makes its own order.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
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
from orders.models import OrderStatus
from payments import services as pay
from payments.models import Payment, PaymentTransaction, ProviderNotification, status_for
from tests.factories import FACTORY, LineDataFactory, OrderFactory
from tests.helpers import payment_snapshot
from tests.settle_support import deliver, resigned, settlement_body

ZERO = Decimal("0.00")
SEEN: Counter = Counter()
# Whole units only: the test gateway declines amounts ending in .13.
amounts = st.integers(min_value=1, max_value=40).map(lambda units: Decimal(units))
shipments = st.sampled_from(["", "", "S-1", "S-2", "S-3"])
# Mostly settling later: that is what this machine is about.
modes = st.sampled_from([True, True, False])


def total(rows) -> Decimal:
    return sum(rows.values_list("amount", flat=True), ZERO)


class SettleLaterMachine(RuleBasedStateMachine):
    @initialize(later=modes)
    def place_order(self, later):
        order = OrderFactory(
            status=OrderStatus.CONFIRMED,
            lines=[LineDataFactory(quantity=1, unit_price=Decimal("200.00"))],
            shipping_price=ZERO,
        )
        self.order_id = order.pk
        self.delivered: list[tuple[int, bytes, bool]] = []  # (request, body, succeeded)
        self.switch(later)

    def payment(self) -> Payment:
        return Payment.objects.get(order_id=self.order_id)

    def rows(self):
        return PaymentTransaction.objects.filter(payment__order_id=self.order_id)

    def open_requests(self) -> list[PaymentTransaction]:
        return list(self.rows().open_requests().select_related("payment").order_by("pk"))

    # Staff (and the gateway's mode) ---------------------------------------------

    @rule(later=modes)
    def switch(self, later):
        # A test-gateway setting, not a state.
        Payment.objects.filter(order_id=self.order_id).update(test_settles_later=later)

    @precondition(lambda self: self.payment().open_amount)
    @rule(amount=amounts, ref=shipments)
    def capture(self, amount, ref):
        self.take(
            "capture",
            lambda: pay.capture_payment(
                order_id=self.order_id, amount=amount, by=FACTORY, shipment_ref=ref
            ),
        )

    @precondition(lambda self: self.payment().refundable_amount)
    @rule(amount=amounts)
    def refund(self, amount):
        self.take(
            "refund",
            lambda: pay.refund_payment(
                order_id=self.order_id, amount=amount, reason="Goodwill", by=FACTORY
            ),
        )

    def take(self, name: str, step) -> None:
        before = payment_snapshot(self.order_id)
        rows = self.rows().count()
        try:
            row = step()
        except DomainError:
            SEEN[f"{name}:refused"] += 1
            assert payment_snapshot(self.order_id) == before
            assert self.rows().count() == rows
            return
        SEEN[f"{name}:{row.outcome}"] += 1

    # The provider ------------------------------------------------------------------

    @precondition(lambda self: self.open_requests())
    @rule(data=st.data(), succeeded=st.booleans())
    def provider_settles(self, data, succeeded):
        """Any open request, not only the oldest: notifications come out of order."""
        request = data.draw(st.sampled_from(self.open_requests()))
        body = settlement_body(request, succeeded=succeeded)
        answer = deliver(body)
        assert (answer.status, answer.message) == (200, "OK")
        settlement = PaymentTransaction.objects.get(settles=request)
        assert settlement.succeeded is succeeded and settlement.amount == request.amount
        self.delivered.append((request.pk, body, succeeded))
        SEEN[f"settle {request.kind}:{'success' if succeeded else 'failed'}"] += 1

    @precondition(lambda self: self.delivered)
    @rule(data=st.data(), opposite=st.booleans())
    def provider_repeats(self, data, opposite):
        """The same notification again, or a late one saying the opposite: nothing changes."""
        request_id, body, succeeded = data.draw(st.sampled_from(self.delivered))
        if opposite:
            request = PaymentTransaction.objects.select_related("payment").get(pk=request_id)
            body = settlement_body(request, succeeded=not succeeded)
        before = payment_snapshot(self.order_id)
        answer = deliver(body)
        assert (answer.status, answer.message) == (200, "Already settled.")
        assert payment_snapshot(self.order_id) == before
        assert ProviderNotification.objects.latest("pk").status == "duplicate"
        SEEN["repeat"] += 1

    @precondition(lambda self: self.open_requests())
    @rule(data=st.data(), bad=st.sampled_from(["forged", "other money", "unknown"]))
    def provider_sends_rubbish(self, data, bad):
        request = data.draw(st.sampled_from(self.open_requests()))
        changes = {
            "forged": {"signature": "AAAA"},
            "other money": {"currency": "SEK"},
            "unknown": {"transactionReference": "test_capture_nobody"},
        }[bad]
        before = payment_snapshot(self.order_id)
        body = (
            settlement_body(request, **changes) if bad == "forged" else resigned(request, **changes)
        )
        answer = deliver(body)
        assert answer.status in (400, 403, 404)
        assert payment_snapshot(self.order_id) == before
        assert request.pk in [r.pk for r in self.open_requests()]
        SEEN[f"rubbish:{bad}"] += 1

    # After every step ----------------------------------------------------------------

    @invariant()
    def only_settled_rows_count(self):
        payment = self.payment()
        rows = self.rows()
        success = rows.filter(outcome="success")
        captured = total(success.filter(kind="capture")) - total(success.filter(kind="reversal"))
        assert payment.captured_amount == captured
        assert payment.refunded_amount == total(success.filter(kind="refund"))
        assert payment.released_amount == total(success.filter(kind="void"))
        assert payment.authorized_amount == total(success.filter(kind="authorize"))
        requests = rows.open_requests()
        assert payment.capture_requested_amount == total(requests.filter(kind="capture"))
        assert payment.refund_requested_amount == total(requests.filter(kind="refund"))

    @invariant()
    def money_stays_within_bounds(self):
        p = self.payment()
        assert p.captured_amount + p.capture_requested_amount <= (
            p.authorized_amount - p.released_amount
        )
        assert p.refunded_amount + p.refund_requested_amount <= p.captured_amount
        assert p.status == status_for(
            authorized=p.authorized_amount,
            captured=p.captured_amount,
            refunded=p.refunded_amount,
            released=p.released_amount,
        )


@pytest.mark.django_db
def test_settling_later_state_machine():
    SEEN.clear()
    run_state_machine_as_test(
        SettleLaterMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    print("steps taken:", dict(SEEN))
    for seen in (
        "capture:pending",
        "capture:success",
        "refund:pending",
        "settle capture:success",
        "settle capture:failed",
        "repeat",
        "rubbish:forged",
        "rubbish:unknown",
    ):
        assert SEEN[seen], f"never: {seen}"
    assert SEEN["settle refund:success"] + SEEN["settle refund:failed"], "no refund settled"
