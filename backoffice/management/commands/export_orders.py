"""Export orders to CSV: the same file as the admin's export, filtered the same way."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from backoffice import export
from backoffice.filters import OrderFilterSet, unless_status_asked
from backoffice.management.filter_options import add_filter_arguments, filter_data, filtered
from orders.models import Order


class Command(BaseCommand):
    help = (
        "Write orders as CSV (one row per order, or per line with --lines), filtered by the "
        "options of the admin's filter panel. As in the orders list, archived orders are left "
        "out unless --status asks for them. Streams in batches: memory stays flat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--lines", action="store_true", help="One row per order line.")
        parser.add_argument("--output", "-o", help="Write to this file (default: standard output).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=export.BATCH_SIZE,
            help="Orders read per query (default: %(default)s).",
        )
        add_filter_arguments(parser, OrderFilterSet, exclude=set())

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        data = filter_data(options)
        queryset = filtered(OrderFilterSet, data, unless_status_asked(data, Order.objects.all()))
        chunks = export.csv_chunks(
            queryset, per_line=options["lines"], batch_size=options["batch_size"]
        )
        if not options["output"]:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        # newline="": the csv module writes its own line ends (CRLF, as the HTTP export).
        with open(options["output"], "w", encoding="utf-8", newline="") as out:
            export.write_csv(chunks, out)
        self.stderr.write(f"Wrote {options['output']}.")
