"""Settling a request: the provider's notification about a capture or refund it
accepted earlier (a ledger row with outcome pending).

The settlement is a ledger row of its own, of the request's kind and purpose,
success or failed, that `settles` the request (one settlement per request: a
one-to-one in the database), written with the payment's transition and its
event in one transaction, under the same locks as every payment service (the
order, then the payment). So a notification delivered twice, or at the same
time as a staff step on the same payment, queues on the order row; the second
delivery finds the request settled and changes nothing.

A settlement has no permission and no hold condition: it is the provider's word
about money asked for already. Finding the request and checking the money the
notification names is the caller's (`find_request`, `money_refusal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor, actor_name, actor_user
from core.errors import DomainError
from core.money import format_money
from outbox.event_types import EventType
from payments.models import Payment, PaymentTransaction
from payments.recording import lock_payment, transition_payment

Kind = PaymentTransaction.Kind
Outcome = PaymentTransaction.Outcome

# (kind, succeeded) → the payment's transition, what integrations are told.
SETTLEMENTS = {
    (Kind.CAPTURE, True): ("settle_capture", EventType.PAYMENT_CAPTURED),
    (Kind.CAPTURE, False): ("fail_capture", EventType.PAYMENT_UPDATED),
    (Kind.REFUND, True): ("settle_refund", EventType.PAYMENT_REFUNDED),
    (Kind.REFUND, False): ("fail_refund", EventType.PAYMENT_UPDATED),
}

# (kind, succeeded, for a shipment, with the provider's reason) → the event's sentence,
# with `%(amount)s`, `%(shipment)s` and `%(reason)s`. Only a failure gives a reason.
SETTLEMENT_SENTENCES = {
    (Kind.CAPTURE, True, False, False): gettext_lazy("Capture settled: %(amount)s."),
    (Kind.CAPTURE, True, True, False): gettext_lazy(
        "Capture settled: %(amount)s for shipment %(shipment)s."
    ),
    (Kind.CAPTURE, False, False, False): gettext_lazy("Capture failed: %(amount)s."),
    (Kind.CAPTURE, False, True, False): gettext_lazy(
        "Capture failed: %(amount)s for shipment %(shipment)s."
    ),
    (Kind.CAPTURE, False, False, True): gettext_lazy("Capture failed: %(amount)s: %(reason)s."),
    (Kind.CAPTURE, False, True, True): gettext_lazy(
        "Capture failed: %(amount)s for shipment %(shipment)s: %(reason)s."
    ),
    (Kind.REFUND, True, False, False): gettext_lazy("Refund settled: %(amount)s."),
    (Kind.REFUND, True, True, False): gettext_lazy(
        "Refund settled: %(amount)s for shipment %(shipment)s."
    ),
    (Kind.REFUND, False, False, False): gettext_lazy("Refund failed: %(amount)s."),
    (Kind.REFUND, False, True, False): gettext_lazy(
        "Refund failed: %(amount)s for shipment %(shipment)s."
    ),
    (Kind.REFUND, False, False, True): gettext_lazy("Refund failed: %(amount)s: %(reason)s."),
    (Kind.REFUND, False, True, True): gettext_lazy(
        "Refund failed: %(amount)s for shipment %(shipment)s: %(reason)s."
    ),
}


@dataclass(frozen=True)
class Settled:
    """The settlement row, and whether this call wrote it (False: settled before)."""

    row: PaymentTransaction
    fresh: bool


def find_request(*, provider: str, reference: str) -> PaymentTransaction | None:
    """The request a provider's transaction reference names (settled or not)."""
    if not reference:
        return None
    return (
        PaymentTransaction.objects.filter(
            payment__provider=provider, provider_reference=reference, outcome=Outcome.PENDING
        )
        .select_related("payment")
        .first()
    )


def money_refusal(request: PaymentTransaction, *, amount: Decimal, currency: str) -> str | None:
    """Why a notification's money is not the request's (one sentence), or None."""
    payment = request.payment
    if currency != payment.currency:
        return _("The currency %(currency)s is not the payment's, %(payment_currency)s.") % {
            "currency": currency,
            "payment_currency": payment.currency,
        }
    if amount != request.amount:
        asked = format_money(request.amount, payment.currency)
        return _("The amount %(amount)s is not the %(asked)s requested.") % {
            "amount": amount,
            "asked": asked,
        }
    return None


def settle_request(
    *, order_id: int, request_id: int, succeeded: bool, message: str, raw: dict, by: Actor
) -> Settled:
    """Settle the request once: its settlement row and the payment's transition.

    Called inside the caller's transaction when a shipment moves with it (the
    shipment is locked first, as the lock order says). A request settled before
    is answered with its settlement, nothing written.
    """
    with transaction.atomic():
        payment = lock_payment(order_id)
        request = _open_request(payment, request_id)
        done = PaymentTransaction.objects.filter(settles=request).first()
        if done:
            return Settled(done, fresh=False)
        name, publishes = SETTLEMENTS[(request.kind, succeeded)]
        row = _settlement_row(request, succeeded=succeeded, message=message, raw=raw, by=by)
        with_reason = not succeeded and bool(message.strip())
        reason = message.strip().rstrip(".") if with_reason else ""
        sentence = SETTLEMENT_SENTENCES[
            (request.kind, succeeded, bool(request.shipment_ref), with_reason)
        ]
        words = {
            "amount": format_money(request.amount, payment.currency),
            "shipment": request.shipment_ref,
            "reason": reason,
        }
        transition_payment(
            payment,
            getattr(payment, name),
            by=by,
            row=row,
            message=sentence % words,
            publishes=publishes,
            amount=request.amount,
        )
    return Settled(row, fresh=True)


def _open_request(payment: Payment, request_id: int) -> PaymentTransaction:
    request = payment.transactions.filter(pk=request_id, outcome=Outcome.PENDING).first()
    if request is None:
        raise DomainError(
            _("%(payment)s has no request #%(request)s to settle.")
            % {"payment": payment, "request": request_id}
        )
    return request


def _settlement_row(
    request: PaymentTransaction, *, succeeded: bool, message: str, raw: dict, by: Actor
) -> PaymentTransaction:
    return PaymentTransaction.objects.create(
        payment=request.payment,
        kind=request.kind,
        purpose=request.purpose,
        amount=request.amount,
        outcome=Outcome.SUCCESS if succeeded else Outcome.FAILED,
        provider_reference=request.provider_reference,
        message=message[:500],
        raw_response=raw,
        shipment_ref=request.shipment_ref,
        return_ref=request.return_ref,
        reference=request.reference,
        settles=request,
        user=actor_user(by),
        actor=actor_name(by),
    )
