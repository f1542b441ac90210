"""A provider's notification, recorded as it came before anything is done with it.

Every notification posted to `/payments/notifications/<provider>` (and every one
the test provider hands over in-process) is a row here first, raw; then it is
applied through the payment services, or not: a duplicate of one applied
already, or rejected (forged, stale, malformed, an unknown reference, money that
does not match the request). Finance reads the list in the admin; nothing but
its transitions changes a row after it is written.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from orders.models import Order
from payments.models.ledger import PaymentTransaction

# The most of a notification's body kept: a provider's is a few hundred bytes.
MAX_BODY = 65536


class NotificationStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    APPLIED = "applied", _("Applied")
    DUPLICATE = "duplicate", _("Duplicate (applied before)")
    REJECTED = "rejected", _("Rejected")


class ProviderNotification(FSMModelMixin, models.Model):
    provider = models.CharField(_("provider"), max_length=32)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    body = models.TextField(_("body"), help_text=_("The body as it came (cut at 64 KiB)."))
    signature = models.CharField(_("signature"), max_length=200, blank=True)
    # Read from the body once verified (or as far as it could be read).
    intent = models.CharField(_("intent"), max_length=16, blank=True)
    transaction_reference = models.CharField(
        _("transaction reference"), max_length=128, blank=True, db_index=True
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    success = models.BooleanField(_("success"), null=True)
    status = FSMField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.RECEIVED,
        protected=True,
    )
    reason = models.CharField(
        _("reason"), max_length=500, blank=True, help_text=_("Why it was not applied.")
    )
    answered = models.PositiveSmallIntegerField(
        _("answered"), null=True, help_text=_("The HTTP status answered.")
    )
    order = models.ForeignKey(
        Order,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("order"),
    )
    settlement = models.ForeignKey(
        PaymentTransaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        verbose_name=_("settlement"),
        help_text=_("The ledger row it wrote (or, for a duplicate, the one written before)."),
    )

    class Meta:
        verbose_name = _("provider notification")
        verbose_name_plural = _("provider notifications")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="notification_status_idx")]

    def __str__(self) -> str:
        return gettext("%(provider)s notification %(reference)s") % {
            "provider": self.provider,
            "reference": self.transaction_reference or self.pk,
        }

    @property
    def state_label(self) -> str:
        return self.get_status_display()

    # Transitions: one per outcome, from Received only; no permission (the
    # endpoint's caller is the provider, authenticated by its signature).

    @transition(field=status, source=NotificationStatus.RECEIVED, target=NotificationStatus.APPLIED)
    def apply(self, *, settlement: PaymentTransaction | None, answered: int) -> None:
        self.settlement = settlement
        self.answered = answered

    @transition(
        field=status, source=NotificationStatus.RECEIVED, target=NotificationStatus.DUPLICATE
    )
    def ignore(self, *, settlement: PaymentTransaction | None, answered: int) -> None:
        self.settlement = settlement
        self.answered = answered

    @transition(
        field=status, source=NotificationStatus.RECEIVED, target=NotificationStatus.REJECTED
    )
    def reject(self, *, reason: str, answered: int) -> None:
        self.reason = reason[:500]
        self.answered = answered
