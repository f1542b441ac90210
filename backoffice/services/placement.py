"""Placing a selection paid at a hosted payment page (the Checkout API's payment).

`begin_payment` checks the selection and its stock and opens a `PaymentAttempt`
for its grand total; the buyer pays at the provider's page. The provider's
signed word settles the attempt, whichever comes first: its server-to-server
notification (`settle_from_notification`) or the parameters the buyer's return
page forwards (`settle_from_return`). Only a verified answer (signature within
its window, the attempt's amount and currency) is ever recorded, and an approved
one places the order through the one checkout (`checkout_order`), as the
attempt's actor (`storefront:<name>`), with the provider's answer as the
authorization: reserving stock, Autoconfirm, Direct to Shipment and Direct
Capture, events and outbox as for any checkout.

Settling locks the selection's order row first (`orders.locks`), then the
attempt: two answers for one attempt queue there, and the second finds it
placed and returns the same order. Stock is reserved by the checkout under the
order lock, so two buyers never both get the last unit; the one who is short
gets `StockShort`, its attempt cancelled and nothing recorded.

A selection of grand total 0 is refused at `begin_payment`: an order here is
always placed with an authorization (see docs/payments-provider.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.services.checkout import PAYMENT_LINK, checkout_order

# The stock check's names are placement's too (the API imports them from here).
from backoffice.services.placement_stock import (  # noqa: F401
    StockShort,
    Unavailable,
    remove_unavailable,
    shortages,
)
from core.actors import Actor, actor_name
from core.errors import DomainError, FieldErrors
from core.fsm import run_transition
from core.money import format_money, quantize
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import resume_order
from payments.gateways import GatewayResult
from payments.hosted import (
    HostedProvider,
    NotVerified,
    PaymentAction,
    ProviderAnswer,
    checkout_method,
    hosted_provider,
)
from payments.models import AttemptStatus, PaymentAttempt
from payments.services import authorize_payment

# How long the buyer has at the provider's page; the selection is frozen meanwhile.
ATTEMPT_LIFETIME = timedelta(minutes=30)


class PaymentFailed(DomainError):
    """The payment did not place the order (declined, expired, cancelled) (412)."""


class PaymentNotVerified(DomainError):
    """The provider's answer could not be verified: nothing recorded (400/403, 412).

    `forged` when the signature itself is wrong.
    """

    def __init__(self, message: str, *, forged: bool = False):
        super().__init__(message)
        self.forged = forged


# Beginning


def begin_payment(
    *, order_id: int, method: str, return_page: str, failed_page: str, base_url: str, by: Actor
) -> PaymentAction:
    """Open a payment attempt for the selection's grand total; the provider's action.

    Refused, nothing changed: a selection that is not Incomplete or has no lines
    (`DomainError`), missing e-mail or country or return page (`FieldErrors`),
    too little stock (`StockShort`), a grand total of 0. An open attempt of the
    selection is cancelled first (the buyer began again).
    """
    checkout = checkout_method(method)
    provider = hosted_provider(checkout.provider)
    _check_pages(return_page, failed_page)
    with transaction.atomic():
        order = lock_order(order_id)
        _check_selection(order)
        order.payment_method = checkout.id
        order.recalculate_totals()
        order.save()
        short = shortages(order)
        if short:
            raise StockShort(short)
        if quantize(order.grand_total, order.currency) <= 0:
            raise DomainError(
                _("%(order)s has nothing to pay: free orders are not taken yet.") % {"order": order}
            )
        for attempt in order.payment_attempts.filter(status=AttemptStatus.OPEN):
            move_attempt(
                attempt,
                attempt.cancel,
                by=by,
                message=_("Payment cancelled: begun again."),
                at=timezone.now(),
            )
        attempt = open_attempt(order, provider, checkout.id, return_page, failed_page, by=by)
    return provider.begin(attempt, base_url=base_url)


def _check_pages(return_page: str, failed_page: str) -> None:
    errors = {}
    if not _is_web_address(return_page):
        errors["paymentReturnPage"] = "required" if not return_page else "invalid"
    if failed_page and not _is_web_address(failed_page):
        errors["paymentFailedPage"] = "invalid"
    if errors:
        raise FieldErrors(errors)


def _is_web_address(url: str) -> bool:
    """An absolute http(s) address: the shop's own page, on whatever host it runs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 2000


def _check_selection(order: Order) -> None:
    if order.status != OrderStatus.INCOMPLETE:
        raise DomainError(_("%(order)s is placed already.") % {"order": order})
    if not order.lines.exists():
        raise DomainError(_("The selection has no items."))
    errors = {}
    if not order.customer_email:
        errors["address.email"] = "required"
    if not order.billing_country:
        errors["address.country"] = "required"
    # The order's own condition for checkout: a billing address.
    if not order.billing_street:
        errors["address.address1"] = "required"
    if not order.billing_city:
        errors["address.city"] = "required"
    if errors:
        raise FieldErrors(errors)


def open_attempt(
    order: Order,
    provider: HostedProvider,
    method: str,
    return_page: str,
    failed_page: str,
    *,
    by: Actor,
    lifetime: timedelta = ATTEMPT_LIFETIME,
) -> PaymentAttempt:
    """A new attempt for the order's grand total, with its event."""
    now = timezone.now()
    attempt = PaymentAttempt(
        order=order,
        reference=f"pa_{secrets.token_hex(16)}",
        provider=provider.name,
        payment_method=method,
        amount=quantize(order.grand_total, order.currency),
        currency=order.currency,
        return_page=return_page,
        failed_page=failed_page,
        by=actor_name(by),
        expires_at=now + lifetime,
    )
    attempt.save()
    amount = format_money(attempt.amount, attempt.currency)
    record_event(
        order=order,
        by=by,
        transition="payment_attempt_begun",
        publishes=None,  # a selection is no order yet for integrations
        to_state=attempt.status,
        subject=OrderEvent.Subject.PAYMENT,
        subject_ref=attempt.reference,
        message=_("Payment of %(amount)s begun at the %(provider)s provider.")
        % {"amount": amount, "provider": provider.name},
    )
    return attempt


def move_attempt(attempt: PaymentAttempt, transition, *, by: Actor, message: str, **kwargs) -> None:
    """Run one of the attempt's transitions, save it, and write its event."""
    from_status, to_status = run_transition(transition, by=by, **kwargs)
    attempt.save()
    record_event(
        order=attempt.order,
        by=by,
        transition=f"payment_attempt_{to_status}",
        publishes=None,  # nothing an integration acts on: no order was placed
        from_state=from_status,
        to_state=to_status,
        subject=OrderEvent.Subject.PAYMENT,
        subject_ref=attempt.reference,
        message=message,
    )


def payment_in_progress(order: Order) -> bool:
    """An open, unexpired attempt: the selection must not change until it settles."""
    return PaymentAttempt.objects.filter(
        order=order, status=AttemptStatus.OPEN, expires_at__gt=timezone.now()
    ).exists()


# Settling


def settle_from_notification(
    *, provider: str, body: bytes, headers: Mapping[str, str]
) -> Order | None:
    """A provider's server-to-server notification: the order it placed, or None (declined).

    Raises `PaymentNotVerified` (nothing recorded), `StockShort` or `PaymentFailed`
    (an approval that could not place the order: the attempt expired or was
    cancelled).
    """
    try:
        source = hosted_provider(provider)
        answer = source.verify_notification(body, headers, now=timezone.now())
    except NotVerified as error:
        raise PaymentNotVerified(str(error), forged=error.forged) from None
    if answer.intent != "auth":
        raise PaymentNotVerified(_("Invalid intent: %(intent)s") % {"intent": answer.intent})
    try:
        return _settle(source, answer)
    except PaymentFailed:
        if answer.approved:
            raise
        return None  # a decline, recorded: the notification did its work


def settle_from_return(*, fields: Mapping[str, Any]) -> Order:
    """The parameters the provider handed the buyer's return page: the placed order.

    Idempotent: the same parameters again, or after the notification, give the
    same order. Raises `PaymentNotVerified`, `PaymentFailed` (declined), `StockShort`.
    """
    reference = fields.get("selection")
    attempt = PaymentAttempt.objects.filter(reference=str(reference)).first()
    if attempt is None:
        raise PaymentNotVerified(_("No payment was begun with these parameters."))
    try:
        source = hosted_provider(attempt.provider)
        answer = source.verify_return(fields, now=timezone.now())
    except NotVerified as error:
        raise PaymentNotVerified(str(error), forged=error.forged) from None
    return _settle(source, answer)


def _settle(source: HostedProvider, answer: ProviderAnswer) -> Order:
    """Record a verified answer once; the placed order, or the reason there is none."""
    with transaction.atomic():
        attempt = _lock_attempt(answer.reference)
        _check_money(attempt, answer)
        if attempt.status == AttemptStatus.PLACED:
            return attempt.order
        refusal = _refusal(attempt, answer)
        if refusal is None:
            try:
                return _place(attempt, answer, source)
            except DomainError as error:
                refusal = _after_refused_checkout(attempt, error)
    raise refusal


def _lock_attempt(reference: str) -> PaymentAttempt:
    """The order first, then the attempt: the one lock order."""
    order_id = (
        PaymentAttempt.objects.filter(reference=reference)
        .values_list("order_id", flat=True)
        .first()
    )
    if order_id is None:
        raise PaymentNotVerified(_("No payment was begun with this reference."))
    order = lock_order(order_id)
    attempt = PaymentAttempt.objects.select_for_update().get(reference=reference)
    attempt.order = order
    return attempt


def _check_money(attempt: PaymentAttempt, answer: ProviderAnswer) -> None:
    if answer.currency != attempt.currency:
        raise PaymentNotVerified(
            _("Mismatched currency: %(answered)s, payment currency: %(currency)s.")
            % {"answered": answer.currency, "currency": attempt.currency}
        )
    if answer.amount != attempt.amount:
        raise PaymentNotVerified(
            _("Mismatched amount: %(answered)s, payment amount: %(amount)s.")
            % {"answered": answer.amount, "amount": attempt.amount}
        )


def _refusal(attempt: PaymentAttempt, answer: ProviderAnswer) -> DomainError | None:
    """Why the attempt places nothing (its transition taken here), or None: place it."""
    by = attempt.by
    if attempt.status == AttemptStatus.DECLINED:
        return PaymentFailed(_("The payment was declined."))
    placed = attempt.order.status != OrderStatus.INCOMPLETE
    if attempt.status == AttemptStatus.CANCELLED:
        # A placed order's units are reserved already: no stock to check.
        short = [] if placed else shortages(attempt.order)
        return StockShort(short) if short else PaymentFailed(_("The payment was cancelled."))
    if not answer.approved:
        move_attempt(
            attempt,
            attempt.decline,
            by=by,
            message=_("Payment declined by the %(provider)s provider.")
            % {"provider": attempt.provider},
            transaction_reference=answer.transaction_reference,
            at=timezone.now(),
        )
        return PaymentFailed(_("The payment was declined."))
    if placed and not attempt.order.on_hold_for_payment:
        message = _("Payment cancelled: %(order)s no longer waits for payment.") % {
            "order": attempt.order
        }
        move_attempt(attempt, attempt.cancel, by=by, message=message, at=timezone.now())
        return PaymentFailed(
            _("%(order)s no longer waits for this payment.") % {"order": attempt.order}
        )
    if attempt.expires_at <= timezone.now():
        move_attempt(
            attempt,
            attempt.cancel,
            by=by,
            message=_("Payment cancelled: it expired."),
            at=timezone.now(),
        )
        return PaymentFailed(_("The payment expired before it was approved."))
    attempt.order.recalculate_totals()
    if quantize(attempt.order.grand_total, attempt.currency) != attempt.amount:
        message = _("Payment cancelled: the selection changed while it was paid.")
        move_attempt(attempt, attempt.cancel, by=by, message=message, at=timezone.now())
        return PaymentFailed(_("The selection changed after the payment began."))
    return None


def _place(attempt: PaymentAttempt, answer: ProviderAnswer, source: HostedProvider) -> Order:
    """The one checkout, with the provider's verified answer as the authorization."""
    verified = GatewayResult(
        approved=True,
        reference=answer.transaction_reference,
        message=_("Authorized at the %(provider)s provider's page.") % {"provider": source.name},
        raw={**answer.raw, "attempt": attempt.reference},
    )
    if attempt.order.status != OrderStatus.INCOMPLETE:
        # Placed by staff to be paid by link: the payment is all that is left.
        order = pay_placed_order(order=attempt.order, verified=verified)
        done = _("Payment approved at the %(provider)s provider's page: order paid.")
    else:
        # Its own savepoint: a refused checkout (stock) leaves the attempt to cancel.
        order = checkout_order(order_id=attempt.order.pk, by=attempt.by, verified=verified)
        done = _("Payment approved at the %(provider)s provider's page: order placed.")
    attempt.order = order
    move_attempt(
        attempt,
        attempt.place,
        by=attempt.by,
        message=done % {"provider": source.name},
        transaction_reference=answer.transaction_reference,
        at=timezone.now(),
    )
    return order


def pay_placed_order(*, order: Order, verified: GatewayResult) -> Order:
    """The authorization of an order that waited for its payment link (locked by
    the caller), and the "Waiting for payment" hold lifted."""
    authorize_payment(order=order, by=PAYMENT_LINK, verified=verified)
    if order.on_hold_for_payment:
        order = resume_order(order_id=order.pk, by=PAYMENT_LINK)
    return order


def _after_refused_checkout(attempt: PaymentAttempt, error: DomainError) -> DomainError:
    """Stock gone since the payment began: cancel the attempt, StockShort; else the error."""
    short = shortages(attempt.order)
    if not short:
        raise error
    move_attempt(
        attempt,
        attempt.cancel,
        by=attempt.by,
        message=_("Payment cancelled: out of stock."),
        at=timezone.now(),
    )
    return StockShort(short)
