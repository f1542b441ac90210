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
from django_fsm import FSMField, FSMModelMixin, transition

from orders.models import Order
from payments.models.ledger import PaymentTransaction

# The most of a notification's body kept: a provider's is a few hundred bytes.
MAX_BODY = 65536


class NotificationStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    APPLIED = "applied", "Applied"
    DUPLICATE = "duplicate", "Duplicate (applied before)"
    REJECTED = "rejected", "Rejected"


class ProviderNotification(FSMModelMixin, models.Model):
    provider = models.CharField(max_length=32)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.TextField(help_text="The body as it came (cut at 64 KiB).")
    signature = models.CharField(max_length=200, blank=True)
    # Read from the body once verified (or as far as it could be read).
    intent = models.CharField(max_length=16, blank=True)
    transaction_reference = models.CharField(max_length=128, blank=True, db_index=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    success = models.BooleanField(null=True)
    status = FSMField(
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.RECEIVED,
        protected=True,
    )
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was not applied.")
    answered = models.PositiveSmallIntegerField(null=True, help_text="The HTTP status answered.")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settlement = models.ForeignKey(
        PaymentTransaction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text="The ledger row it wrote (or, for a duplicate, the one written before).",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "received_at"], name="notification_status_idx")]

    def __str__(self) -> str:
        return f"{self.provider} notification {self.transaction_reference or self.pk}"

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
