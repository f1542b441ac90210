"""Writing what the integrations and the customer mailer are owed.

Called by `orders.events` in the transaction that writes the `OrderEvent`, so
the messages commit and roll back with the change. An event nobody subscribes
to (and that sends no customer e-mail) writes nothing and asks nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from outbox.event_types import CUSTOMER_MAIL_KINDS
from outbox.models import OutboxMessage
from outbox.subscriptions import Subscriber, subscribers

CUSTOMER_MAILER = Subscriber(integration_id=0, channel=OutboxMessage.Channel.EMAIL)


@dataclass(frozen=True)
class Happened:
    """One event of one order, as the outbox records it."""

    event_type: str
    order_id: int
    order_number: int
    occurred_at: datetime
    subject_ref: str = ""
    order_event_id: int | None = None


def targets(event_type: str) -> tuple[Subscriber, ...]:
    """Who is owed this event: its subscribers, and the customer if it sends a mail."""
    mail = (CUSTOMER_MAILER,) if event_type in CUSTOMER_MAIL_KINDS else ()
    return subscribers(event_type) + mail


def publish(events: Iterable[Happened]) -> int:
    """One message per event and target, in one INSERT; returns how many."""
    rows = []
    for event in events:
        event_id = uuid.uuid4()  # the same id for every target of the event
        rows += [_message(event, target, event_id) for target in targets(event.event_type)]
    if rows:
        OutboxMessage.objects.bulk_create(rows)
    return len(rows)


def _message(event: Happened, target: Subscriber, event_id: uuid.UUID) -> OutboxMessage:
    return OutboxMessage(
        event_id=event_id,
        event_type=event.event_type,
        channel=target.channel,
        integration_id=target.integration_id or None,
        order_id=event.order_id,
        order_number=event.order_number,
        subject_ref=event.subject_ref,
        order_event_id=event.order_event_id,
        occurred_at=event.occurred_at,
        next_attempt_at=event.occurred_at,
    )
