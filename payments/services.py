"""Payment services: the only way a payment's state and amounts change.

Each service locks the order row and then the payment row (`orders.locks`
sets the order of locks for everyone), checks
the transition (state, conditions, the actor's permission) and the amount,
calls the provider, records the call as a `PaymentTransaction`, runs the
transition, saves and writes an `OrderEvent` — in one transaction.

When the provider declines, the service records a failed transaction row and
nothing else (no change of amounts, state or events), lets its transaction
block exit so that row is kept, and only then raises `PaymentDeclined`. A
caller that calls these services inside its own `transaction.atomic()` goes
through `payments.errors.unless_declined` (a block left by the exception would
roll the failed row back):

    with transaction.atomic():
        ...
        declined = unless_declined(lambda: capture_payment(order_id=..., amount=..., by=by))
        if not declined:
            ...  # the changes that depend on the capture
    if declined:
        raise declined

Refusals (wrong state, missing permission, amount too large) are plain
`DomainError`s raised inside the block: nothing at all is written.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor, actor_name, actor_user
from core.errors import DomainError
from core.fsm import ensure_allowed, run_transition
from core.money import format_money, quantize
from orders.models import Order
from outbox.event_types import EventType
from payments.expiry import expiry_of, renew_authorization  # noqa: F401
from payments.gateways import GatewayResult, gateway_for
from payments.models import Payment, PaymentTransaction, Purpose
from payments.recording import (
    decline_error,
    lock_payment,
    parse_amount,
    record_call,
    record_payment_event,
    transition_payment,
)

# Callers read the selectors and the releasing services beside the services.
from payments.refunding import refund_cancelled_products, refund_payment  # noqa: F401
from payments.releasing import (  # noqa: F401
    AUTOMATIC_RELEASE,
    release_remaining_authorization,
    release_when_settled,
    void_payment,
)
from payments.selectors import capture_for_shipment, open_authorization  # noqa: F401

Kind = PaymentTransaction.Kind
Outcome = PaymentTransaction.Outcome


# Services


def authorize_payment(*, order: Order, by: Actor, verified: GatewayResult | None = None) -> Payment:
    """Authorize the order's grand total through the gateway of its payment method.

    `verified` is a hosted provider's answer, already verified (signature, amount,
    currency) by the caller: it is recorded as the authorization instead of asking
    the gateway, so the ledger and the event are the same as for any checkout.

    Called by checkout inside its transaction, with the order locked. A declined
    authorization leaves the payment Failed with the failed transaction row and
    its event, and raises `PaymentDeclined` after this service's own block: the
    caller catches it, lets its block exit without saving the order, and raises
    it again. Checking out again retries the authorization on the same payment.
    """
    if not order.payment_method:
        raise DomainError(_("%(order)s has no payment method.") % {"order": order})
    gateway = gateway_for(order.payment_method)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(order=order).first() or Payment(
            order=order
        )
        payment.order = order
        payment.method = order.payment_method
        payment.provider = gateway.name
        payment.currency = order.currency
        amount = quantize(order.grand_total, order.currency)
        if amount <= 0:
            total = format_money(amount, order.currency)
            raise DomainError(
                _("%(order)s has nothing to pay: its grand total is %(total)s.")
                % {"order": order, "total": total}
            )
        ensure_allowed(payment.authorize, by=by)

        result = verified or gateway.authorize(payment, amount)
        if result.approved:
            payment.provider_reference = result.reference
        from_status, to_status = run_transition(
            payment.authorize,
            by=by,
            amount=amount,
            approved=result.approved,
            expires_at=expiry_of(payment),
        )
        payment.save()
        row = record_call(
            payment, purpose=Purpose.AUTHORIZATION, amount=amount, result=result, by=by
        )
        sentence = (
            _("Authorized %(amount)s (%(method)s).")
            if result.approved
            else _("Authorization declined for %(amount)s (%(method)s).")
        )
        change = (from_status, to_status)
        _record_authorization(
            payment,
            by=by,
            row=row,
            transition="payment_authorize",
            sentence=sentence,
            change=change,
        )
    if not result.approved:
        raise decline_error(payment, operation="authorize", amount=amount, result=result)
    return payment


def _record_authorization(
    payment: Payment, *, by: Actor, row, transition: str, sentence: str, change
):
    """The event of an authorization, first or again, approved or declined; `sentence`
    has the placeholders `%(amount)s` and `%(method)s`."""
    from_status, to_status = change
    record_payment_event(
        payment,
        by=by,
        row=row,
        transition=transition,
        # A declined authorization changes nothing an integration acts on.
        publishes=EventType.PAYMENT_AUTHORIZED if row.outcome == Outcome.SUCCESS else None,
        from_status=from_status,
        to_status=to_status,
        message=sentence
        % {"amount": format_money(row.amount, payment.currency), "method": payment.method},
    )


def _capture(
    *,
    order_id: int,
    amount: Decimal,
    by: Actor,
    shipment_ref: str,
    reference: str,
    manual: bool,
) -> PaymentTransaction:
    with transaction.atomic():
        payment = lock_payment(order_id)
        already = payment.transactions.capture_of(shipment_ref)
        if already:
            return already
        method = payment.record_manual if manual else payment.capture
        ensure_allowed(method, by=by)
        amount = parse_amount(amount, payment, verb="capture")
        if amount > payment.open_amount:
            raise DomainError(
                _("%(order)s has %(open)s authorized and not captured, less than %(amount)s.")
                % {
                    "order": payment.order,
                    "open": format_money(payment.open_amount, payment.currency),
                    "amount": format_money(amount, payment.currency),
                }
            )

        if manual:
            result = GatewayResult(True, reference, _("Payment recorded by hand."))
        else:
            result = gateway_for(payment.method).capture(payment, amount)
        row = record_call(
            payment,
            purpose=Purpose.CAPTURE,
            amount=amount,
            result=result,
            by=by,
            shipment_ref=shipment_ref,
            reference=reference,
            manual=manual,
        )
        words = {"amount": format_money(amount, payment.currency), "shipment": shipment_ref}
        if result.pending:
            if shipment_ref:
                sentence = _(
                    "Capture requested: %(amount)s for shipment %(shipment)s; "
                    "the provider settles it later."
                )
            else:
                sentence = _("Capture requested: %(amount)s; the provider settles it later.")
            transition_payment(
                payment,
                payment.request_capture,
                by=by,
                row=row,
                message=sentence % words,
                publishes=EventType.PAYMENT_UPDATED,
                amount=amount,
            )
        elif result.approved:
            transition_payment(
                payment,
                method,
                by=by,
                row=row,
                message=_captured_sentence(manual=manual, for_shipment=bool(shipment_ref)) % words,
                # Money recorded by hand (an invoice paid) is captured money too.
                publishes=EventType.PAYMENT_CAPTURED,
                amount=amount,
            )
    if not result.approved:
        raise decline_error(payment, operation="capture", amount=amount, result=result)
    return row


def _captured_sentence(*, manual: bool, for_shipment: bool) -> str:
    """The event of a capture (or a payment marked paid), with `%(amount)s` and, for a
    shipment, `%(shipment)s`."""
    if manual:
        if for_shipment:
            return _("Marked as paid: %(amount)s for shipment %(shipment)s.")
        return _("Marked as paid: %(amount)s.")
    if for_shipment:
        return _("Captured: %(amount)s for shipment %(shipment)s.")
    return _("Captured: %(amount)s.")


def capture_payment(
    *, order_id: int, amount: Decimal, by: Actor, shipment_ref: str = ""
) -> PaymentTransaction:
    """Capture `amount` of the order's authorization through its provider.

    A provider that settles later answers with a request: the row is pending,
    the amount is requested (no longer open, not captured) until its
    notification settles it (`payments.settling`). Idempotent per shipment: if
    the shipment (`shipment_ref`, e.g. "1042-1") is already captured or its
    capture requested, the existing transaction is returned and nothing more
    is captured (a partial unique constraint holds this in the database too).
    On a decline, raises `PaymentDeclined` after its own transaction block, with
    the failed row kept: inside your own `atomic()`, catch it, let your block
    exit normally, and raise it again.
    """
    return _capture(
        order_id=order_id,
        amount=amount,
        by=by,
        shipment_ref=shipment_ref,
        reference="",
        manual=False,
    )


def record_manual_payment(
    *,
    order_id: int,
    amount: Decimal,
    by: Actor,
    shipment_ref: str = "",
    reference: str = "",
) -> PaymentTransaction:
    """ "Mark as paid": record money received by hand (bank transfer, invoice).

    No provider is called, so it is never declined. A capture row marked
    `manual`; idempotent per shipment like `capture_payment`.
    """
    return _capture(
        order_id=order_id,
        amount=amount,
        by=by,
        shipment_ref=shipment_ref,
        reference=reference.strip(),
        manual=True,
    )


def reverse_manual_payment(*, order_id: int, shipment_ref: str, by: Actor) -> PaymentTransaction:
    """ "Mark as unpaid": undo a payment recorded by hand for a shipment.

    Refused for a capture made through a provider (that money is refunded
    instead) and once the payment has refunds.
    """
    with transaction.atomic():
        payment = lock_payment(order_id)
        paid = payment.transactions.live_capture_of(shipment_ref)
        if paid is None:
            raise DomainError(
                _("Shipment %(shipment)s has no payment to mark unpaid.")
                % {"shipment": shipment_ref or _("(none)")}
            )
        if not paid.manual:
            raise DomainError(
                _(
                    "Shipment %(shipment)s was captured through the payment provider, "
                    "so it cannot be marked unpaid: refund it instead."
                )
                % {"shipment": shipment_ref}
            )
        ensure_allowed(payment.reverse_manual, by=by)
        paid.reversed_at = timezone.now()
        paid.save(update_fields=["reversed_at"])
        row = PaymentTransaction.objects.create(
            payment=payment,
            kind=Kind.REVERSAL,
            purpose=Purpose.REVERSAL,
            amount=paid.amount,
            outcome=Outcome.SUCCESS,
            manual=True,
            shipment_ref=shipment_ref,
            reverses=paid,
            message=_("Payment recorded by hand reversed."),
            user=actor_user(by),
            actor=actor_name(by),
        )
        transition_payment(
            payment,
            payment.reverse_manual,
            by=by,
            row=row,
            publishes=EventType.PAYMENT_UPDATED,
            message=_("Marked as unpaid: %(amount)s for shipment %(shipment)s.")
            % {"amount": format_money(paid.amount, payment.currency), "shipment": shipment_ref},
            amount=paid.amount,
        )
    return row


def reauthorize_payment(*, order_id: int, amount: Decimal, by: Actor) -> PaymentTransaction:
    """Authorize `amount` again on a voided payment, for an order being restored.

    Called by `restore_order` inside its transaction, with the order locked; a
    decline leaves the payment Voided with the failed ledger row and its event,
    and raises `PaymentDeclined` after this service's own block.
    """
    with transaction.atomic():
        payment = lock_payment(order_id)
        ensure_allowed(payment.reauthorize, by=by)
        amount = parse_amount(amount, payment, verb="authorize")
        result = gateway_for(payment.method).authorize(payment, amount)
        row = record_call(
            payment, purpose=Purpose.REAUTHORIZATION, amount=amount, result=result, by=by
        )
        from_status, to_status = run_transition(
            payment.reauthorize,
            by=by,
            amount=amount,
            approved=result.approved,
            expires_at=expiry_of(payment),
        )
        if result.approved:
            payment.provider_reference = result.reference
        payment.save()
        sentence = (
            _("Authorized again %(amount)s (%(method)s).")
            if result.approved
            else _("New authorization declined for %(amount)s (%(method)s).")
        )
        change = (from_status, to_status)
        _record_authorization(
            payment,
            by=by,
            row=row,
            transition="payment_reauthorize",
            sentence=sentence,
            change=change,
        )
    if not result.approved:
        raise decline_error(payment, operation="authorize", amount=amount, result=result)
    return row
