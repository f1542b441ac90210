"""A transition read as data, for the bulk paths (`orders.bulk`).

`guard_of` turns a model transition's `@transition` metadata into a `Guard`
(source, target, permission, conditions as a WHERE clause), and `changes_of`
finds the fields it sets by running it on an unsaved probe, so a bulk path
restates no rule of the state machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import reduce
from operator import and_
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django_fsm import RETURN_VALUE, Transition

from core.actors import Actor
from core.fsm import ensure_permitted
from orders.models import Order


@dataclass(frozen=True)
class Guard:
    """A transition's rules as data: where it may start and where it ends."""

    name: str
    source: Any
    target: Any
    permission: str | None
    # The transition's conditions as a filter (empty when it has none).
    where: models.Q = dataclass_field(default_factory=models.Q)


def guard_of(method) -> Guard:
    """The guard of a model transition such as `Order.archive`, for a bulk path.

    Refuses (ImproperlyConfigured) what a WHERE clause cannot express exactly: conditions
    without a `where`,
    several sources, wildcard sources, targets computed at run time, and callable
    permissions.
    """
    transitions: list[Transition] = list(method._django_fsm.transitions.values())
    name = method.__name__
    require(len(transitions) == 1, f"bulk {name}: needs exactly one source status")
    only = transitions[0]
    wheres = [getattr(condition, "where", None) for condition in only.conditions]
    require(
        None not in wheres,
        f"bulk {name}: the transition has conditions, which a WHERE clause cannot apply; "
        "use the per-order service instead",
    )
    require(only.source not in ("*", "+"), f"bulk {name}: wildcard sources are not supported")
    require(not isinstance(only.target, RETURN_VALUE), f"bulk {name}: target chosen at run time")
    require(not callable(only.permission), f"bulk {name}: callable permissions need an instance")
    return Guard(
        name=name,
        source=only.source,
        target=only.target,
        permission=only.permission,
        where=reduce(and_, wheres, models.Q()),
    )


def require(ok: bool, problem: str) -> None:
    # Not `assert`: these guard data, and must hold under `python -O` too.
    if not ok:
        raise ImproperlyConfigured(problem)


def check_permission(guard: Guard, *, by: Actor) -> None:
    """Refuse a user without the transition's permission, with the services' sentence."""
    ensure_permitted(getattr(Order(status=guard.source), guard.name), by=by)


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
    require(changed.get("status") == guard.target, f"bulk {guard.name}: probe missed the target")
    now = timestamp_of(changed)
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False):  # .update() skips auto_now; save() would not
            changed[field.attname] = now
    return changed


def timestamp_of(changed: dict[str, Any]) -> datetime:
    # Reuse the transition's own timestamp, so archived_at and updated_at agree.
    stamps = [v for v in changed.values() if isinstance(v, datetime)]
    return stamps[0] if stamps else timezone.now()
