"""The payments app's models; import them from here."""

from payments.models.ledger import PaymentTransaction, PaymentTransactionQuerySet
from payments.models.payment import (
    CAPTURABLE,
    GOODWILL_REFUND,
    REFUNDABLE,
    RETURN_REFUND,
    Payment,
    PaymentStatus,
    has_authorization_to_release,
    has_nothing_left_to_capture,
    has_nothing_released,
    has_open_authorization,
    has_refundable_amount,
    may_refund,
    may_void,
    order_is_not_on_hold,
    refund_permission,
    status_for,
)

__all__ = [
    "CAPTURABLE",
    "GOODWILL_REFUND",
    "REFUNDABLE",
    "RETURN_REFUND",
    "Payment",
    "PaymentStatus",
    "PaymentTransaction",
    "PaymentTransactionQuerySet",
    "has_authorization_to_release",
    "has_nothing_left_to_capture",
    "has_nothing_released",
    "has_open_authorization",
    "has_refundable_amount",
    "may_refund",
    "may_void",
    "order_is_not_on_hold",
    "refund_permission",
    "status_for",
]
