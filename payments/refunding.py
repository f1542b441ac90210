"""Giving captured money back: a goodwill refund, a return's money, or what was
paid for products now cancelled. Each is its own transition of `Payment`, with
its own permission, and its ledger row's purpose says which.

Under the same locks and rules as the other payment services (`payments.services`,
whose docstring says how a decline is raised after the service's own block).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError
from core.fsm import ensure_allowed
from core.money import format_money
from outbox.event_types import EventType
from payments.gateways import gateway_for
from payments.models import PaymentTransaction, Purpose
from payments.recording import (
    decline_error,
    lock_payment,
    parse_amount,
    record_call,
    transition_payment,
)


def refund_payment(
    *, order_id: int, amount: Decimal, reason: str, by: Actor, return_ref: str = ""
) -> PaymentTransaction:
    """Refund part or all of what was captured, with a reason.

    Without `return_ref` it is a goodwill refund (`Payment.refund_goodwill`); with
    it ("1042-R1") it is the money of that return (`Payment.refund_return`, each
    with its own permission), idempotent per return like a capture per shipment:
    the return's refund made already is returned and nothing more is refunded (a
    partial unique constraint holds this in the database too). A provider that
    settles later answers with a request (`Payment.request_refund`, pending) that
    its notification settles (`payments.settling`). On a decline,
    raises `PaymentDeclined` after its own block (see the module docstring for
    callers inside their own transaction).
    """
    purpose = Purpose.RETURN_REFUND if return_ref else Purpose.GOODWILL_REFUND
    return _refund(
        order_id=order_id,
        amount=amount,
        reason=reason,
        by=by,
        purpose=purpose,
        return_ref=return_ref,
    )


def refund_cancelled_products(
    *, order_id: int, amount: Decimal, reason: str, by: Actor
) -> PaymentTransaction:
    """Give back what was captured for products now cancelled, as part of cancelling
    them (`Payment.refund_cancelled_products`). Declines like `refund_payment`."""
    return _refund(
        order_id=order_id,
        amount=amount,
        reason=reason,
        by=by,
        purpose=Purpose.CANCELLATION_REFUND,
        return_ref="",
    )


# The transition each refund takes: what it is for decides who may make it.
REFUND_TRANSITIONS = {
    Purpose.GOODWILL_REFUND: "refund_goodwill",
    Purpose.RETURN_REFUND: "refund_return",
    Purpose.CANCELLATION_REFUND: "refund_cancelled_products",
}


def _refund(
    *, order_id: int, amount: Decimal, reason: str, by: Actor, purpose: str, return_ref: str
) -> PaymentTransaction:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give a reason for the refund."))
    with transaction.atomic():
        payment = lock_payment(order_id)
        already = payment.transactions.refund_of(return_ref)
        if already:
            return already
        method = getattr(payment, REFUND_TRANSITIONS[purpose])
        ensure_allowed(method, by=by)
        amount = parse_amount(amount, payment, verb="refund")
        if amount > payment.refundable_amount:
            raise DomainError(
                _("%(order)s has %(refundable)s captured and not refunded, less than %(amount)s.")
                % {
                    "order": payment.order,
                    "refundable": format_money(payment.refundable_amount, payment.currency),
                    "amount": format_money(amount, payment.currency),
                }
            )
        result = gateway_for(payment.method).refund(payment, amount)
        row = record_call(
            payment,
            purpose=purpose,
            amount=amount,
            result=result,
            by=by,
            reference=reason,
            return_ref=return_ref,
        )
        words = {"amount": format_money(amount, payment.currency), "reason": reason}
        if result.pending:
            transition_payment(
                payment,
                payment.request_refund,
                by=by,
                row=row,
                message=_("Refund requested: %(amount)s: %(reason)s") % words,
                publishes=EventType.PAYMENT_UPDATED,
                event="payment_refund_requested",
                amount=amount,
            )
        elif result.approved:
            transition_payment(
                payment,
                method,
                by=by,
                row=row,
                message=_("Refunded %(amount)s: %(reason)s") % words,
                # Every refund is one event to integrations; its data says what for.
                publishes=EventType.PAYMENT_REFUNDED,
                event="payment_refund",
                amount=amount,
            )
    if not result.approved:
        raise decline_error(payment, operation="refund", amount=amount, result=result)
    return row
