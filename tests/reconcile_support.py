"""A settled ledger and a settlement report of it, with planted mismatches of each kind."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from payments.models import Payment, PaymentTransaction
from payments.reconciling import REPORT_COLUMNS

HEADER = list(REPORT_COLUMNS)


def settled_ledger(payment: Payment, count: int, *, days_ago: int = 10) -> list[PaymentTransaction]:
    """`count` settled captures on one payment, written in bulk: the reconciliation
    only reads the ledger, and the services would take minutes for 100,000 rows."""
    at = timezone.now() - timedelta(days=days_ago)
    rows = [
        PaymentTransaction(
            payment=payment,
            kind="capture",
            purpose="capture",
            amount=Decimal(10 + index % 90),
            outcome="success",
            provider_reference=f"psp_{index:07d}",
            actor="bench",
            created_at=at,
        )
        for index in range(count)
    ]
    return PaymentTransaction.objects.bulk_create(rows, batch_size=5000)


def report_with_plants(rows: list[PaymentTransaction], *, every: int = 100):
    """The report of `rows` (EUR), with one in `every` changed each way: an amount
    differs, an unknown reference added, a row left out (missing). The plants."""
    planted = {"amount_differs": set(), "unknown_reference": set(), "missing": set()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for index, row in enumerate(rows):
        amount = row.amount
        if index % every == 1:
            planted["missing"].add(row.provider_reference)
            continue
        if index % every == 2:
            amount += Decimal("0.01")
            planted["amount_differs"].add(row.provider_reference)
        if index % every == 3:
            unknown = f"psp_unknown_{index:07d}"
            planted["unknown_reference"].add(unknown)
            writer.writerow(
                ["1001", unknown, "Settled", "5.00", "0.10", "4.90", "EUR", "2026-12-01"]
            )
        net = amount - Decimal("0.20")
        writer.writerow(
            ["1001", row.provider_reference, "Settled", amount, "0.20", net, "EUR", "2026-12-01"]
        )
    out.seek(0)
    return out, planted
