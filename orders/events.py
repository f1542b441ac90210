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
from orders.models import Order, OrderEvent, OrderStatus
from outbox.event_types import event_type_of
from outbox.publish import Happened, publish, targets
from outbox.subscriptions import Subscriber


def record_event(
    *,
    order: Order,
    by: Actor,
    transition: str,
    from_state: Any = "",
    to_state: Any = "",
    subject: str = OrderEvent.Subject.ORDER,
    subject_ref: str = "",
    message: str = "",
    data: dict | None = None,
) -> OrderEvent:
    event = OrderEvent.objects.create(
        order=order,
        user=actor_user(by),
        actor=actor_name(by),
        subject=subject,
        subject_ref=subject_ref,
        transition=transition,
        from_state=str(from_state),
        to_state=str(to_state),
        message=message,
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
        for event_type in published_types(subject, transition, event.to_state)
    )
    return event


def published_types(subject: str, transition: str, to_state: str) -> list[str]:
    """The integration event types one `OrderEvent` stands for (usually one, or none)."""
    event_type = event_type_of(subject, transition)
    if event_type is None:
        return []
    if event_type == "order.created" and to_state == str(OrderStatus.CONFIRMED):
        # Autoconfirm: the order was created and confirmed in one step.
        return [event_type, "order.confirmed"]
    return [event_type]


def publish_order_deleted(order: Order, *, transition: str) -> None:
    """A deleted order leaves no event behind (its timeline goes with it): only this."""
    publish_for_orders(transition, [(None, order.pk, order.number)], occurred_at=timezone.now())


def bulk_targets(transition: str) -> tuple[Subscriber, ...]:
    """Who is owed the event of an order transition taken in bulk (cached: no query)."""
    event_type = event_type_of(OrderEvent.Subject.ORDER, transition)
    return targets(event_type) if event_type else ()


def publish_for_orders(
    transition: str,
    events: Iterable[tuple[int | None, int, int]],
    *,
    occurred_at: datetime,
) -> None:
    """The bulk paths' events: (event id or None, order id, order number) each."""
    event_type = event_type_of(OrderEvent.Subject.ORDER, transition)
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
