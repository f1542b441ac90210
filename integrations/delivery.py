"""The delivery worker's one pass: claim due messages, send them, record the outcome.

Claiming is a short transaction: `SELECT … FOR UPDATE SKIP LOCKED` of the
oldest due rows, then a lease (`next_attempt_at` moved `LEASE` ahead, the
attempt counted), committed before anything is sent. So any number of workers
on any number of hosts share the work without waiting for each other and
without taking the same row, and nothing talks to the outside inside a
transaction. A worker that dies mid-batch leaves its rows leased: they come due
again when the lease ends and are delivered again (at least once; the event
ids let receivers deduplicate).

Order: a receiver gets each order's events in the order they happened. A
message waits while an earlier one of its order to the same receiver is
unsettled and not claimable with it (backing off, given up, or leased
elsewhere); `claim` says how. Given up holds the order's later messages back
until it is redelivered or the integration drops its messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations import mail, retry, webhooks
from outbox.models import Integration, OutboxMessage

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
CLAIM_SIZE = 200


@dataclass
class PassReport:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, other: PassReport) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed


def claim(*, limit: int = CLAIM_SIZE, now: datetime | None = None) -> list[OutboxMessage]:
    """Lease the oldest due messages to this worker (committed when this returns).

    A message is claimed only with every earlier unsettled message of its order
    and receiver: none of them waiting out a backoff, given up, or leased to
    another worker. So one receiver gets an order's events in the order they
    happened, however many workers run.
    """
    now = now or timezone.now()
    # A handful of rows, read apart so the claim is a plain scan of outbox_due_idx.
    active = {i.pk: i for i in Integration.objects.filter(is_active=True)}
    with transaction.atomic():
        rows = list(claimable(now, list(active)).select_for_update(skip_locked=True)[:limit])
        rows = _without_earlier_elsewhere(rows)
        if rows:
            OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
                next_attempt_at=now + LEASE, attempts=F("attempts") + 1
            )
    for row in rows:
        row.attempts += 1
        if row.integration_id:
            row.integration = active[row.integration_id]
    return rows


def claimable(now: datetime, integration_ids: list[int]) -> QuerySet:
    """Due messages of customers and active integrations, oldest due first, without
    those behind an earlier message of their order that waits or was given up."""
    return (
        OutboxMessage.objects.due(now)
        .filter(Q(integration__isnull=True) | Q(integration__in=integration_ids))
        .exclude(Exists(_earlier_unsettled().exclude(next_attempt_at__lte=now, failed_at=None)))
        .order_by("next_attempt_at", "id")
    )


def _earlier_unsettled() -> QuerySet:
    """The unsettled messages before the outer one, to the same receiver about the
    same order (customer e-mails: the order's earlier e-mails). Read through
    outbox_unsettled_order_idx."""
    return OutboxMessage.objects.filter(
        Q(integration=OuterRef("integration")) | Q(channel=OutboxMessage.Channel.EMAIL),
        order_id=OuterRef("order_id"),
        channel=OuterRef("channel"),
        id__lt=OuterRef("id"),
        delivered_at__isnull=True,
    )


def _without_earlier_elsewhere(rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Drop the rows whose earlier message this claim did not get: another worker
    holds it (SKIP LOCKED skipped it) or it fell past the limit. They stay due."""
    ids = [row.pk for row in rows]
    if not ids:
        return rows
    behind = set(
        OutboxMessage.objects.filter(pk__in=ids)
        .filter(Exists(_earlier_unsettled().exclude(pk__in=ids)))
        .values_list("pk", flat=True)
    )
    return [row for row in rows if row.pk not in behind]


def deliver_due(*, limit: int = CLAIM_SIZE) -> PassReport:
    """One pass: claim up to `limit` due messages and deliver them, per receiver.

    Nothing a receiver or the mail server does ends the pass: any exception is
    that delivery's failed attempt, and the other receivers are still served.
    """
    messages = claim(limit=limit)
    report = PassReport(claimed=len(messages))
    for (channel, _integration), group in by_receiver(messages).items():
        if channel == OutboxMessage.Channel.EMAIL:
            for message in group:
                # A sent mail is recorded by `mail.deliver` itself, with its timeline entry.
                error = attempt(mail.deliver, message)
                report.add(_settle([message], error) if error else PassReport(delivered=1))
        else:
            report.add(_post_in_batches(group))
    return report


def by_receiver(messages: list[OutboxMessage]) -> dict[tuple, list[OutboxMessage]]:
    """The messages per receiver, each in the order they were written, whatever lay between."""
    groups: dict[tuple, list[OutboxMessage]] = {}
    for message in sorted(messages, key=lambda m: m.pk):
        groups.setdefault((message.channel, message.integration_id), []).append(message)
    return groups


def _post_in_batches(group: list[OutboxMessage]) -> PassReport:
    report = PassReport()
    batches = list(_chunks(group, webhooks.MAX_BATCH))
    for index, batch in enumerate(batches):
        error = attempt(webhooks.post_batch, batch[0].integration, batch)
        report.add(_settle(batch, error))
        later = [message for rest in batches[index + 1 :] for message in rest]
        if error and later:
            # They may hold later events of the batch's orders: they wait with it.
            note = _("Not sent: the batch before it failed. %(error)s") % {"error": error}
            report.add(_settle(later, note))
            break
    return report


def attempt(deliver: Callable[..., str | None], *args) -> str | None:
    """Run one delivery; whatever it raises is its failed attempt, in one sentence."""
    try:
        return deliver(*args)
    except Exception as error:
        logger.exception("A delivery raised instead of reporting its failure.")
        text = " ".join(str(error).split())[:200]
        if text:
            return _("The delivery failed: %(error)s: %(text)s.") % {
                "error": type(error).__name__,
                "text": text,
            }
        return _("The delivery failed: %(error)s.") % {"error": type(error).__name__}


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _settle(messages: list[OutboxMessage], error: str | None) -> PassReport:
    """Record what became of one delivery: done, retried later, or given up."""
    now = timezone.now()
    if error is None:
        mark_delivered([m.pk for m in messages], now=now)
        return PassReport(delivered=len(messages))
    report = PassReport()
    for message in messages:
        message.last_error = error[:2000]
        message.next_attempt_at = retry.next_attempt(message.attempts, now) or now
        if message.attempts >= retry.max_attempts():
            message.failed_at = now
            report.failed += 1
        else:
            report.retrying += 1
    OutboxMessage.objects.bulk_update(messages, ["last_error", "next_attempt_at", "failed_at"])
    return report


def mark_delivered(ids: list[int], *, now: datetime) -> None:
    OutboxMessage.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
        delivered_at=now, last_error=""
    )


def redeliver(queryset) -> int:
    """Make given-up (or any undelivered) messages due now, with a fresh count of attempts."""
    return queryset.filter(delivered_at__isnull=True).update(
        failed_at=None, attempts=0, next_attempt_at=timezone.now()
    )
