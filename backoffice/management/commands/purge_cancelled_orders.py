"""Permanently delete orders cancelled more than N days ago, leaving tombstones (for cron)."""

from __future__ import annotations

from django.core.management.base import CommandError

from backoffice.filters import OrderFilterSet
from backoffice.management.batch_command import BatchCommand
from backoffice.management.filter_options import (
    add_filter_arguments,
    describe,
    filter_data,
    filtered,
)
from core.actors import process
from orders import bulk
from orders.models import Order


class Command(BatchCommand):
    help = (
        "Permanently delete Cancelled orders cancelled more than --days days ago, with "
        "everything under them, leaving a tombstone (number, who, when, why) for each. "
        "Irreversible: needs --yes, or --dry-run to see the count first."
    )
    actor = process("command", "purge_cancelled_orders")
    days_setting = "purge_cancelled_after_days"
    verb, past = "delete", "deleted"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--yes", action="store_true", help="Confirm the permanent deletion (for cron)."
        )
        add_filter_arguments(parser, OrderFilterSet, exclude={"status"})

    def handle(self, *args, **options):
        if not (options["yes"] or options["dry_run"]):
            raise CommandError(
                "This permanently deletes cancelled orders: run with --dry-run to see how many, "
                "then with --yes to delete them."
            )
        super().handle(*args, **options)

    def select(self, cutoff, options):
        self.reason = f"Purged: cancelled more than {self.days} days ago."
        old_enough = Order.objects.filter(cancelled_at__lt=cutoff)
        return filtered(OrderFilterSet, filter_data(options), old_enough)

    def apply(self, queryset, options, **batching):
        return bulk.delete_orders_permanently(
            queryset=queryset,
            by=self.actor,
            reason=self.reason,
            **batching,
        )

    def describe(self, options):
        return describe(filter_data(options))
