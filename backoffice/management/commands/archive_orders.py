"""Archive Completed orders completed more than N days ago (for cron)."""

from __future__ import annotations

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
        "Archive Completed orders completed more than --days days ago, optionally narrowed "
        "by the order filters. Each batch is one transaction; runs at the same time skip "
        "each other's orders, so none is archived twice."
    )
    actor = process("command", "archive_orders")
    days_setting = "archive_after_days"
    verb, past = "archive", "archived"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # The transition's guard decides the status: --status could only select nothing.
        add_filter_arguments(parser, OrderFilterSet, exclude={"status"})

    def select(self, cutoff, options):
        old_enough = Order.objects.filter(completed_at__lt=cutoff)
        return filtered(OrderFilterSet, filter_data(options), old_enough)

    def apply(self, queryset, options, **batching):
        return bulk.archive_orders(queryset=queryset, by=self.actor, **batching)

    def describe(self, options):
        return describe(filter_data(options))
