"""Who subscribes to which event type, cached so that writing an event nobody
subscribes to costs no query.

Each process keeps the subscription table in memory. Saving or deleting an
integration forgets it in the saving process at once (and again when that
transaction commits); other processes reload it after
`OUTBOX_SUBSCRIPTION_TTL` seconds (default 30; None: only on save). So a new
subscription reaches every web worker within that time. Integrations are
deactivated, never deleted (the admin offers no delete), so a stale cache
never names an integration that is gone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

DEFAULT_TTL = 30.0


@dataclass(frozen=True)
class Subscriber:
    integration_id: int
    channel: str


@dataclass(frozen=True)
class _Table:
    loaded_at: float
    by_type: dict[str, tuple[Subscriber, ...]]


_table: _Table | None = None


def subscribers(event_type: str) -> tuple[Subscriber, ...]:
    """The active integrations subscribed to `event_type` (cached; see the module)."""
    table = _table
    if table is None or _expired(table):
        table = reload()
    return table.by_type.get(event_type, ())


def reload() -> _Table:
    """Read the subscriptions now (one query) and keep them."""
    global _table
    from outbox.models import Integration

    by_type: dict[str, list[Subscriber]] = {}
    for pk, kind, event_types in Integration.objects.filter(is_active=True).values_list(
        "pk", "kind", "event_types"
    ):
        for event_type in event_types or []:
            by_type.setdefault(event_type, []).append(Subscriber(pk, kind))
    _table = _Table(
        loaded_at=time.monotonic(),
        by_type={event_type: tuple(subs) for event_type, subs in by_type.items()},
    )
    return _table


def assume_none() -> None:
    """Know, without asking, that nothing subscribes (a fresh database, e.g. a test's)."""
    global _table
    _table = _Table(loaded_at=time.monotonic(), by_type={})


def forget(**_ignored) -> None:
    global _table
    _table = None


def _expired(table: _Table) -> bool:
    ttl = getattr(settings, "OUTBOX_SUBSCRIPTION_TTL", DEFAULT_TTL)
    return ttl is not None and time.monotonic() - table.loaded_at > ttl


def _integration_changed(**_ignored) -> None:
    forget()
    transaction.on_commit(forget)


def connect_signals() -> None:
    from outbox.models import Integration

    post_save.connect(_integration_changed, sender=Integration, dispatch_uid="outbox-subs-save")
    post_delete.connect(_integration_changed, sender=Integration, dispatch_uid="outbox-subs-del")
