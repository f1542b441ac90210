"""Delete abandoned selections (Incomplete orders, carts) older than N days (for cron)."""

from __future__ import annotations

from backoffice.management.batch_command import BatchCommand
from core.actors import process
from orders import bulk
from orders.models import Order


class Command(BatchCommand):
    help = (
        "Delete abandoned selections: orders still Incomplete (never checked out) created "
        "more than --days days ago, leaving a tombstone for each number."
    )
    actor = process("command", "cleanup_selections")
    days_setting = "cleanup_selections_after_days"
    verb, past, noun = "delete", "deleted", "selections"

    def select(self, cutoff, options):
        self.reason = f"Abandoned selection: created more than {self.days} days ago."
        return Order.objects.filter(created_at__lt=cutoff)

    def apply(self, queryset, options, **batching):
        return bulk.discard_selections(
            queryset=queryset, by=self.actor, reason=self.reason, **batching
        )
