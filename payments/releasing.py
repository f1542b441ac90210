"""Giving an authorization back: void it (an order cancelled before any capture)
or release what is left (an order that needs no more money).

Both are ledger rows of kind void, under the same locks and rules as the other
payment services (`payments.services`, whose docstring says how a decline is
raised after the service's own block).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor, process
from core.fsm import ensure_allowed
from core.money import format_money
from orders.models import Order
from outbox.event_types import EventType
from payments.errors import PaymentDeclined, unless_declined
from payments.gateways import gateway_for
from payments.models import Payment, PaymentTransaction, Purpose
from payments.recording import (
    decline_error,
    lock_payment,
    record_call,
    transition_payment,
)


def void_payment(*, order_id: int, by: Actor) -> PaymentTransaction:
    """Release the whole authorization of a payment nothing was captured from.

    Cancelling an order calls this inside its transaction. On a decline, raises
    `PaymentDeclined` after its own block (see the module docstring).
    """
    return _give_back_open_amount(
        order_id,
        by=by,
        transition="void",
        publishes=EventType.PAYMENT_VOIDED,
        purpose=Purpose.VOID,
        done=lambda amount: _("Authorization of %(amount)s voided.") % {"amount": amount},
    )


def release_remaining_authorization(*, order_id: int, by: Actor) -> PaymentTransaction:
    """Give back what is authorized and not captured once the order needs no more.

    Allowed when every unit is shipped or cancelled and every shipment paid.
    A ledger row of kind void with the amount released; the payment's status
    then says what is left ("Captured" with nothing open). On a decline,
    raises `PaymentDeclined` after its own block (see the module docstring).
    """
    return _give_back_open_amount(
        order_id,
        by=by,
        transition="release",
        publishes=EventType.PAYMENT_RELEASED,
        purpose=Purpose.RELEASE,
        done=lambda amount: (
            _("Released the remaining authorization of %(amount)s.") % {"amount": amount}
        ),
    )


def _give_back_open_amount(
    order_id: int,
    *,
    by: Actor,
    transition: str,
    publishes: str,
    purpose: str,
    done: Callable[[str], str],
) -> PaymentTransaction:
    """Void the payment's open amount at the provider through `transition`
    (`void` or `release`), which decides when that is allowed."""
    with transaction.atomic():
        payment = lock_payment(order_id)
        ensure_allowed(getattr(payment, transition), by=by)
        amount = payment.open_amount
        result = gateway_for(payment.method).void(payment, amount)
        row = record_call(payment, purpose=purpose, amount=amount, result=result, by=by)
        if result.approved:
            transition_payment(
                payment,
                getattr(payment, transition),
                by=by,
                row=row,
                publishes=publishes,
                message=done(format_money(amount, payment.currency)),
            )
    if not result.approved:
        raise decline_error(payment, operation=transition, amount=amount, result=result)
    return row


AUTOMATIC_RELEASE = process("system", "release_authorization")


def release_when_settled(order: Order) -> PaymentDeclined | None:
    """Release the rest of the authorization if the order needs no more money.

    The automatic path, for a caller holding the order lock inside its own
    transaction (an order completing, products cancelled): it does nothing when
    the order has no payment, nothing open, or something still to capture, and
    returns the provider's decline instead of raising it, so the step that
    settled the order stands and the failed ledger row is kept.
    """
    payment = Payment.objects.filter(order=order).first()
    if payment is None or not payment.open_amount or not order.has_nothing_left_to_capture():
        return None
    if payment.capture_requested_amount:
        return None  # released once the request settles (`payments.settling`)
    return unless_declined(
        lambda: release_remaining_authorization(order_id=order.pk, by=AUTOMATIC_RELEASE)
    )
