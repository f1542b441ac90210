"""The bulk paths (orders/bulk.py) leave exactly what the per-order services leave."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q

from core.errors import DomainError
from orders import bulk, services
from orders.models import DeletedOrder, Order, OrderEvent, OrderLine, OrderStatus
from tests.factories import OrderFactory, UserFactory
from tests.helpers import snapshot

S = OrderStatus
ACTOR = "command:test"
EVENT_FIELDS = [
    "user",
    "actor",
    "subject",
    "subject_ref",
    "transition",
    "from_state",
    "to_state",
    "message",
    "data",
]


def row(order_id: int) -> dict:
    """Every stored field of the order, timestamps reduced to whether they are set."""
    order = Order.objects.get(pk=order_id)
    fields = {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields}
    return {
        name: (value is not None) if isinstance(value, datetime) else value
        for name, value in fields.items()
    }


def changes(before: dict, after: dict) -> dict:
    return {name: after[name] for name in after if after[name] != before[name]}


def events(order_id: int, *, after_id: int = 0) -> list[dict]:
    rows = OrderEvent.objects.filter(order_id=order_id, id__gt=after_id).order_by("id")
    return list(rows.values(*EVENT_FIELDS))


@pytest.mark.django_db
def test_bulk_archive_matches_the_archive_service():
    by_service = [OrderFactory(status=S.COMPLETED) for _ in range(4)]
    by_bulk = [OrderFactory(status=S.COMPLETED) for _ in range(4)]
    before = {o.pk: row(o.pk) for o in by_service + by_bulk}
    updated_before = {o.pk: Order.objects.get(pk=o.pk).updated_at for o in by_bulk}
    last_event = OrderEvent.objects.latest("id").pk

    for order in by_service:
        services.archive_order(order_id=order.pk, by=ACTOR)
    archived = bulk.archive_orders(
        queryset=Order.objects.filter(pk__in=[o.pk for o in by_bulk]), by=ACTOR, batch_size=3
    )

    assert archived == 4
    service_changes = [changes(before[o.pk], row(o.pk)) for o in by_service]
    bulk_changes = [changes(before[o.pk], row(o.pk)) for o in by_bulk]
    assert bulk_changes == service_changes
    assert service_changes[0] == {"status": S.ARCHIVED, "archived_at": True}
    new_bulk_events = [events(o.pk, after_id=last_event) for o in by_bulk]
    assert new_bulk_events == [events(o.pk, after_id=last_event) for o in by_service]
    assert [e["transition"] for e in new_bulk_events[0]] == ["archive"]
    for order in by_bulk:  # timestamps move as save() would move them
        fresh = Order.objects.get(pk=order.pk)
        assert fresh.updated_at > updated_before[order.pk]
        assert fresh.archived_at == fresh.updated_at
        assert fresh.events.last().created_at == fresh.archived_at


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "bulk_twin", "service"),
    [
        (S.CANCELLED, bulk.delete_orders_permanently, services.delete_order_permanently),
        (S.INCOMPLETE, bulk.discard_selections, services.discard_selection),
    ],
)
def test_bulk_delete_matches_the_deleting_service(status, bulk_twin, service):
    by_service = [OrderFactory(status=status) for _ in range(3)]
    by_bulk = [OrderFactory(status=status) for _ in range(3)]

    for order in by_service:
        service(order_id=order.pk, by=ACTOR, reason=" Old. ")
    deleted = bulk_twin(
        queryset=Order.objects.filter(pk__in=[o.pk for o in by_bulk]),
        by=ACTOR,
        reason=" Old. ",
        batch_size=2,
    )

    assert deleted == 3
    ids = [o.pk for o in by_service + by_bulk]
    assert not Order.objects.filter(pk__in=ids).exists()
    assert not OrderLine.objects.filter(order_id__in=ids).exists()
    assert not OrderEvent.objects.filter(order_id__in=ids).exists()

    def tombstones(orders):
        return [
            DeletedOrder.objects.values("order_number", "user", "actor", "reason").get(
                order_id=o.pk
            )
            for o in orders
        ]

    assert [{**t, "order_number": None} for t in tombstones(by_bulk)] == [
        {**t, "order_number": None} for t in tombstones(by_service)
    ]
    assert [t["order_number"] for t in tombstones(by_bulk)] == [o.number for o in by_bulk]
    assert tombstones(by_bulk)[0]["reason"] == "Old."


def test_guard_is_read_from_the_transition():
    assert bulk.guard_of(Order.archive) == bulk.Guard(
        name="archive", source=S.COMPLETED, target=S.ARCHIVED, permission="orders.archive_order"
    )
    assert bulk.guard_of(Order.delete_permanently).source == S.CANCELLED
    assert bulk.guard_of(Order.discard).permission == "orders.delete_order"


@pytest.mark.parametrize("method", [Order.checkout, Order.hold, Order.complete])
def test_bulk_refuses_transitions_a_where_clause_cannot_express(method):
    # checkout has a run-time target, hold several sources, complete a condition
    # (fully shipped) with no WHERE clause of its own.
    with pytest.raises(ImproperlyConfigured, match="bulk"):
        bulk.guard_of(method)


@pytest.mark.django_db
def test_bulk_archive_checks_a_users_permission():
    order = OrderFactory(status=S.COMPLETED)
    before = snapshot(order)
    clerk = UserFactory(perms=["orders.confirm_order"])
    queryset = Order.objects.filter(pk=order.pk)

    with pytest.raises(DomainError, match=r"You do not have permission to archive orders\."):
        bulk.archive_orders(queryset=queryset, by=clerk)
    assert snapshot(order) == before

    archivist = UserFactory(perms=["orders.archive_order"])
    assert bulk.archive_orders(queryset=queryset, by=archivist) == 1
    assert events(order.pk)[-1]["user"] == archivist.pk


@pytest.mark.django_db
def test_a_batch_with_a_row_outside_the_guard_rolls_back_whole():
    completed = OrderFactory(status=S.COMPLETED)
    confirmed = OrderFactory(status=S.CONFIRMED)
    before = [snapshot(completed), snapshot(confirmed)]
    # As if the confirmed order had been claimed, then changed, before the UPDATE.
    claim = Order.objects.filter(pk__in=[completed.pk, confirmed.pk]).order_by("pk")

    with (
        pytest.raises(DomainError, match="1 of 2 orders changed while the batch ran"),
        transaction.atomic(),
    ):
        bulk.transition_batch(
            claim.select_for_update(),
            bulk.guard_of(Order.archive),
            by=ACTOR,
            message="x",
            publishes=None,
        )
    assert [snapshot(completed), snapshot(confirmed)] == before


@pytest.mark.django_db
def test_bulk_archive_of_an_empty_selection_does_nothing():
    OrderFactory(status=S.COMPLETED)

    assert bulk.archive_orders(queryset=Order.objects.filter(pk__in=[]), by=ACTOR) == 0
    assert not OrderEvent.objects.filter(transition="archive").exists()


def test_a_condition_that_says_its_where_clause_becomes_part_of_the_guard():
    guard = bulk.guard_of(Order.confirm)
    assert (guard.source, guard.target) == (S.PENDING, S.CONFIRMED)
    assert guard.where == Q(on_hold=False)


@pytest.mark.django_db
def test_bulk_confirm_matches_the_confirm_service_and_leaves_held_orders():
    by_service = [OrderFactory(status=S.PENDING) for _ in range(3)]
    by_bulk = [OrderFactory(status=S.PENDING) for _ in range(3)]
    held = OrderFactory(status=S.PENDING, on_hold=True)
    before = {o.pk: row(o.pk) for o in [*by_service, *by_bulk]}
    held_before = snapshot(held)
    last_event = OrderEvent.objects.latest("id").pk

    for order in by_service:
        services.confirm_order(order_id=order.pk, by=ACTOR)
    done = bulk.confirm_orders(ids=[o.pk for o in [*by_bulk, held]], by=ACTOR)

    assert done == {o.pk for o in by_bulk}
    service_changes = [changes(before[o.pk], row(o.pk)) for o in by_service]
    assert [changes(before[o.pk], row(o.pk)) for o in by_bulk] == service_changes
    assert service_changes[0] == {"status": S.CONFIRMED, "confirmed_at": True}
    bulk_events = [events(o.pk, after_id=last_event) for o in by_bulk]
    assert bulk_events == [events(o.pk, after_id=last_event) for o in by_service]
    assert snapshot(held) == held_before


@pytest.mark.django_db
def test_bulk_confirm_checks_a_users_permission():
    clerk = UserFactory(perms=[])
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    with pytest.raises(DomainError):
        bulk.confirm_orders(ids=[order.pk], by=clerk)
    assert snapshot(order) == before
