"""What becomes of messages nobody will deliver: a deactivated integration's, and
old settled ones.

Dropping is a settlement without sending, written like a customer e-mail the
store does not send: `delivered_at` with a `note` saying why (the admin shows
the note as the message's state).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from outbox.models import Integration, OutboxMessage

DROPPED = gettext_lazy("Dropped: the integration was deactivated.")
PURGE_BATCH_SIZE = 2000


def activity_changed(integration: Integration) -> int:
    """After an integration was deactivated or activated again: unless it keeps its
    messages, drop what it was owed while inactive. Returns how many were dropped.

    On reactivation this also drops what other processes wrote in the moments
    before their subscription cache saw the deactivation."""
    if integration.keep_while_inactive:
        return 0
    return (
        OutboxMessage.objects.filter(integration=integration)
        .undelivered()
        .update(delivered_at=timezone.now(), note=str(DROPPED), next_attempt_at=timezone.now())
    )


def purge_settled(*, before: datetime, batch_size: int = PURGE_BATCH_SIZE) -> int:
    """Delete integrations' messages delivered or dropped before `before`, batch by
    batch (each a short transaction; `SKIP LOCKED`, so runs at once share the work).

    Customer e-mails are kept: they are the order page's list of sent mails and
    what "Resend" copies."""
    total, last_pk = 0, 0
    settled = OutboxMessage.objects.filter(
        integration__isnull=False, delivered_at__lt=before
    ).order_by("pk")
    while True:
        with transaction.atomic():
            ids = list(
                settled.filter(pk__gt=last_pk)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return total
            OutboxMessage.objects.filter(pk__in=ids).delete()
        total, last_pk = total + len(ids), ids[-1]
