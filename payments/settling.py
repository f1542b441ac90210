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

from core.actors import Actor, actor_name, actor_user
from core.errors import DomainError
from core.money import format_money
from outbox.event_types import EventType
from payments.models import Payment, PaymentTransaction
from payments.recording import lock_payment, transition_payment

Kind = PaymentTransaction.Kind
Outcome = PaymentTransaction.Outcome

# (kind, succeeded) → the payment's transition, what integrations are told, the verb.
SETTLEMENTS = {
    (Kind.CAPTURE, True): ("settle_capture", EventType.PAYMENT_CAPTURED, "Capture settled"),
    (Kind.CAPTURE, False): ("fail_capture", EventType.PAYMENT_UPDATED, "Capture failed"),
    (Kind.REFUND, True): ("settle_refund", EventType.PAYMENT_REFUNDED, "Refund settled"),
    (Kind.REFUND, False): ("fail_refund", EventType.PAYMENT_UPDATED, "Refund failed"),
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
        return f"The currency {currency} is not the payment's, {payment.currency}."
    if amount != request.amount:
        asked = format_money(request.amount, payment.currency)
        return f"The amount {amount} is not the {asked} requested."
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
        name, publishes, verb = SETTLEMENTS[(request.kind, succeeded)]
        row = _settlement_row(request, succeeded=succeeded, message=message, raw=raw, by=by)
        what = f" for shipment {request.shipment_ref}" if request.shipment_ref else ""
        reason = f": {message.strip().rstrip('.')}" if not succeeded and message.strip() else ""
        transition_payment(
            payment,
            getattr(payment, name),
            by=by,
            row=row,
            message=f"{verb}: {format_money(request.amount, payment.currency)}{what}{reason}.",
            publishes=publishes,
            amount=request.amount,
        )
    return Settled(row, fresh=True)


def _open_request(payment: Payment, request_id: int) -> PaymentTransaction:
    request = payment.transactions.filter(pk=request_id, outcome=Outcome.PENDING).first()
    if request is None:
        raise DomainError(f"{payment} has no request #{request_id} to settle.")
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
