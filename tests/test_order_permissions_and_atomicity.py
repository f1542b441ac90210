"""Each action needs its permission, writes one event, and is all-or-nothing."""

import pytest

from backoffice.services import cancel, checkout
from core.errors import DomainError
from orders import services
from orders.models import DeletedOrder, Order, OrderEvent
from tests.factories import OrderFactory, UserFactory
from tests.helpers import snapshot
from tests.test_order_transitions import ACTIONS, ALLOWED, DELETED, PERMISSIONS


def start_state(action):
    (status, held), _ = next(iter(ALLOWED[action].items()))
    return status, held


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
def test_staff_without_the_permission_is_refused(action):
    status, held = start_state(action)
    order = OrderFactory(status=status, on_hold=held)
    others = [perm for name, perm in PERMISSIONS.items() if name != action]
    clerk = UserFactory(perms=others)
    before = snapshot(order)

    with pytest.raises(DomainError, match="You do not have permission to"):
        ACTIONS[action](order, clerk)
    assert snapshot(order) == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
def test_staff_with_only_that_permission_succeeds(action):
    status, held = start_state(action)
    order = OrderFactory(status=status, on_hold=held)
    clerk = UserFactory(perms=[PERMISSIONS[action]])
    # Payment events (authorize at checkout, void on cancel) come on top.
    events_before = OrderEvent.objects.filter(order=order, subject="order").count()

    ACTIONS[action](order, clerk)

    if ALLOWED[action][(status, held)] == DELETED:
        assert DeletedOrder.objects.get(order_id=order.pk).user == clerk
    else:
        events = OrderEvent.objects.filter(order=order, subject="order")
        assert events.count() == events_before + 1
        assert events.last().user == clerk


@pytest.mark.django_db
def test_inactive_staff_is_refused_even_with_the_permission():
    order = OrderFactory(status=1)
    clerk = UserFactory(perms=["orders.confirm_order"], is_active=False)
    with pytest.raises(DomainError, match="permission"):
        services.confirm_order(order_id=order.pk, by=clerk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("action", [a for a in ACTIONS if a != "delete_permanently"])
def test_failure_after_the_transition_rolls_everything_back(action, monkeypatch):
    status, held = start_state(action)
    order = OrderFactory(status=status, on_hold=held)
    before = snapshot(order)

    def broken_event_write(**kwargs):
        raise RuntimeError("event store unavailable")

    for module in (services, checkout, cancel):
        monkeypatch.setattr(module, "record_event", broken_event_write)
    with pytest.raises(RuntimeError):
        ACTIONS[action](order, "system")
    assert snapshot(order) == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failed_permanent_delete_keeps_the_order_and_writes_no_tombstone(monkeypatch):
    order = OrderFactory(status=6)
    before = snapshot(order)

    def broken_delete(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Order, "delete", broken_delete)
    with pytest.raises(RuntimeError):
        ACTIONS["delete_permanently"](order, "system")
    assert snapshot(order) == before
    assert not DeletedOrder.objects.exists()
