"""The order's fixed vocabularies: Centra's statuses, hold kinds, address columns."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.IntegerChoices):
    """Centra's order statuses, with Centra's numbers."""

    INCOMPLETE = 0, _("Incomplete")
    PENDING = 1, _("Pending")
    CONFIRMED = 2, _("Confirmed")
    PROCESSING = 3, _("Processing")
    COMPLETED = 4, _("Completed")
    ARCHIVED = 5, _("Archived")
    CANCELLED = 6, _("Cancelled")


OPEN_STATUSES = [OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PROCESSING]

# The billing and shipping addresses' columns, in the order forms and APIs show them.
ADDRESS_FIELDS = tuple(
    f"{kind}_{part}"
    for kind in ("billing", "shipping")
    for part in ("name", "street", "city", "zipcode", "country")
)


class HoldKind(models.TextChoices):
    MANUAL = "manual", _("Manual")
    PAYMENT_MISMATCH = "payment_mismatch", _("Payment mismatch")
    FRAUD_CHECK = "fraud_check", _("Fraud check")
    WAITING_FOR_PAYMENT = "waiting_for_payment", _("Waiting for payment")
    # A provider's notification said a requested capture failed.
    CAPTURE_FAILED = "capture_failed", _("Capture failed")
    # Its authorization lapses soon (`hold_expiring_authorizations`).
    PAYMENT_EXPIRING = "payment_expiring", _("Payment expiring")


class OrderOrigin(models.TextChoices):
    """Where an order was made: a storefront's checkout, or staff in the back office
    (an order of their own, an exchange from a return, a resend of a shipment)."""

    STOREFRONT = "storefront", _("Storefront")
    BACK_OFFICE = "back_office", _("Back office")
    EXCHANGE = "exchange", _("Exchange")
    RESEND = "resend", _("Resend")
