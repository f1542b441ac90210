"""The payments app's models; import them from here."""

from payments.models.attempt import AttemptStatus, PaymentAttempt
from payments.models.conditions import (
    GOODWILL_REFUND,
    RETURN_REFUND,
    has_authorization_to_release,
    has_nothing_left_to_capture,
    has_nothing_released,
    has_open_authorization,
    has_refundable_amount,
    may_void,
    order_is_not_on_hold,
)
from payments.models.ledger import (
    KIND_OF_PURPOSE,
    PaymentTransaction,
    PaymentTransactionQuerySet,
    Purpose,
)
from payments.models.notification import NotificationStatus, ProviderNotification
from payments.models.payment import Payment
from payments.models.reconciliation import Finding, ReconciliationLine, ReconciliationRun
from payments.models.states import CAPTURABLE, REFUNDABLE, PaymentStatus, status_for

__all__ = [
    "CAPTURABLE",
    "GOODWILL_REFUND",
    "KIND_OF_PURPOSE",
    "REFUNDABLE",
    "RETURN_REFUND",
    "AttemptStatus",
    "Finding",
    "NotificationStatus",
    "Payment",
    "PaymentAttempt",
    "PaymentStatus",
    "PaymentTransaction",
    "PaymentTransactionQuerySet",
    "ProviderNotification",
    "Purpose",
    "ReconciliationLine",
    "ReconciliationRun",
    "has_authorization_to_release",
    "has_nothing_left_to_capture",
    "has_nothing_released",
    "has_open_authorization",
    "has_refundable_amount",
    "may_void",
    "order_is_not_on_hold",
    "status_for",
]
