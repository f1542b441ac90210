"""Conflicting actions raced from two connections end in a state a serial order allows."""

from functools import partial

import pytest

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import Order, OrderEvent, OrderStatus
from tests.factories import OrderFactory
from tests.helpers import race

S = OrderStatus
ROUNDS = 50

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def replay(order_id: int) -> tuple[int, bool]:
    """The (status, on_hold) the event log arrives at, checking each step follows on."""
    status, held = None, False
    events = OrderEvent.objects.filter(order_id=order_id, subject=OrderEvent.Subject.ORDER)
    for event in events.order_by("id"):
        if status is not None:
            assert event.from_state == str(status), f"gap before {event}"
        status = int(event.to_state)
        held = event.data.get("on_hold", held)
    return status, held


def run_rounds(start_status, first, second, allowed_finals):
    finals = set()
    for _ in range(ROUNDS):
        order = OrderFactory(status=start_status)
        results = race(partial(first, order.pk), partial(second, order.pk))
        for result in results:
            assert isinstance(result, Order | DomainError), result
        final = Order.objects.get(pk=order.pk)
        state = (final.status, final.on_hold)
        assert state in allowed_finals
        assert replay(order.pk) == state
        finals.add(state)
    return finals


def test_confirm_races_cancel():
    finals = run_rounds(
        S.PENDING,
        lambda pk: services.confirm_order(order_id=pk, by="racer-1"),
        lambda pk: backoffice.cancel_order(order_id=pk, by="racer-2", reason="race"),
        # confirm→cancel and cancel→(confirm refused) both end cancelled.
        allowed_finals={(S.CANCELLED, False)},
    )
    assert finals == {(S.CANCELLED, False)}


def test_hold_races_confirm():
    run_rounds(
        S.PENDING,
        lambda pk: services.hold_order(order_id=pk, by="racer-1", kind="manual", reason="race"),
        lambda pk: services.confirm_order(order_id=pk, by="racer-2"),
        # hold→(confirm refused) stays pending on hold; confirm→hold is confirmed on hold.
        allowed_finals={(S.PENDING, True), (S.CONFIRMED, True)},
    )
