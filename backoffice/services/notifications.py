"""A payment provider's notification: recorded raw, verified, applied once.

`receive_notification` is what `POST /payments/notifications/<provider>` calls,
and what the test provider calls in-process (its page, `send_test_notifications`):

1. The body is recorded as it came (`payments.models.ProviderNotification`),
   saved before anything else (the endpoint runs in autocommit, so it is kept
   whatever happens next).
2. It is verified by its provider (`payments.hosted`: HMAC-SHA256 compared in
   constant time, the timestamp within `SIGNATURE_WINDOW`).
3. It is applied through the services: an authorization places the order
   (`placement.settle_from_notification`); a capture or refund settles the
   request its transaction reference names (`shipments.services.settling`,
   `payments.settling`), with events and outbox messages as for any change.

What is not applied is recorded with its reason and answered 4xx: a wrong
signature 403; stale, malformed, or money that is not the request's 400; a
reference no request has 404; an approval that cannot place the order 409. A
notification for a request settled already is a duplicate: 200, nothing changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services.placement import PaymentNotVerified, settle_from_notification
from core.actors import process
from core.errors import DomainError
from core.fsm import run_transition
from payments.hosted import HostedProvider, NotVerified, ProviderAnswer, hosted_provider
from payments.models import PaymentTransaction, ProviderNotification
from payments.models.notification import MAX_BODY
from payments.settling import Settled, find_request, money_refusal, settle_request
from shipments.services.settling import settle_capture_request

Kind = PaymentTransaction.Kind
# Kept as the notification's reason (the list of notifications shows it).
UNKNOWN = gettext_lazy("No capture or refund was requested with this reference.")


@dataclass(frozen=True)
class Answer:
    """What the endpoint answers: its HTTP status and one sentence."""

    status: int
    message: str

    @property
    def success(self) -> bool:
        return self.status == 200


def receive_notification(*, provider: str, body: bytes, headers: Mapping[str, str]) -> Answer:
    """Record, verify and apply one notification; the answer for the provider."""
    note = _record(provider, body)
    try:
        source = hosted_provider(provider)
        answer = source.verify_notification(body, headers, now=timezone.now())
    except NotVerified as error:
        return _reject(note, str(error), status=403 if error.forged else 400)
    if answer.intent == "auth":
        return _place(note, provider=provider, body=body, headers=headers)
    return _settle(note, source, answer)


def _record(provider: str, body: bytes) -> ProviderNotification:
    """The notification as it came, saved before it is verified or applied."""
    fields = _loose_fields(body)
    note = ProviderNotification(
        provider=provider[:32],
        body=body[:MAX_BODY].decode("utf-8", "replace"),
        signature=_short(fields.get("signature"), 200),
        intent=_short(fields.get("intent"), 16),
        transaction_reference=_short(fields.get("transactionReference"), 128),
        currency=_short(fields.get("currency"), 3),
        amount=_loose_amount(fields.get("amount")),
        success={True: True, "true": True, False: False, "false": False}.get(fields.get("success")),
    )
    note.save()
    return note


def _loose_fields(body: bytes) -> dict:
    """What the body says, as far as it can be read: for the list, never trusted."""
    try:
        fields = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return fields if isinstance(fields, dict) else {}


def _short(value, length: int) -> str:
    return value[:length] if isinstance(value, str) else ""


def _loose_amount(value) -> Decimal | None:
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        return None
    if amount is None or not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        return None
    return amount.quantize(Decimal("0.01"))


def _place(note: ProviderNotification, *, provider: str, body: bytes, headers) -> Answer:
    """An authorization at the provider's page: the placement's own rules decide."""
    try:
        order = settle_from_notification(provider=provider, body=body, headers=headers)
    except PaymentNotVerified as error:
        return _reject(note, str(error), status=403 if error.forged else 400)
    except DomainError as error:
        return _reject(note, str(error), status=409)
    note.order = order
    _finish(note, note.apply, settlement=None, answered=200)
    return Answer(200, "OK")


def _settle(note: ProviderNotification, source: HostedProvider, answer: ProviderAnswer) -> Answer:
    request = find_request(provider=source.name, reference=answer.transaction_reference)
    if request is None or request.kind != answer.intent:
        return _reject(note, str(UNKNOWN), status=404)
    if request.payment.provider_reference != answer.reference:
        return _reject(note, str(UNKNOWN), status=404)
    note.order_id = request.payment.order_id
    refusal = money_refusal(request, amount=answer.amount, currency=answer.currency)
    if refusal:
        return _reject(note, refusal, status=400)
    try:
        with transaction.atomic():
            settled = _apply(request, answer, by=process("integration", f"provider-{source.name}"))
            method = note.apply if settled.fresh else note.ignore
            _finish(note, method, settlement=settled.row, answered=200)
    except DomainError as error:
        return _reject(note, str(error), status=409)
    return Answer(200, "OK" if settled.fresh else "Already settled.")


def _apply(request: PaymentTransaction, answer: ProviderAnswer, *, by) -> Settled:
    """Settle through the shipment a capture pays, or the payment alone."""
    detail = answer.raw.get("transaction")
    reason = detail.get("reason", "") if isinstance(detail, dict) else ""
    message = str(reason)[:400] or (
        _("Settled.") if answer.approved else _("Failed at the provider.")
    )
    raw = {**answer.raw, "notification": "settlement"}
    if request.kind == Kind.CAPTURE:
        return settle_capture_request(
            request=request, succeeded=answer.approved, message=message, raw=raw, by=by
        )
    return settle_request(
        order_id=request.payment.order_id,
        request_id=request.pk,
        succeeded=answer.approved,
        message=message,
        raw=raw,
        by=by,
    )


def _reject(note: ProviderNotification, reason: str, *, status: int) -> Answer:
    _finish(note, note.reject, reason=reason, answered=status)
    return Answer(status, reason)


def _finish(note: ProviderNotification, method, **kwargs) -> None:
    run_transition(method, by=process("integration", f"provider-{note.provider}"), **kwargs)
    note.save()
