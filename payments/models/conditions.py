"""The conditions of a payment's transitions, each with the sentence it refuses
with, and who may take the refunds and the void."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fsm import order_not_on_hold, refuses_with

if TYPE_CHECKING:
    from payments.models.payment import Payment


@refuses_with(_("{obj} has nothing left to capture."))
def has_open_authorization(payment: Payment) -> bool:
    return payment.open_amount > 0


order_is_not_on_hold = order_not_on_hold(through="order", until="before capturing")


@refuses_with(_("{obj} has a capture requested and not settled yet: wait for the provider."))
def has_no_capture_requested(payment: Payment) -> bool:
    return not payment.capture_requested_amount


@refuses_with(_("{obj} has a refund requested and not settled yet: wait for the provider."))
def has_no_refund_requested(payment: Payment) -> bool:
    return not payment.refund_requested_amount


@refuses_with("{obj.expiry_sentence}")
def authorization_not_expired(payment: Payment) -> bool:
    expires = payment.authorization_expires_at
    return expires is None or expires > timezone.now()


@refuses_with(_("The authorization of {obj.order} does not expire."))
def has_expiry(payment: Payment) -> bool:
    return payment.authorization_expires_at is not None


@refuses_with(_("{obj} has nothing captured left to refund."))
def has_refundable_amount(payment: Payment) -> bool:
    return payment.refundable_amount > 0


@refuses_with(_("{obj} has no authorization left to release."))
def has_authorization_to_release(payment: Payment) -> bool:
    return payment.open_amount > 0


@refuses_with(_("{obj.order} still has products to ship or shipments to pay."))
def has_nothing_left_to_capture(payment: Payment) -> bool:
    return payment.order.has_nothing_left_to_capture()


@refuses_with(
    _("Part of the authorization of {obj.order} was released: refund instead of marking unpaid.")
)
def has_nothing_released(payment: Payment) -> bool:
    return not payment.released_amount


# Who may refund depends on what the refund is for, so each is its own transition:
# the money of a return goes back with the return's own permission (Finance), a
# goodwill refund is Back-office admin's, and the money of cancelled products goes
# back with the cancellation.
GOODWILL_REFUND = "payments.goodwill_refund"
RETURN_REFUND = "returns.refund_return"


def may_void(payment: Payment, user) -> bool:
    """Voiding releases the money held for an order that will not ship, so whoever
    may cancel the order may release its authorization."""
    return user.has_perm("payments.void_payment") or user.has_perm("orders.cancel_order")
