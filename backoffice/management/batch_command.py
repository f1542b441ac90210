"""What the maintenance commands share: options, progress, summary, failure.

A subclass says which orders are old enough (`select`) and runs the bulk path
(`run`); this base parses, reports and turns any failure into a CommandError
(non-zero exit). The work itself lives in `orders.bulk`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import QuerySet
from django.utils import timezone

from orders import bulk
from orders.models import StoreSettings

# Older than a hundred years is everything; beyond that the cutoff date overflows.
MAX_DAYS = 36_500
# A batch is one transaction holding its rows' locks: keep it short.
MAX_BATCH_SIZE = 100_000
MAX_LIMIT = 1_000_000_000


def check_range(option: str, value: int, low: int, high: int, why: str = "") -> None:
    """A CommandError (one line, exit code 1) for an option outside [low, high]."""
    if not low <= value <= high:
        raise CommandError(
            f"{option} must be between {low} and {high}{f' ({why})' if why else ''}; got {value}."
        )


class BatchCommand(BaseCommand):
    actor: str  # e.g. "command:archive_orders", the events' and tombstones' author
    days_setting: str  # the StoreSettings field giving the default --days
    verb: str  # "archive", for "Archived 12 orders …" and "Would archive …"
    past: str  # "archived"
    noun: str = "orders"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            help=f"Older than this many days (default: store settings' {self.days_setting}).",
        )
        self.add_batch_arguments(parser)

    def add_batch_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be done; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=bulk.DEFAULT_BATCH_SIZE,
            help="Orders per transaction (default: %(default)s).",
        )
        parser.add_argument("--limit", type=int, help=f"At most this many {self.noun}.")

    def select(self, cutoff: datetime, options: dict[str, Any]) -> QuerySet:
        raise NotImplementedError

    def apply(self, queryset: QuerySet, options: dict[str, Any], **batching: Any) -> int:
        raise NotImplementedError

    def describe(self, options: dict[str, Any]) -> str:
        return ""

    def handle(self, *args, **options):
        self.check_options(options)
        days = options["days"]
        if days is None:
            days = getattr(StoreSettings.load(), self.days_setting)
            days_option = f"--days (the store settings' {self.days_setting})"
            check_range(days_option, days, 0, MAX_DAYS, "a hundred years")
        self.days = days
        cutoff = timezone.now() - timedelta(days=days)
        queryset = self.select(cutoff, options)
        dry_run = options["dry_run"]
        total = self.run_batches(queryset, options)
        details = self.describe(options)
        self.stdout.write(
            f"{self._did(dry_run)} {total} {self.noun} older than {days} days "
            f"(before {cutoff:%Y-%m-%d %H:%M} UTC{'; ' + details if details else ''})."
            + (" Dry run: nothing was changed." if dry_run else "")
        )

    def run_batches(self, queryset: QuerySet, options: dict[str, Any]) -> int:
        """`apply` with the batch options, reporting each batch at verbosity 2."""
        dry_run = options["dry_run"]
        done = 0

        def progress(step: bulk.BatchProgress) -> None:
            nonlocal done
            done = step.total
            if options["verbosity"] >= 2:
                self.stdout.write(
                    f"Batch {step.batch}: {self._did(dry_run).lower()} {step.count} "
                    f"{self.noun} ({step.total} so far, up to id {step.last_pk})."
                )

        try:
            return self.apply(
                queryset,
                options,
                batch_size=options["batch_size"],
                limit=options["limit"],
                dry_run=dry_run,
                progress=progress,
            )
        except Exception as error:
            raise CommandError(
                f"Failed after {done} {self.noun} {self.past} (their batches are committed): "
                f"{error}"
            ) from error

    def check_options(self, options: dict[str, Any]) -> None:
        # Checked here, not by argparse types: call_command(days=…) skips those.
        if options.get("days") is not None:
            check_range("--days", options["days"], 0, MAX_DAYS, "a hundred years")
        check_range("--batch-size", options["batch_size"], 1, MAX_BATCH_SIZE)
        if options["limit"] is not None:
            check_range("--limit", options["limit"], 0, MAX_LIMIT)

    def _did(self, dry_run: bool) -> str:
        return f"Would {self.verb}" if dry_run else self.past.capitalize()
