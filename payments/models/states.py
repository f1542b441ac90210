"""A payment's statuses, what its amounts stand for, and which status each
transition may lead to from each status it starts in."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, transition

from core.money import ZERO


class PaymentStatus(models.TextChoices):
    # Only in memory, before the first authorization: every saved payment has
    # been authorized or has failed to be.
    NEW = "new", _("Not authorized")
    AUTHORIZED = "authorized", _("Authorized")
    PARTIALLY_CAPTURED = "partially_captured", _("Partially captured")
    CAPTURED = "captured", _("Captured")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    VOIDED = "voided", _("Voided")
    FAILED = "failed", _("Failed")


# States in which part of the authorization may still be open for capture.
CAPTURABLE = [
    PaymentStatus.AUTHORIZED,
    PaymentStatus.PARTIALLY_CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
]
REFUNDABLE = [
    PaymentStatus.PARTIALLY_CAPTURED,
    PaymentStatus.CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
]


def status_for(
    *, authorized: Decimal, captured: Decimal, refunded: Decimal, released: Decimal = ZERO
) -> str:
    """The status the amounts of a live (authorized) payment stand for.

    What was released is no longer open, so a payment captured up to what is
    left of its authorization is Captured, and one with all of it released and
    nothing captured is Voided.
    """
    if not captured:
        return PaymentStatus.VOIDED if released >= authorized else PaymentStatus.AUTHORIZED
    if not refunded:
        return (
            PaymentStatus.CAPTURED
            if captured == authorized - released
            else PaymentStatus.PARTIALLY_CAPTURED
        )
    return PaymentStatus.REFUNDED if refunded == captured else PaymentStatus.PARTIALLY_REFUNDED


# What a capture (through the provider or by hand) and a release can lead to from
# each state they start in. `status_for`'s arithmetic rules out the rest (nothing
# is refunded before something is captured; a release leaves nothing open), so
# each source declares only the statuses its amounts can reach.
CAPTURE_RESULTS = {
    PaymentStatus.AUTHORIZED: (PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED),
    PaymentStatus.PARTIALLY_CAPTURED: (PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED),
    PaymentStatus.PARTIALLY_REFUNDED: (PaymentStatus.PARTIALLY_REFUNDED,),
    PaymentStatus.REFUNDED: (PaymentStatus.PARTIALLY_REFUNDED,),
}
# A request (a provider that settles later) keeps the status: only settled rows count.
REQUEST_CAPTURE_RESULTS = {source: (source,) for source in CAPTURE_RESULTS}
REQUEST_REFUND_RESULTS = {source: (source,) for source in REFUNDABLE}
# What a refund's settlement can lead to from each state a refund request leaves.
REFUND_RESULTS = {
    source: (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED) for source in REFUNDABLE
}
RELEASE_RESULTS = {
    PaymentStatus.AUTHORIZED: (PaymentStatus.VOIDED,),
    PaymentStatus.PARTIALLY_CAPTURED: (PaymentStatus.CAPTURED,),
    PaymentStatus.PARTIALLY_REFUNDED: (PaymentStatus.PARTIALLY_REFUNDED,),
    PaymentStatus.REFUNDED: (PaymentStatus.REFUNDED,),
}


def transition_per_source(results: dict, **options):
    """One `@transition` per source, each allowing only its `results`.

    The method still returns the status its amounts stand for; django-fsm
    refuses a result not declared for the source it started in.
    """

    def decorate(method):
        for source, targets in results.items():
            method = transition(source=source, target=RETURN_VALUE(*targets), **options)(method)
        return method

    return decorate
