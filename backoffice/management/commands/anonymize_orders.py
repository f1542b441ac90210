"""Anonymise a customer's orders (an erasure request), keeping the books."""

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
from backoffice.services.anonymize import (
    AlreadyAnonymised,
    anonymize_orders,
    refuse_unless_closed,
)
from core.actors import process
from core.errors import DomainError
from orders.models import Order
from orders.models.anonymized import normalized_email


class Command(BatchCommand):
    help = (
        "Anonymise the orders of the customer with --email, optionally narrowed by the "
        "order filters: names, e-mail, addresses (not the country), notes, gift messages "
        "and comments are erased; amounts, lines, the ledger and the events stay. "
        "Irreversible. Refused while any of them is open or has a return not completed."
    )
    actor = process("command", "anonymize_orders")
    verb, past = "anonymise", "anonymised"

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The customer's e-mail address.")
        self.add_batch_arguments(parser)
        add_filter_arguments(parser, OrderFilterSet, exclude={"email"})

    def handle(self, *args, **options):
        self.check_options(options)
        email = normalized_email(options["email"] or "")
        if not email:
            raise CommandError("--email must be the customer's e-mail address.")
        data = filter_data(options)
        queryset = filtered(OrderFilterSet, data, Order.objects.all())
        try:
            refuse_unless_closed(queryset.filter(customer_email=email), email)
        except AlreadyAnonymised as done:
            self.stdout.write(str(done))
            return
        except DomainError as refusal:
            raise CommandError(str(refusal)) from None
        self.email = email
        total = self.run_batches(queryset, options)
        dry_run = options["dry_run"]
        self.stdout.write(
            f"{self._did(dry_run)} {total} {self.noun} ({describe(data)})."
            + (" Dry run: nothing was changed." if dry_run else "")
        )
        left = 0 if dry_run or options["limit"] is not None else self._left(queryset)
        if left:
            raise CommandError(
                f"{left} {self.noun} were busy or changed while it ran and keep their data; "
                "run it again."
            )

    def _left(self, queryset) -> int:
        return queryset.filter(customer_email=self.email).count()

    def apply(self, queryset, options, **batching):
        return anonymize_orders(queryset=queryset, email=self.email, by=self.actor, **batching)
