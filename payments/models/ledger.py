"""The ledger: one row per call to a payment provider, or per payment recorded by hand.

Rows are written once (a manual payment's reversal sets `reversed_at`, the only
change a row ever gets), so a payment's successful rows always add up to its
amounts (docs/architecture.md, "Money"). A provider that settles later answers a
capture or refund with a *request* (outcome pending); its notification writes a
second row, the settlement (success or failed), that `settles` the request, so
the open requests (pending rows no row settles) add up to the payment's
requested amounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import MONEY_FIELD
from payments.models.payment import Payment


class PaymentTransactionQuerySet(models.QuerySet):
    def refund_of(self, return_ref: str) -> PaymentTransaction | None:
        """The successful refund made for a return, if any (at most one: a constraint)."""
        if not return_ref:
            return None
        rows = self.filter(purpose=Purpose.RETURN_REFUND, return_ref=return_ref)
        done = rows.filter(outcome=PaymentTransaction.Outcome.SUCCESS).first()
        return done or rows.open_requests().first()

    def open_requests(self) -> PaymentTransactionQuerySet:
        """Requests (pending rows) no notification has settled yet."""
        return self.filter(outcome=PaymentTransaction.Outcome.PENDING, settled_by__isnull=True)

    def live_capture_of(self, shipment_ref: str) -> PaymentTransaction | None:
        """The capture (by provider or by hand) that pays a shipment now, if any.

        A capture marked paid by hand and then marked unpaid is reversed, and no
        longer pays it; the partial unique constraint below allows one live row.
        """
        if not shipment_ref:
            return None
        return self.filter(
            kind=PaymentTransaction.Kind.CAPTURE,
            outcome=PaymentTransaction.Outcome.SUCCESS,
            reversed_at__isnull=True,
            shipment_ref=shipment_ref,
        ).first()

    def capture_of(self, shipment_ref: str) -> PaymentTransaction | None:
        """The live capture of a shipment, or its capture request not settled yet."""
        if not shipment_ref:
            return None
        Outcome = PaymentTransaction.Outcome
        # One query: at most one of the two exists (a settled request is no longer open).
        live = Q(outcome=Outcome.SUCCESS, reversed_at__isnull=True)
        requested = Q(outcome=Outcome.PENDING, settled_by__isnull=True)
        rows = self.filter(live | requested, kind=PaymentTransaction.Kind.CAPTURE)
        return rows.filter(shipment_ref=shipment_ref).first()


class Purpose(models.TextChoices):
    """What a row's money moved for: the step that wrote it, never read from its actor."""

    AUTHORIZATION = "authorization", _("Authorization")
    REAUTHORIZATION = "reauthorization", _("Authorization again")
    CAPTURE = "capture", _("Capture")
    REVERSAL = "reversal", _("Payment by hand reversed")
    RETURN_REFUND = "return_refund", _("Return refund")
    GOODWILL_REFUND = "goodwill_refund", _("Goodwill refund")
    CANCELLATION_REFUND = "cancellation_refund", _("Refund of cancelled products")
    VOID = "void", _("Void")
    RELEASE = "release", _("Release of the remaining authorization")


# The provider call (the row's kind) each purpose makes.
KIND_OF_PURPOSE = {
    Purpose.AUTHORIZATION: "authorize",
    Purpose.REAUTHORIZATION: "authorize",
    Purpose.CAPTURE: "capture",
    Purpose.REVERSAL: "reversal",
    Purpose.RETURN_REFUND: "refund",
    Purpose.GOODWILL_REFUND: "refund",
    Purpose.CANCELLATION_REFUND: "refund",
    Purpose.VOID: "void",
    Purpose.RELEASE: "void",
}


def purpose_fits_kind() -> Q:
    """Each purpose with its kind; a return refund, and only it, names its return."""
    fits = Q()
    for purpose, kind in KIND_OF_PURPOSE.items():
        fits |= Q(purpose=purpose.value, kind=kind)
    return_refund = Q(purpose=Purpose.RETURN_REFUND.value)
    return fits & ((return_refund & ~Q(return_ref="")) | (~return_refund & Q(return_ref="")))


class PaymentTransaction(models.Model):
    """One call to a payment provider (or one payment recorded by hand): the ledger."""

    class Kind(models.TextChoices):
        # Nouns: what kind of provider call a ledger row is.
        AUTHORIZE = "authorize", pgettext_lazy("ledger row kind", "Authorize")
        CAPTURE = "capture", pgettext_lazy("ledger row kind", "Capture")
        REVERSAL = "reversal", pgettext_lazy("ledger row kind", "Manual payment reversed")
        REFUND = "refund", pgettext_lazy("ledger row kind", "Refund")
        VOID = "void", pgettext_lazy("ledger row kind", "Void")

    Purpose = Purpose

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILED = "failed", _("Failed")
        PENDING = "pending", _("Pending")

    payment = models.ForeignKey(
        Payment,
        on_delete=models.CASCADE,
        related_name="transactions",
        verbose_name=_("payment"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    purpose = models.CharField(_("purpose"), max_length=24, choices=Purpose.choices)
    amount = models.DecimalField(_("amount"), **MONEY_FIELD)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    manual = models.BooleanField(
        _("manual"),
        default=False,
        help_text=_("Recorded by hand (invoice, bank transfer), not by a provider."),
    )
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    message = models.CharField(
        _("message"), max_length=500, blank=True, help_text=_("The provider's answer.")
    )
    raw_response = models.JSONField(_("raw response"), default=dict, blank=True)
    shipment_ref = models.CharField(
        _("shipment ref"),
        max_length=32,
        blank=True,
        help_text=_("The shipment a capture was for, e.g. 1042-1."),
    )
    reference = models.CharField(
        _("reference"),
        max_length=200,
        blank=True,
        help_text=_("Staff's reference: bank transfer id, refund reason."),
    )
    return_ref = models.CharField(
        _("return ref"),
        max_length=32,
        blank=True,
        help_text=_("The return a refund was for, e.g. 1042-R1."),
    )
    # A settlement row's request (the pending row it settles): one settlement each.
    settles = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="settled_by",
        verbose_name=_("settles"),
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    # Set once, when a payment recorded by hand is marked unpaid; the only change
    # a ledger row ever gets, so the same shipment can be marked paid again.
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("user"),
    )
    actor = models.CharField(
        _("actor"), max_length=150, help_text=_("The user's name, or the command/system.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    objects = PaymentTransactionQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_tx_amount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["payment", "shipment_ref"],
                condition=Q(kind="capture", outcome="success", reversed_at__isnull=True)
                & ~Q(shipment_ref=""),
                name="payment_tx_one_capture_per_shipment",
            ),
            models.CheckConstraint(
                condition=purpose_fits_kind(), name="payment_tx_purpose_fits_kind"
            ),
            # Only captures and refunds are requested; a settlement is never pending.
            models.CheckConstraint(
                condition=~Q(outcome="pending") | Q(kind__in=["capture", "refund"]),
                name="payment_tx_pending_capture_or_refund",
            ),
            models.CheckConstraint(
                condition=Q(settles__isnull=True) | ~Q(outcome="pending"),
                name="payment_tx_settlement_not_pending",
            ),
            models.UniqueConstraint(
                fields=["payment", "return_ref"],
                condition=Q(kind="refund", outcome="success") & ~Q(return_ref=""),
                name="payment_tx_one_refund_per_return",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.outcome})"

    @property
    def succeeded(self) -> bool:
        return self.outcome == self.Outcome.SUCCESS

    @property
    def pending(self) -> bool:
        return self.outcome == self.Outcome.PENDING
