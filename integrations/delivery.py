"""The delivery worker's one pass: claim due messages, send them, record the outcome.

Claiming is a short transaction: `SELECT … FOR UPDATE SKIP LOCKED` of the
oldest due rows, then a lease (`next_attempt_at` moved `LEASE` ahead, the
attempt counted), committed before anything is sent. So any number of workers
on any number of hosts share the work without waiting for each other and
without taking the same row, and nothing talks to the outside inside a
transaction. A worker that dies mid-batch leaves its rows leased: they come due
again when the lease ends and are delivered again (at least once; the event
ids let receivers deduplicate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations import mail, retry, webhooks
from outbox.models import Integration, OutboxMessage

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
    """Lease the oldest due messages to this worker (committed when this returns)."""
    now = now or timezone.now()
    # A handful of rows, read apart so the claim is a plain scan of outbox_due_idx.
    active = {i.pk: i for i in Integration.objects.filter(is_active=True)}
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.due(now)
            .filter(Q(integration__isnull=True) | Q(integration__in=list(active)))
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")[:limit]
        )
        if rows:
            OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(
                next_attempt_at=now + LEASE, attempts=F("attempts") + 1
            )
    for row in rows:
        row.attempts += 1
        if row.integration_id:
            row.integration = active[row.integration_id]
    return rows


def deliver_due(*, limit: int = CLAIM_SIZE) -> PassReport:
    """One pass: claim up to `limit` due messages and deliver them."""
    messages = claim(limit=limit)
    report = PassReport(claimed=len(messages))
    for _target, group in groupby(messages, key=lambda m: (m.channel, m.integration_id)):
        group = list(group)
        if group[0].channel == OutboxMessage.Channel.EMAIL:
            for message in group:
                # A sent mail is recorded by `mail.deliver` itself, with its timeline entry.
                error = mail.deliver(message)
                report.add(_settle([message], error) if error else PassReport(delivered=1))
        else:
            for batch in _chunks(group, webhooks.MAX_BATCH):
                report.add(_settle(batch, webhooks.post_batch(batch[0].integration, batch)))
    return report


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
