"""Delete integrations' outbox messages delivered or dropped more than N days ago (for cron).

    manage.py purge_outbox --days 30

Batched, each batch a short transaction taking its rows with SKIP LOCKED, so
runs at once share the work. Undelivered and given-up messages are kept, and
so are customer e-mails (the order page lists them and "Resend" copies them).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from backoffice.management.batch_command import MAX_BATCH_SIZE, MAX_DAYS, check_range
from integrations.housekeeping import PURGE_BATCH_SIZE, purge_settled

DEFAULT_DAYS = 30


class Command(BaseCommand):
    help = "Delete integrations' outbox messages delivered or dropped more than --days days ago."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help="Older than this (default: %(default)s)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=PURGE_BATCH_SIZE,
            help="Messages per transaction (default: %(default)s).",
        )

    def handle(self, *args, days: int, batch_size: int, **options):
        # Checked here, not by argparse types: call_command(days=…) skips those.
        check_range("--days", days, 0, MAX_DAYS, "a hundred years")
        check_range("--batch-size", batch_size, 1, MAX_BATCH_SIZE)
        before = timezone.now() - timedelta(days=days)
        deleted = purge_settled(before=before, batch_size=batch_size)
        self.stdout.write(
            f"Deleted {deleted} delivered or dropped messages older than {days} days "
            f"(before {before:%Y-%m-%d %H:%M} UTC)."
        )
