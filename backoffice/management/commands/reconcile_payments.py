"""Read a provider's settlement report against the ledger; changes nothing else."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import DomainError
from payments.reconciling import findings_count, reconcile_report


class Command(BaseCommand):
    help = (
        "Reconcile a settlement report (CSV, Adyen's Settlement details shape: Merchant "
        "Reference, Psp Reference, Type, Gross, Fee, Net, Currency, Booking Date) with the "
        "ledger: matched, amount differs, unknown reference, and settled rows missing from "
        "every report after --missing-after days. Writes the run for the admin; changes "
        "nothing else."
    )

    def add_arguments(self, parser):
        parser.add_argument("report", help="The report's CSV file.")
        parser.add_argument("--provider", default="test", help="The provider it is from.")
        parser.add_argument("--missing-after", type=int, default=3, dest="missing_after")

    def handle(self, *args, report, provider, missing_after, **options):
        path = Path(report)
        if not path.is_file():
            raise CommandError(f"{report} is not a file.")
        try:
            with path.open(newline="", encoding="utf-8-sig") as stream:
                run = reconcile_report(
                    stream=stream,
                    report=path.name,
                    provider=provider,
                    missing_after_days=missing_after,
                    now=timezone.now(),
                )
        except (DomainError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from None
        counts = findings_count(run)
        found = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in counts.items())
        self.stdout.write(f"{run}: {run.rows_read} rows read; {found}.")
