"""Reconciling a provider's settlement report with the ledger: read-only.

The report is a CSV in the shape of Adyen's Settlement details report, one row
per settled transaction, with the columns `REPORT_COLUMNS` names. Each row is
looked up by its PSP reference among the ledger's settled provider rows
(captures and refunds with outcome success, not recorded by hand) and found:

- matched: the row's type (Settled: a capture; Refunded: a refund), gross
  amount and currency are the ledger row's;
- amount differs: the reference is known, but the type, amount or currency is not;
- unknown reference: no settled ledger row has it;

and then every settled ledger row older than `missing_after_days` that no report
has ever listed (no matched or differing finding in any run) is found missing.

A run and its findings are written; nothing else changes. A report that cannot
be read (a missing column, an amount that is no number) is refused with one
sentence naming the line, and nothing is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TextIO

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from core.errors import DomainError
from payments.models import PaymentTransaction
from payments.models.reconciliation import Finding, ReconciliationLine, ReconciliationRun

REPORT_COLUMNS = {
    "Merchant Reference": "merchant_reference",
    "Psp Reference": "psp_reference",
    "Type": "type",
    "Gross": "gross",
    "Fee": "fee",
    "Net": "net",
    "Currency": "currency",
    "Booking Date": "booking_date",
}
KIND_OF_TYPE = {"Settled": "capture", "Refunded": "refund"}
BATCH = 2000
LISTED = [Finding.MATCHED, Finding.AMOUNT_DIFFERS]


def settled_rows(provider: str):
    """The ledger rows a provider's settlement report lists."""
    return PaymentTransaction.objects.filter(
        payment__provider=provider,
        outcome=PaymentTransaction.Outcome.SUCCESS,
        kind__in=list(KIND_OF_TYPE.values()),
        manual=False,
    ).exclude(provider_reference="")


def reconcile_report(
    *, stream: TextIO, report: str, provider: str, missing_after_days: int, now: datetime
) -> ReconciliationRun:
    """Read the report, write the run and its findings; the run."""
    if missing_after_days < 0:
        raise DomainError("Give a number of days of 0 or more.")
    reader = csv.DictReader(stream)
    lacking = [name for name in REPORT_COLUMNS if name not in (reader.fieldnames or [])]
    if lacking:
        raise DomainError(f"The report lacks the columns: {', '.join(lacking)}.")
    with transaction.atomic():
        run = ReconciliationRun.objects.create(
            provider=provider, report=report, ran_at=now, missing_after_days=missing_after_days
        )
        for chunk in batched(enumerate(reader, start=2), BATCH):
            run.rows_read += len(chunk)
            ReconciliationLine.objects.bulk_create(_findings(run, chunk, provider))
        run.save(update_fields=["rows_read"])
        _record_missing(run, before=now - timedelta(days=missing_after_days))
    return run


def _findings(run: ReconciliationRun, chunk, provider: str) -> list[ReconciliationLine]:
    lines = [_read(run, number, row) for number, row in chunk]
    references = {line.psp_reference for line in lines}
    known = settled_rows(provider).filter(provider_reference__in=references)
    ledger = {row.provider_reference: row for row in known.select_related("payment")}
    for line in lines:
        _judge(line, ledger.get(line.psp_reference))
    return lines


def _read(run: ReconciliationRun, number: int, row: dict) -> ReconciliationLine:
    fields = {field: (row.get(column) or "").strip() for column, field in REPORT_COLUMNS.items()}
    for money in ("gross", "fee", "net"):
        fields[money] = _amount(fields[money], column=money, line=number)
    for field in ("merchant_reference", "psp_reference", "type", "currency", "booking_date"):
        limit = ReconciliationLine._meta.get_field(field).max_length
        if len(fields[field]) > limit:
            what = field.replace("_", " ")
            raise DomainError(f"Line {number} of the report has a {what} over {limit} characters.")
    return ReconciliationLine(run=run, **fields)


def _amount(text: str, *, column: str, line: int) -> Decimal:
    try:
        amount = Decimal(text or "0")
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        raise DomainError(f"Line {line} of the report has a {column} that is no amount: {text}.")
    return amount.quantize(Decimal("0.01"))


def _judge(line: ReconciliationLine, row: PaymentTransaction | None) -> None:
    if row is None:
        line.finding = Finding.UNKNOWN_REFERENCE
        return
    line.ledger_row = row
    differs = [
        what
        for what, ours, theirs in (
            ("type", row.kind, KIND_OF_TYPE.get(line.type, line.type)),
            ("amount", row.amount, abs(line.gross)),
            ("currency", row.payment.currency, line.currency),
        )
        if ours != theirs
    ]
    line.finding = Finding.AMOUNT_DIFFERS if differs else Finding.MATCHED
    if differs:
        line.note = _("The ledger has %(kind)s %(amount)s %(currency)s.") % {
            "kind": row.get_kind_display(),
            "amount": row.amount,
            "currency": row.payment.currency,
        }


def _record_missing(run: ReconciliationRun, *, before: datetime) -> None:
    listed = ReconciliationLine.objects.filter(
        psp_reference=OuterRef("provider_reference"), finding__in=LISTED
    )
    missing = (
        settled_rows(run.provider)
        .filter(created_at__lte=before)
        .exclude(Exists(listed))
        .select_related("payment__order")
    )
    for chunk in batched(missing.iterator(chunk_size=BATCH), BATCH):
        ReconciliationLine.objects.bulk_create(_missing_line(run, row) for row in chunk)


def _missing_line(run: ReconciliationRun, row: PaymentTransaction) -> ReconciliationLine:
    return ReconciliationLine(
        run=run,
        finding=Finding.MISSING,
        merchant_reference=str(row.payment.order.number),
        psp_reference=row.provider_reference,
        type=row.kind,
        gross=row.amount,
        currency=row.payment.currency,
        ledger_row=row,
        note=_("Settled %(date)s, in no report since.") % {"date": f"{row.created_at:%Y-%m-%d}"},
    )


def findings_count(run: ReconciliationRun) -> dict[str, int]:
    """How many of each finding the run made."""
    counts = dict.fromkeys(Finding.values, 0)
    for row in run.lines.order_by().values("finding").annotate(n=Count("pk")):
        counts[row["finding"]] = row["n"]
    return counts


def batched(items: Iterable, size: int) -> Iterator[list]:
    """`items` in lists of `size` (itertools.batched is Python 3.12's)."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
