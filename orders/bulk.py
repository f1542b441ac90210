"""Bulk paths for the maintenance commands: many orders per statement, same rules.

A bulk path is allowed where it applies exactly the guard of the transition it
stands for, and leaves exactly the rows and events the per-order service would
(tests/test_bulk.py proves both for each path). So nothing here restates a rule:

- The guard (source and target status) is read from the transition's
  `@transition` metadata and becomes the WHERE clause of the statements.
- What the transition writes is found by running the transition method on an
  unsaved probe order (transitions change state only, no I/O, so this is safe)
  and setting exactly the fields it changed.
- A condition becomes part of the WHERE clause when it says how
  (`refuses_with(..., where=Q(...))`, e.g. "not on hold"); a transition with
  any other condition makes the bulk path refuse to run rather than skip it. Permissions are checked
  once for the acting user; a command or system actor has full rights.

Every batch is one transaction that claims its rows with
SELECT … FOR UPDATE SKIP LOCKED, keyset-paginated by primary key, so two runs at
once never take the same order and never wait on each other, memory stays flat
whatever the count, and a failure loses at most the batch in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import ngettext

from core.actors import Actor, actor_name, actor_user
from core.errors import DomainError
from orders.bulk_guard import Guard, changes_of, check_permission, guard_of, require, timestamp_of
from orders.bulk_outbox import outbox_ctes
from orders.events import bulk_targets, publish_for_orders
from orders.models import DeletedOrder, Order, OrderEvent, OrderStatus
from orders.services import ARCHIVE_MESSAGE, CONFIRM_MESSAGE
from outbox.event_types import EventType

DEFAULT_BATCH_SIZE = 2000


@dataclass(frozen=True)
class Batch:
    """What one batch did: how many orders, and the last primary key it took."""

    count: int
    last_pk: int | None


@dataclass
class BatchProgress:
    batch: int
    count: int
    total: int
    last_pk: int


Progress = Callable[[BatchProgress], None]


def in_batches(
    queryset: models.QuerySet,
    guard: Guard,
    apply: Callable[[models.QuerySet], Batch],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Work through the queryset's rows that the guard allows, batch by batch.

    `apply(claim)` gets the next batch as a queryset (locked with FOR UPDATE
    SKIP LOCKED, limited, ordered by pk) and runs inside the batch's
    transaction. A dry run walks the same batches without locking or writing.
    Returns how many orders were done.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    # A DISTINCT query cannot be locked (and keyset paging needs plain rows).
    require(not queryset.query.distinct, "bulk paths need a queryset without distinct()")
    # The conditions are checked here, on the locked rows: the UPDATE below
    # re-checks the status, and a row locked FOR UPDATE cannot change meanwhile.
    eligible = queryset.filter(guard.where, status=guard.source).order_by("pk")
    total, batch, last_pk = 0, 0, 0
    while limit is None or total < limit:
        size = batch_size if limit is None else min(batch_size, limit - total)
        with transaction.atomic():
            claim = eligible.filter(pk__gt=last_pk)
            if dry_run:
                done = batch_of(claimed_ids(claim[:size]))
            else:
                done = apply(claim.select_for_update(skip_locked=True, of=("self",))[:size])
        if not done.count:
            break
        batch, total, last_pk = batch + 1, total + done.count, done.last_pk
        if progress:
            progress(BatchProgress(batch=batch, count=done.count, total=total, last_pk=last_pk))
    return total


def claimed_ids(claim: models.QuerySet) -> list[int]:
    return list(claim.values_list("pk", flat=True))


def batch_of(ids: list[int]) -> Batch:
    return Batch(count=len(ids), last_pk=ids[-1] if ids else None)


def event_values(
    guard: Guard, changes: dict[str, Any], *, by: Actor, message: str, data: dict | None = None
) -> dict[str, Any]:
    """The fields of the event `orders.events.record_event` writes for this transition."""
    return {
        "created_at": timestamp_of(changes),
        "user_id": getattr(actor_user(by), "pk", None),
        "actor": actor_name(by),
        "subject": OrderEvent.Subject.ORDER,
        "subject_ref": "",
        "transition": guard.name,
        "from_state": str(guard.source),
        "to_state": str(guard.target),
        "message": str(message),  # a lazy translation, read once for every event
        "data": data or {},
    }


def transition_batch(
    claim: models.QuerySet,
    guard: Guard,
    *,
    by: Actor,
    message: str,
    publishes: str | None,
    data: dict | None = None,
) -> Batch:
    """Apply the transition to the claimed rows and write one event each.

    The guard is the WHERE clause of the UPDATE; if any claimed row no longer
    satisfies it, the batch raises and its transaction rolls back.
    """
    changes = changes_of(guard)
    event = event_values(guard, changes, by=by, message=message, data=data)
    if connection.vendor == "postgresql":
        return _transition_in_one_statement(claim, guard, changes, event, publishes)
    ids = claimed_ids(claim)
    if ids:
        updated = Order.objects.filter(guard.where, pk__in=ids, status=guard.source).update(
            **changes
        )
        _check_counts(len(ids), updated)
        insert_events(ids, event)
        if bulk_targets(publishes):
            inserted = OrderEvent.objects.filter(
                order_id__in=ids, transition=guard.name, created_at=event["created_at"]
            ).values_list("pk", "order_id", "order__number")
            publish_for_orders(publishes, inserted, occurred_at=event["created_at"])
    return batch_of(ids)


def _transition_in_one_statement(
    claim: models.QuerySet,
    guard: Guard,
    changes: dict[str, Any],
    event: dict[str, Any],
    publishes: str | None,
) -> Batch:
    """PostgreSQL: claim, UPDATE and INSERT the events in one statement, one round trip.

    The same three steps as the portable path, chained with data-modifying CTEs,
    so no order id travels to Python and back; about twice as fast (bench/).
    When integrations subscribe to the event, a fourth CTE writes their outbox
    messages in the same statement.
    """
    quote = connection.ops.quote_name
    orders, pk = quote(Order._meta.db_table), quote(Order._meta.pk.column)
    number = quote(Order._meta.get_field("number").column)
    outbox_sql, outbox_params = outbox_ctes(publishes, event["created_at"])
    try:
        claim_sql, claim_params = (
            claim.values("pk").query.get_compiler(connection=connection).as_sql()
        )
    except EmptyResultSet:  # e.g. pk__in=[]: Django knows no row can match
        return Batch(count=0, last_pk=None)
    assignments = [(Order._meta.get_field(name), value) for name, value in changes.items()]
    set_sql = ", ".join(f"{quote(field.column)} = %s" for field, _ in assignments)
    status = Order._meta.get_field("status")
    columns, placeholders, event_params = _event_columns(event)
    sql = (
        f"WITH claimed ({pk}) AS ({claim_sql}), "
        f"changed AS (UPDATE {orders} SET {set_sql} FROM claimed "
        f"WHERE {orders}.{pk} = claimed.{pk} AND {orders}.{quote(status.column)} = %s "
        f"RETURNING {orders}.{pk}, {orders}.{number}), "
        f"events AS (INSERT INTO {quote(OrderEvent._meta.db_table)} ({columns}) "
        f"SELECT {pk}, {placeholders} FROM changed RETURNING id, order_id){outbox_sql} "
        f"SELECT (SELECT count(*) FROM claimed), (SELECT max({pk}) FROM claimed), "
        f"(SELECT count(*) FROM changed), (SELECT count(*) FROM events)"
    )
    params = [
        *claim_params,
        *(field.get_db_prep_save(value, connection) for field, value in assignments),
        status.get_db_prep_save(guard.source, connection),
        *event_params,
        *outbox_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed, last_pk, updated, events = cursor.fetchone()
    _check_counts(claimed, updated)
    _check_counts(claimed, events)
    return Batch(count=claimed, last_pk=last_pk)


def _check_counts(claimed: int, done: int) -> None:
    if done != claimed:
        raise DomainError(
            ngettext(
                "%(changed)s of %(count)s orders changed while the batch ran; "
                "the batch was rolled back.",
                "%(changed)s of %(count)s orders changed while the batch ran; "
                "the batch was rolled back.",
                claimed,
            )
            % {"changed": claimed - done, "count": claimed}
        )


def _event_columns(event: dict[str, Any]) -> tuple[str, str, list[Any]]:
    """(columns, placeholders, params) of an event INSERT whose first column is the order.

    Values are adapted once by the model fields themselves, so they are stored
    exactly as the ORM would store them.
    """
    quote = connection.ops.quote_name
    fields = {name: OrderEvent._meta.get_field(name) for name in event}  # names or attnames
    order = OrderEvent._meta.get_field("order")
    columns = ", ".join(quote(f.column) for f in [order, *fields.values()])
    params = [f.get_db_prep_save(event[name], connection) for name, f in fields.items()]
    return columns, ", ".join(["%s"] * len(params)), params


def insert_events(ids: list[int], event: dict[str, Any]) -> None:
    """One event per order in `ids`, all with the same fields, in one INSERT … SELECT.

    `bulk_create` would build and adapt every field of every event in Python,
    which costs more than the database's own work (measured with bench/).
    """
    quote = connection.ops.quote_name
    columns, placeholders, params = _event_columns(event)
    orders, pk = quote(Order._meta.db_table), quote(Order._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(OrderEvent._meta.db_table)} ({columns}) "
            f"SELECT {pk}, {placeholders} FROM {orders} "
            f"WHERE {pk} IN ({', '.join(['%s'] * len(ids))})",
            [*params, *ids],
        )
        _check_counts(len(ids), cursor.rowcount)


def transition_orders(
    method,
    *,
    queryset: models.QuerySet,
    by: Actor,
    message: str,
    publishes: str | None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Take the transition `method` (e.g. `Order.archive`) on the queryset's orders
    that its guard allows, writing the event its per-order service writes."""
    guard = guard_of(method)
    check_permission(guard, by=by)
    return in_batches(
        queryset,
        guard,
        lambda claim: transition_batch(claim, guard, by=by, message=message, publishes=publishes),
        batch_size=batch_size,
        limit=limit,
        dry_run=dry_run,
        progress=progress,
    )


def archive_orders(*, queryset: models.QuerySet, by: Actor, **batching) -> int:
    """Archive the queryset's archivable orders; the bulk twin of `services.archive_order`."""
    return transition_orders(
        Order.archive,
        queryset=queryset,
        by=by,
        message=ARCHIVE_MESSAGE,
        publishes=EventType.ORDER_ARCHIVED,
        **batching,
    )


def confirm_orders(*, ids: list[int], by: Actor) -> set[int]:
    """Confirm these orders, the pending ones not on hold; the bulk twin of
    `services.confirm_order`, for a large selection in the admin. Returns the
    ids now confirmed (an order another user holds locked is left out)."""
    selected = Order.objects.filter(pk__in=ids)
    transition_orders(
        Order.confirm,
        queryset=selected,
        by=by,
        message=CONFIRM_MESSAGE,
        publishes=EventType.ORDER_CONFIRMED,
    )
    return set(selected.filter(status=OrderStatus.CONFIRMED).values_list("pk", flat=True))


def delete_orders(
    *,
    queryset: models.QuerySet,
    method,
    by: Actor,
    reason: str,
    publishes: str | None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Delete orders that `method` (a deleting transition such as `Order.delete_permanently`)
    allows, leaving one tombstone each: the bulk twin of the per-order deleting services.
    """
    guard = guard_of(method)
    check_permission(guard, by=by)
    return in_batches(
        queryset,
        guard,
        lambda claim: _delete_batch(claim, guard, by=by, reason=reason, publishes=publishes),
        batch_size=batch_size,
        limit=limit,
        dry_run=dry_run,
        progress=progress,
    )


def delete_orders_permanently(
    *, queryset: models.QuerySet, by: Actor, reason: str, **batching
) -> int:
    """Delete the queryset's cancelled orders; the bulk twin of
    `services.delete_order_permanently`, announced as `order.deleted`."""
    return delete_orders(
        queryset=queryset,
        method=Order.delete_permanently,
        by=by,
        reason=reason,
        publishes=EventType.ORDER_DELETED,
        **batching,
    )


def discard_selections(*, queryset: models.QuerySet, by: Actor, reason: str, **batching) -> int:
    """Delete the queryset's selections; the bulk twin of `services.discard_selection`,
    which integrations never hear of (a selection was never an order to them)."""
    return delete_orders(
        queryset=queryset, method=Order.discard, by=by, reason=reason, publishes=None, **batching
    )


def _delete_batch(
    claim: models.QuerySet, guard: Guard, *, by: Actor, reason: str, publishes: str | None
) -> Batch:
    ids = claimed_ids(claim)
    if not ids:
        return batch_of(ids)
    rows = Order.objects.filter(pk__in=ids, status=guard.source)
    numbers = dict(rows.values_list("pk", "number"))
    _check_counts(len(ids), len(numbers))
    user, actor = actor_user(by), actor_name(by)
    publish_for_orders(
        publishes, [(None, pk, numbers[pk]) for pk in ids], occurred_at=timezone.now()
    )
    DeletedOrder.objects.bulk_create(
        DeletedOrder(
            order_number=numbers[pk], order_id=pk, user=user, actor=actor, reason=reason.strip()
        )
        for pk in ids
    )
    rows.delete()
    return batch_of(ids)
