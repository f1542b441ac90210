"""When an authorization lapses, and renewing one before (or after) it does.

A provider keeps an authorization open for capture only so long: Klarna 28 days
by default, "usually 14–30 days" elsewhere. `AUTHORIZATION_LIFETIMES` in
settings says how many days, per "provider:method", method or provider (the
first found); a payment none of them names never expires (invoice, bank
transfer). An expired authorization cannot be captured
(`payments.models.payment.authorization_not_expired` says so in one sentence);
`renew_authorization` asks the provider for a new one of what is open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor, process
from core.fsm import ensure_allowed
from core.money import format_money
from orders.models import HoldKind
from orders.services import resume_order
from outbox.event_types import EventType
from payments.gateways import gateway_for
from payments.models import Payment, PaymentTransaction, Purpose
from payments.recording import (
    decline_error,
    lock_payment,
    record_call,
    record_payment_event,
    transition_payment,
)

DEFAULT_LIFETIMES = {"test": 28}
LIFTS_EXPIRING_HOLD = process("system", "authorization_renewed")

Kind = PaymentTransaction.Kind
Outcome = PaymentTransaction.Outcome


def authorization_expiry(*, provider: str, method: str, now: datetime) -> datetime | None:
    """When an authorization made `now` lapses, as settings say, or None (never)."""
    lifetimes = getattr(settings, "AUTHORIZATION_LIFETIMES", DEFAULT_LIFETIMES)
    for key in (f"{provider}:{method}", method, provider):
        if key in lifetimes:
            return now + timedelta(days=lifetimes[key])
    return None


def expiry_of(payment: Payment) -> datetime | None:
    return authorization_expiry(
        provider=payment.provider, method=payment.method, now=timezone.now()
    )


def renew_authorization(*, order_id: int, by: Actor) -> PaymentTransaction:
    """Authorize what is open again, replacing an authorization that lapses soon or has.

    One provider call; two ledger rows when approved: the new authorization, and
    the release of the old one (which lapses at the provider by itself). A
    payment-expiring hold on the order is lifted. A decline leaves the failed
    row only and raises `PaymentDeclined` after this service's own block.
    """
    with transaction.atomic():
        payment = lock_payment(order_id)
        ensure_allowed(payment.renew_authorization, by=by)
        amount = payment.open_amount
        result = gateway_for(payment.method).authorize(payment, amount)
        row = record_call(
            payment, purpose=Purpose.REAUTHORIZATION, amount=amount, result=result, by=by
        )
        if result.approved:
            _renew(payment, row, amount=amount, by=by)
        else:
            _record_declined(payment, row, by=by)
    if not result.approved:
        raise decline_error(payment, operation="authorize", amount=amount, result=result)
    return row


def _renew(payment: Payment, row: PaymentTransaction, *, amount, by: Actor) -> None:
    PaymentTransaction.objects.create(
        payment=payment,
        kind=Kind.VOID,
        purpose=Purpose.RELEASE,
        amount=amount,
        outcome=Outcome.SUCCESS,
        provider_reference=payment.provider_reference,
        message=_("Replaced by a new authorization; the old one lapses at the provider."),
        user=row.user,
        actor=row.actor,
    )
    payment.provider_reference = row.provider_reference
    expires_at = expiry_of(payment)
    words = {"amount": format_money(amount, payment.currency)}
    if expires_at:
        words["until"] = f"{timezone.localtime(expires_at):%Y-%m-%d}"
        sentence = _("Authorized again: %(amount)s, until %(until)s.")
    else:
        sentence = _("Authorized again: %(amount)s.")
    transition_payment(
        payment,
        payment.renew_authorization,
        by=by,
        row=row,
        message=sentence % words,
        publishes=EventType.PAYMENT_AUTHORIZED,
        amount=amount,
        expires_at=expires_at,
    )
    order = payment.order
    if order.on_hold and order.hold_kind == HoldKind.PAYMENT_EXPIRING:
        # The renewal lifts the hold it answers, whoever may resume orders otherwise.
        resume_order(order_id=order.pk, by=LIFTS_EXPIRING_HOLD)


def _record_declined(payment: Payment, row: PaymentTransaction, *, by: Actor) -> None:
    record_payment_event(
        payment,
        by=by,
        row=row,
        transition="payment_renew_authorization",
        publishes=None,  # nothing changed an integration acts on
        from_status=payment.status,
        to_status=payment.status,
        message=_("New authorization declined for %(amount)s.")
        % {"amount": format_money(row.amount, payment.currency)},
    )
