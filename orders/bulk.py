"""Bulk paths for the maintenance commands: many orders per statement, same rules.

A bulk path is allowed where it applies exactly the guard of the transition it
stands for, and leaves exactly the rows and events the per-order service would
(tests/test_bulk.py proves both for each path). So nothing here restates a rule:

- The guard (source and target status) is read from the transition's
  `@transition` metadata and becomes the WHERE clause of the statements.
- What the transition writes is found by running the transition method on an
  unsaved probe order (transitions change state only, no I/O, so this is safe)
  and setting exactly the fields it changed.
- Conditions cannot become a WHERE clause, so a transition that has any makes
  the bulk path refuse to run rather than skip them. Permissions are checked
  once for the acting user; a command or system actor has full rights.

Every batch is one transaction that claims its rows with
SELECT … FOR UPDATE SKIP LOCKED, keyset-paginated by primary key, so two runs at
once never take the same order and never wait on each other, memory stays flat
whatever the count, and a failure loses at most the batch in flight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django_fsm import RETURN_VALUE, Transition

from orders.errors import DomainError
from orders.events import actor_name, actor_user
from orders.fsm import Actor
from orders.models import DeletedOrder, Order, OrderEvent

DEFAULT_BATCH_SIZE = 2000


@dataclass(frozen=True)
class Guard:
    """A transition's rules as data: where it may start and where it ends."""

    name: str
    source: Any
    target: Any
    permission: str | None


def guard_of(method) -> Guard:
    """The guard of a model transition such as `Order.archive`, for a bulk path.

    Refuses (AssertionError) what a WHERE clause cannot express exactly: conditions,
    several sources, wildcard sources, targets computed at run time, and callable
    permissions.
    """
    transitions: list[Transition] = list(method._django_fsm.transitions.values())
    name = method.__name__
    assert len(transitions) == 1, f"bulk {name}: needs exactly one source status"
    only = transitions[0]
    assert not only.conditions, (
        f"bulk {name}: the transition has conditions, which a WHERE clause cannot "
        "apply; use the per-order service instead"
    )
    assert only.source not in ("*", "+"), f"bulk {name}: wildcard sources are not supported"
    assert not isinstance(only.target, RETURN_VALUE), f"bulk {name}: target chosen at run time"
    assert not callable(only.permission), f"bulk {name}: callable permissions need an instance"
    return Guard(name=name, source=only.source, target=only.target, permission=only.permission)


def check_permission(guard: Guard, *, by: Actor) -> None:
    if isinstance(by, str) or not guard.permission or by.has_perm(guard.permission):
        return
    raise DomainError(f"You do not have permission to {guard.name.replace('_', ' ')} orders.")


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
    apply: Callable[[list[int]], None],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Claim the queryset's rows that the guard allows, batch by batch; returns the count.

    `apply(ids)` runs inside the batch's transaction with the rows locked. A dry
    run walks the same batches without locking or writing.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    # A DISTINCT query cannot be locked (and keyset paging needs plain rows).
    assert not queryset.query.distinct, "bulk paths need a queryset without distinct()"
    eligible = queryset.filter(status=guard.source).order_by("pk")
    total, batch, last_pk = 0, 0, 0
    while limit is None or total < limit:
        size = batch_size if limit is None else min(batch_size, limit - total)
        with transaction.atomic():
            rows = eligible.filter(pk__gt=last_pk)
            if not dry_run:
                rows = rows.select_for_update(skip_locked=True)
            ids = list(rows.values_list("pk", flat=True)[:size])
            if not ids:
                break
            if not dry_run:
                apply(ids)
        batch, total, last_pk = batch + 1, total + len(ids), ids[-1]
        if progress:
            progress(BatchProgress(batch=batch, count=len(ids), total=total, last_pk=last_pk))
    return total


def changes_of(guard: Guard, model: type[models.Model] = Order) -> dict[str, Any]:
    """The fields the transition sets, found by running it on an unsaved probe.

    Valid for transitions whose changes do not depend on the row's own data,
    which is what `guard_of` lets through (no arguments, no conditions).
    """
    probe = model(status=guard.source)
    fields = [f.attname for f in model._meta.concrete_fields]
    before = {name: getattr(probe, name) for name in fields}
    getattr(probe, guard.name)()
    changed = {
        name: getattr(probe, name) for name in fields if getattr(probe, name) != before[name]
    }
    assert changed.get("status") == guard.target, f"bulk {guard.name}: probe missed the target"
    now = _timestamp_of(changed)
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):  # .update() skips auto_now; save() would not
            changed[field.attname] = now
    return changed


def _timestamp_of(changed: dict[str, Any]) -> datetime:
    # Reuse the transition's own timestamp, so archived_at and updated_at agree.
    stamps = [v for v in changed.values() if isinstance(v, datetime)]
    return stamps[0] if stamps else timezone.now()


def transition_rows(
    ids: list[int], guard: Guard, *, by: Actor, message: str, data: dict | None = None
) -> None:
    """One UPDATE with the guard as WHERE clause and one INSERT of the events.

    Must run inside the batch transaction that locked `ids`; raises (rolling the
    batch back) if any row no longer satisfies the guard.
    """
    changes = changes_of(guard)
    updated = Order.objects.filter(pk__in=ids, status=guard.source).update(**changes)
    if updated != len(ids):
        raise DomainError(
            f"{len(ids) - updated} of {len(ids)} orders changed while the batch ran; "
            "the batch was rolled back."
        )
    user, actor = actor_user(by), actor_name(by)
    created_at = _timestamp_of(changes)
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order_id=pk,
            created_at=created_at,
            user=user,
            actor=actor,
            subject=OrderEvent.Subject.ORDER,
            transition=guard.name,
            from_state=str(guard.source),
            to_state=str(guard.target),
            message=message,
            data=data or {},
        )
        for pk in ids
    )


def archive_orders(
    *,
    queryset: models.QuerySet,
    by: Actor,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Archive the queryset's archivable orders; the bulk twin of `services.archive_order`."""
    from orders.services import ARCHIVE_MESSAGE

    guard = guard_of(Order.archive)
    check_permission(guard, by=by)
    return in_batches(
        queryset,
        guard,
        lambda ids: transition_rows(ids, guard, by=by, message=ARCHIVE_MESSAGE),
        batch_size=batch_size,
        limit=limit,
        dry_run=dry_run,
        progress=progress,
    )


def delete_orders(
    *,
    queryset: models.QuerySet,
    method,
    by: Actor,
    reason: str,
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
        lambda ids: _delete_rows(ids, guard, by=by, reason=reason),
        batch_size=batch_size,
        limit=limit,
        dry_run=dry_run,
        progress=progress,
    )


def _delete_rows(ids: list[int], guard: Guard, *, by: Actor, reason: str) -> None:
    rows = Order.objects.filter(pk__in=ids, status=guard.source)
    numbers = dict(rows.values_list("pk", "number"))
    if len(numbers) != len(ids):
        raise DomainError(
            f"{len(ids) - len(numbers)} of {len(ids)} orders changed while the batch ran; "
            "the batch was rolled back."
        )
    user, actor = actor_user(by), actor_name(by)
    DeletedOrder.objects.bulk_create(
        DeletedOrder(
            order_number=numbers[pk], order_id=pk, user=user, actor=actor, reason=reason.strip()
        )
        for pk in ids
    )
    rows.delete()
