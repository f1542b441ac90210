"""A reconciliation: a provider's settlement report read against the ledger.

`manage.py reconcile_payments` writes one run and its findings; nothing else
changes. Finance reads the last run in the admin, filtered by what was found.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.money import MONEY_FIELD
from payments.models.ledger import PaymentTransaction


class Finding(models.TextChoices):
    MATCHED = "matched", "Matched"
    AMOUNT_DIFFERS = "amount_differs", "Amount differs"
    UNKNOWN_REFERENCE = "unknown_reference", "Unknown reference"
    MISSING = "missing", "Missing from the reports"


class ReconciliationRun(models.Model):
    provider = models.CharField(max_length=32)
    report = models.CharField(max_length=255, help_text="The report's file name.")
    ran_at = models.DateTimeField(default=timezone.now)
    rows_read = models.PositiveIntegerField(default=0)
    missing_after_days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return f"Reconciliation of {self.report} ({self.ran_at:%Y-%m-%d %H:%M})"


class ReconciliationLine(models.Model):
    """One finding: a report row (matched, amount differs, unknown reference), or a
    settled ledger row no report has listed after the run's days (missing)."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    finding = models.CharField(max_length=20, choices=Finding.choices)
    merchant_reference = models.CharField(max_length=128, blank=True)
    psp_reference = models.CharField(max_length=128, blank=True, db_index=True)
    type = models.CharField(max_length=32, blank=True)
    gross = models.DecimalField(**MONEY_FIELD)
    fee = models.DecimalField(**MONEY_FIELD)
    net = models.DecimalField(**MONEY_FIELD)
    currency = models.CharField(max_length=3, blank=True)
    booking_date = models.CharField(max_length=32, blank=True)
    ledger_row = models.ForeignKey(
        PaymentTransaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "finding"], name="reconciliation_finding_idx")]

    def __str__(self) -> str:
        return f"{self.get_finding_display()}: {self.psp_reference or self.merchant_reference}"
