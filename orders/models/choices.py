"""The order's fixed vocabularies: Centra's statuses, hold kinds, address columns."""

from __future__ import annotations

from django.db import models


class OrderStatus(models.IntegerChoices):
    """Centra's order statuses, with Centra's numbers."""

    INCOMPLETE = 0, "Incomplete"
    PENDING = 1, "Pending"
    CONFIRMED = 2, "Confirmed"
    PROCESSING = 3, "Processing"
    COMPLETED = 4, "Completed"
    ARCHIVED = 5, "Archived"
    CANCELLED = 6, "Cancelled"


OPEN_STATUSES = [OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PROCESSING]

# The billing and shipping addresses' columns, in the order forms and APIs show them.
ADDRESS_FIELDS = tuple(
    f"{kind}_{part}"
    for kind in ("billing", "shipping")
    for part in ("name", "street", "city", "zipcode", "country")
)


class HoldKind(models.TextChoices):
    MANUAL = "manual", "Manual"
    PAYMENT_MISMATCH = "payment_mismatch", "Payment mismatch"
    FRAUD_CHECK = "fraud_check", "Fraud check"
    WAITING_FOR_PAYMENT = "waiting_for_payment", "Waiting for payment"
    # A provider's notification said a requested capture failed.
    CAPTURE_FAILED = "capture_failed", "Capture failed"
    # Its authorization lapses soon (`hold_expiring_authorizations`).
    PAYMENT_EXPIRING = "payment_expiring", "Payment expiring"


class OrderOrigin(models.TextChoices):
    """Where an order was made: a storefront's checkout, or staff in the back office
    (an order of their own, an exchange from a return, a resend of a shipment)."""

    STOREFRONT = "storefront", "Storefront"
    BACK_OFFICE = "back_office", "Back office"
    EXCHANGE = "exchange", "Exchange"
    RESEND = "resend", "Resend"
