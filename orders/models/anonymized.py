"""What an anonymised customer leaves behind: a keyed hash of the e-mail, never the address.

A repeated erasure request is answered "already anonymised" by hashing the
address it names and looking the hash up. The hash is an HMAC-SHA256 keyed
with a key derived from SECRET_KEY (Django's `salted_hmac` with this module's
salt), so the table alone cannot be searched by hashing guessed addresses.
Rotating SECRET_KEY makes the old rows unmatchable: the orders stay anonymised,
only the "already" answer is lost.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HASH_SALT = "centra-orders.anonymized-customer"


def normalized_email(email: str) -> str:
    """As orders store it (`Order.save`): stripped and lower-cased."""
    return email.strip().lower()


def email_hash(email: str) -> str:
    return salted_hmac(HASH_SALT, normalized_email(email), algorithm="sha256").hexdigest()


class AnonymizedCustomer(models.Model):
    """One erased customer: the keyed hash of their e-mail, when, how many orders, by whom."""

    email_hash = models.CharField(_("email hash"), max_length=64, unique=True, editable=False)
    anonymized_at = models.DateTimeField(_("anonymized at"), default=timezone.now)
    orders_count = models.PositiveIntegerField(_("orders count"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("user"),
    )
    actor = models.CharField(_("actor"), max_length=150)

    class Meta:
        verbose_name_plural = _("anonymised customers")
        ordering = ["-anonymized_at"]
        verbose_name = _("anonymised customer")

    def __str__(self) -> str:
        return gettext("Customer anonymised on %(date)s") % {
            "date": f"{self.anonymized_at:%Y-%m-%d}"
        }
