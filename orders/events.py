"""Writing the audit trail, and what it owes the integrations. Callers are
services, inside their transaction.

Every event is written here (`record_event`), or by the bulk paths, which call
`publish_for_orders` for the events they insert in bulk. Both hand the event to
the outbox in the same transaction, so a message is owed exactly when the change
it reports commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from core.actors import Actor, actor_name, actor_user
from orders.models import Order, OrderEvent
from outbox.event_types import EventType
from outbox.publish import Happened, publish, targets
from outbox.subscriptions import Subscriber

# What a change publishes: one event type, several (an order created and confirmed
# at once), or None for what integrations are not told (a comment, a note).
Publishes = str | tuple[str, ...] | None


def record_event(
    *,
    order: Order,
    by: Actor,
    transition: str,
    publishes: Publishes,
    from_state: Any = "",
    to_state: Any = "",
    subject: str = OrderEvent.Subject.ORDER,
    subject_ref: str = "",
    message: str = "",
    data: dict | None = None,
) -> OrderEvent:
    """Write the change's event and the outbox messages of the event types it
    `publishes`, named by the service (required: a change says what it tells)."""
    event = OrderEvent.objects.create(
        order=order,
        user=actor_user(by),
        actor=actor_name(by),
        subject=subject,
        subject_ref=subject_ref,
        transition=transition,
        from_state=str(from_state),
        to_state=str(to_state),
        # A lazy translation (a message shared with the bulk paths) is read now.
        message=str(message),
        data=data or {},
    )
    publish(
        Happened(
            event_type=event_type,
            order_id=order.pk,
            order_number=order.number,
            occurred_at=event.created_at,
            subject_ref=subject_ref,
            order_event_id=event.pk,
        )
        for event_type in event_types(publishes)
    )
    return event


def event_types(publishes: Publishes) -> tuple[str, ...]:
    if publishes is None:
        return ()
    return (publishes,) if isinstance(publishes, str) else publishes


def publish_order_deleted(order: Order) -> None:
    """A deleted order leaves no event behind (its timeline goes with it): only this."""
    publish_for_orders(
        EventType.ORDER_DELETED, [(None, order.pk, order.number)], occurred_at=timezone.now()
    )


def bulk_targets(event_type: str | None) -> tuple[Subscriber, ...]:
    """Who is owed an event type published in bulk (cached: no query)."""
    return targets(event_type) if event_type else ()


def publish_for_orders(
    event_type: str | None,
    events: Iterable[tuple[int | None, int, int]],
    *,
    occurred_at: datetime,
) -> None:
    """The bulk paths' events: (event id or None, order id, order number) each."""
    if event_type is None:
        return
    publish(
        Happened(
            event_type=event_type,
            order_id=order_id,
            order_number=number,
            occurred_at=occurred_at,
            order_event_id=event_id,
        )
        for event_id, order_id, number in events
    )
