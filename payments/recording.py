"""How the payment services record what they do: the lock they start with, the
ledger row of every provider call (`payments.models.ledger`), and the payment's event.

Locks follow the one lock order written down in `orders.locks`: the order row
first, the payment row last.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor, actor_name, actor_user
from core.errors import DomainError
from core.fsm import run_transition
from core.money import exact_amount, format_money
from orders.events import Publishes, record_event
from orders.locks import lock_with_order
from orders.models import OrderEvent
from payments.errors import PaymentDeclined
from payments.gateways import GatewayResult
from payments.models import KIND_OF_PURPOSE, Payment, PaymentTransaction

Outcome = PaymentTransaction.Outcome


def lock_payment(order_id: int) -> Payment:
    """Lock the order, then its payment (the order services' lock order)."""
    return lock_with_order(
        Payment.objects.all(),
        order_id=order_id,
        gone=lambda order: _("%(order)s has no payment.") % {"order": order},
    )


# `parse_amount`'s refusal of an amount of zero or less, per verb.
NOT_ABOVE_ZERO = {
    "authorize": gettext_lazy("Give an amount above zero to authorize."),
    "capture": gettext_lazy("Give an amount above zero to capture."),
    "refund": gettext_lazy("Give an amount above zero to refund."),
}

# `decline_error`'s sentence per operation, with `%(amount)s`, `%(order)s`, `%(reason)s`.
DECLINED = {
    "authorize": gettext_lazy(
        "The payment provider declined to authorize %(amount)s for %(order)s: %(reason)s."
    ),
    "capture": gettext_lazy(
        "The payment provider declined to capture %(amount)s for %(order)s: %(reason)s."
    ),
    "refund": gettext_lazy(
        "The payment provider declined to refund %(amount)s for %(order)s: %(reason)s."
    ),
    "void": gettext_lazy(
        "The payment provider declined to void %(amount)s for %(order)s: %(reason)s."
    ),
    "release": gettext_lazy(
        "The payment provider declined to release %(amount)s for %(order)s: %(reason)s."
    ),
}


def parse_amount(amount: Decimal, payment: Payment, *, verb: str) -> Decimal:
    try:
        amount = exact_amount(amount, payment.currency)
    except ValueError as error:
        raise DomainError(str(error)) from None
    if amount <= 0:
        raise DomainError(str(NOT_ABOVE_ZERO[verb]))
    return amount


def record_call(
    payment: Payment,
    *,
    purpose: str,
    amount: Decimal,
    result: GatewayResult,
    by: Actor,
    shipment_ref: str = "",
    reference: str = "",
    manual: bool = False,
    return_ref: str = "",
) -> PaymentTransaction:
    """The ledger row of one provider call, of the kind its purpose makes."""
    return PaymentTransaction.objects.create(
        payment=payment,
        kind=KIND_OF_PURPOSE[purpose],
        purpose=purpose,
        amount=amount,
        outcome=outcome_of(result),
        manual=manual,
        provider_reference=result.reference,
        message=result.message[:500],
        raw_response=result.raw,
        shipment_ref=shipment_ref,
        reference=reference,
        return_ref=return_ref,
        user=actor_user(by),
        actor=actor_name(by),
    )


def outcome_of(result: GatewayResult) -> str:
    if not result.approved:
        return Outcome.FAILED
    return Outcome.PENDING if result.pending else Outcome.SUCCESS


def decline_error(payment: Payment, *, operation: str, amount: Decimal, result: GatewayResult):
    reason = result.message.strip().rstrip(".") or _("no reason given")
    words = {
        "amount": format_money(amount, payment.currency),
        "order": payment.order,
        "reason": reason,
    }
    return PaymentDeclined(
        DECLINED[operation] % words,
        operation=operation,
        amount=amount,
        provider_message=result.message,
    )


def transition_payment(
    payment: Payment,
    method,
    *,
    by: Actor,
    row: PaymentTransaction,
    message: str,
    publishes: Publishes,
    event: str = "",
    **kwargs,
) -> OrderEvent:
    """Run the transition, save the payment and write its event (named after the
    transition unless `event` names it)."""
    from_status, to_status = run_transition(method, by=by, **kwargs)
    payment.save()
    return record_payment_event(
        payment,
        by=by,
        row=row,
        transition=event or f"payment_{method.__name__}",
        publishes=publishes,
        from_status=from_status,
        to_status=to_status,
        message=message,
    )


def record_payment_event(
    payment: Payment,
    *,
    by: Actor,
    row: PaymentTransaction,
    transition: str,
    publishes: Publishes,
    from_status: str,
    to_status: str,
    message: str,
) -> OrderEvent:
    return record_event(
        order=payment.order,
        by=by,
        transition=transition,
        publishes=publishes,
        from_state=from_status,
        to_state=to_status,
        subject=OrderEvent.Subject.PAYMENT,
        subject_ref=row.shipment_ref or row.return_ref,
        message=message,
        data={
            "transaction": row.pk,
            "kind": row.kind,
            "purpose": row.purpose,
            "amount": str(row.amount),
            "currency": payment.currency,
            "shipment": row.shipment_ref,
            "return": row.return_ref,
            "authorized": str(payment.authorized_amount),
            "captured": str(payment.captured_amount),
            "refunded": str(payment.refunded_amount),
            "released": str(payment.released_amount),
        },
    )
