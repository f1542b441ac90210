"""A reconciliation: a provider's settlement report read against the ledger.

`manage.py reconcile_payments` writes one run and its findings; nothing else
changes. Finance reads the last run in the admin, filtered by what was found.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_FIELD
from payments.models.ledger import PaymentTransaction


class Finding(models.TextChoices):
    MATCHED = "matched", _("Matched")
    AMOUNT_DIFFERS = "amount_differs", _("Amount differs")
    UNKNOWN_REFERENCE = "unknown_reference", _("Unknown reference")
    MISSING = "missing", _("Missing from the reports")


class ReconciliationRun(models.Model):
    provider = models.CharField(max_length=32)
    report = models.CharField(max_length=255, help_text=_("The report's file name."))
    ran_at = models.DateTimeField(default=timezone.now)
    rows_read = models.PositiveIntegerField(default=0)
    missing_after_days = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return gettext("Reconciliation of %(report)s (%(ran_at)s)") % {
            "report": self.report,
            "ran_at": f"{self.ran_at:%Y-%m-%d %H:%M}",
        }


class ReconciliationLine(models.Model):
    """One finding: a report row (matched, amount differs, unknown reference), or a
    settled ledger row no report has listed after the run's days (missing)."""

    run = models.ForeignKey(
        ReconciliationRun,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("run"),
    )
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices)
    merchant_reference = models.CharField(_("merchant reference"), max_length=128, blank=True)
    psp_reference = models.CharField(_("psp reference"), max_length=128, blank=True, db_index=True)
    type = models.CharField(_("type"), max_length=32, blank=True)
    gross = models.DecimalField(_("gross"), **MONEY_FIELD)
    fee = models.DecimalField(_("fee"), **MONEY_FIELD)
    net = models.DecimalField(_("net"), **MONEY_FIELD)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    booking_date = models.CharField(_("booking date"), max_length=32, blank=True)
    ledger_row = models.ForeignKey(
        PaymentTransaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ledger row"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reconciliation line")
        verbose_name_plural = _("reconciliation lines")
        ordering = ["run", "pk"]
        indexes = [models.Index(fields=["run", "finding"], name="reconciliation_finding_idx")]

    def __str__(self) -> str:
        return f"{self.get_finding_display()}: {self.psp_reference or self.merchant_reference}"
