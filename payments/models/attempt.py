"""A payment begun at a hosted payment page, before any order exists.

`POST /payment` opens an attempt for the selection's grand total; the buyer
approves or declines at the provider's page, and the provider's signed word
(its server-to-server notification, or the parameters it hands the buyer's
return page) settles it: placed (the order and its authorization exist) or
declined. An attempt the buyer walks away from is cancelled when it times out
or a new one is begun. The attempt's status moves only through its transitions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from core.money import MONEY_FIELD
from orders.models import Order


class AttemptStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("payment attempt", "Open")
    PLACED = "placed", pgettext_lazy("payment attempt", "Placed")
    DECLINED = "declined", pgettext_lazy("payment attempt", "Declined")
    CANCELLED = "cancelled", pgettext_lazy("payment attempt", "Cancelled")


class PaymentAttempt(FSMModelMixin, models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payment_attempts")
    reference = models.CharField(max_length=64, unique=True, editable=False)
    provider = models.CharField(max_length=32)
    payment_method = models.CharField(max_length=64)
    amount = models.DecimalField(**MONEY_FIELD)
    currency = models.CharField(max_length=3)
    return_page = models.URLField(max_length=2000)
    failed_page = models.URLField(max_length=2000, blank=True)
    status = FSMField(
        max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.OPEN, protected=True
    )
    transaction_reference = models.CharField(max_length=128, blank=True)
    # The actor the order will be placed by, e.g. "storefront:web".
    by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        ordering = ["-pk"]
        constraints = [
            # A selection pays through one attempt at a time.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="open"), name="payment_attempt_one_open"
            ),
            # One order per selection: at most one attempt of it is ever placed.
            models.UniqueConstraint(
                fields=["order"], condition=Q(status="placed"), name="payment_attempt_one_placed"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @transition(field=status, source=AttemptStatus.OPEN, target=AttemptStatus.PLACED)
    def place(self, *, transaction_reference: str, at) -> None:
        self.transaction_reference = transaction_reference
        self.settled_at = at

    @transition(field=status, source=AttemptStatus.OPEN, target=AttemptStatus.DECLINED)
    def decline(self, *, transaction_reference: str, at) -> None:
        self.transaction_reference = transaction_reference
        self.settled_at = at

    @transition(field=status, source=AttemptStatus.OPEN, target=AttemptStatus.CANCELLED)
    def cancel(self, *, at) -> None:
        self.settled_at = at
