"""Hosted payment pages: the methods a storefront offers, and the providers behind them.

A hosted provider takes the buyer to its own page and answers twice: a signed
server-to-server notification, and signed parameters on the buyer's way back to
the shop's return page. Both are signed the way Centra's External Payment Plugin
signs them: base64 HMAC-SHA256, with the provider's secret, of

    selection:amount:currency:timestamp:transactionReference:success:intent

(the return parameters leave out `:intent`). `selection` is the payment
attempt's reference, never the order's id; `amount` has a dot and the
currency's places ("100.00"); `timestamp` is Unix seconds, UTC; `success` is
"true" or "false". A signature is accepted only within `SIGNATURE_WINDOW` of its
timestamp (either way, for clock skew), compared in constant time; the amount
and currency are then compared with the attempt's by the placement service.

The functions here are pure: no database. `backoffice.services.placement`
looks up the attempt and records what a verified answer says.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import quantize

if TYPE_CHECKING:
    from payments.models import PaymentAttempt, PaymentTransaction

# A signed answer older (or newer) than this is refused: a replay, or a wrong clock.
SIGNATURE_WINDOW = 300  # seconds
# What a notification may be about: an authorization at the provider's page, or
# the settlement of a capture or refund requested earlier.
INTENTS = ("auth", "capture", "refund")

DEFAULT_CHECKOUT_METHODS = [{"id": "test", "name": "Card (test provider)", "provider": "test"}]


@dataclass(frozen=True)
class CheckoutMethod:
    """What the Checkout API lists as `paymentMethods[]`; `id` is also `Order.payment_method`."""

    id: str
    name: str
    provider: str


def checkout_methods() -> list[CheckoutMethod]:
    """The methods a buyer may pay with, as `settings.CHECKOUT_PAYMENT_METHODS` lists them."""
    rows = getattr(settings, "CHECKOUT_PAYMENT_METHODS", DEFAULT_CHECKOUT_METHODS)
    return [
        CheckoutMethod(id=row["id"], name=row["name"], provider=row["provider"]) for row in rows
    ]


def checkout_method(method_id: str) -> CheckoutMethod:
    for method in checkout_methods():
        if method.id == method_id:
            return method
    raise DomainError(
        _("Payment method %(method)s not found.") % {"method": method_id or _("(none)")}
    )


@dataclass(frozen=True)
class PaymentAction:
    """What `POST /payment` answers besides the token and the selection."""

    action: str  # "redirect" | "form" | "success"
    url: str = ""
    form_html: str = ""


class NotVerified(DomainError):
    """A provider's answer that cannot be trusted: nothing is recorded from it.

    `forged` when the signature itself is wrong (403), else the answer is
    malformed, stale or for other money (400).
    """

    def __init__(self, message: str, *, forged: bool = False):
        super().__init__(message)
        self.forged = forged


@dataclass(frozen=True)
class ProviderAnswer:
    """A provider's verified word about one attempt (found by `reference`)."""

    reference: str
    approved: bool
    transaction_reference: str
    amount: Decimal
    currency: str
    raw: dict[str, Any] = field(default_factory=dict)
    # "auth" (an attempt, by its reference), or "capture"/"refund" (a request
    # the provider settles, by its transaction reference); "" for return parameters.
    intent: str = ""


def secret_of_test_provider() -> bytes:
    """`TEST_PROVIDER_SECRET`, or a key derived from SECRET_KEY when it is not set
    (so production needs no new variable and never signs with a public default)."""
    configured = getattr(settings, "TEST_PROVIDER_SECRET", "")
    if configured:
        return configured.encode()
    return salted_hmac("payments.hosted.test-provider", "secret").hexdigest().encode()


def amount_text(amount: Decimal, currency: str) -> str:
    return str(quantize(amount, currency))


def sign(
    *,
    selection: str,
    amount: str,
    currency: str,
    timestamp: int,
    transaction_reference: str,
    success: bool,
    intent: str | None,
    secret: bytes,
) -> str:
    """The External Payment Plugin's signature; `intent=None` for return parameters."""
    parts = [selection, amount, currency, str(timestamp), transaction_reference]
    parts.append("true" if success else "false")
    if intent is not None:
        parts.append(intent)
    digest = hmac.new(secret, ":".join(parts).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signed(
    fields: Mapping[str, Any], *, secret: bytes, now: datetime, with_intent: bool
) -> ProviderAnswer:
    """The answer the fields sign, or `NotVerified`: bad signature, stale, malformed."""
    selection = _text(fields, "selection")
    currency = _text(fields, "currency")
    reference = _text(fields, "transactionReference")
    signature = _text(fields, "signature")
    amount = _amount(fields.get("amount"))
    timestamp = _timestamp(fields.get("timestamp"))
    success = _success(fields.get("success"))
    intent = _text(fields, "intent") if with_intent else None
    if intent is not None and intent not in INTENTS:
        raise NotVerified(_("Invalid intent: %(intent)s") % {"intent": intent})
    expected = sign(
        selection=selection,
        amount=str(fields.get("amount")),
        currency=currency,
        timestamp=timestamp,
        transaction_reference=reference,
        success=success,
        intent=intent,
        secret=secret,
    )
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise NotVerified(_("Invalid signature."), forged=True)
    if abs(now.timestamp() - timestamp) > SIGNATURE_WINDOW:
        raise NotVerified(_("The timestamp is outside the signature's window."))
    raw = {key: fields[key] for key in fields if key != "signature"}
    return ProviderAnswer(selection, success, reference, amount, currency, raw, intent or "")


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise NotVerified(_("Missing field: %(name)s.") % {"name": name})
    return value


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(value) if isinstance(value, str) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise NotVerified(_("The amount is not a number."))
    return amount


def _timestamp(value: Any) -> int:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit():
        raise NotVerified(_("The timestamp is not Unix seconds."))
    return int(text)


def _success(value: Any) -> bool:
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    raise NotVerified(_("success must be true or false."))


class HostedProvider:
    """A provider whose page the buyer pays on. `name` is `PaymentAttempt.provider`."""

    name = ""

    def begin(self, attempt: PaymentAttempt, *, base_url: str) -> PaymentAction:
        """Where the buyer goes to pay for the attempt."""
        raise NotImplementedError

    def verify_notification(
        self, body: bytes, headers: Mapping[str, str], *, now: datetime
    ) -> ProviderAnswer:
        raise NotImplementedError

    def verify_return(self, fields: Mapping[str, Any], *, now: datetime) -> ProviderAnswer:
        raise NotImplementedError


class TestProvider(HostedProvider):
    """The project's own hosted page (`storefront.provider`): the buyer approves or declines."""

    name = "test"
    __test__ = False  # not a pytest test class

    def begin(self, attempt, *, base_url):
        path = reverse("test-provider-page", args=[attempt.reference])
        return PaymentAction("redirect", url=base_url.rstrip("/") + path)

    def verify_notification(self, body, headers, *, now):
        try:
            fields = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise NotVerified(_("The notification is not JSON.")) from None
        if not isinstance(fields, dict):
            raise NotVerified(_("The notification is not a JSON object."))
        return verify_signed(fields, secret=secret_of_test_provider(), now=now, with_intent=True)

    def verify_return(self, fields, *, now):
        return verify_signed(fields, secret=secret_of_test_provider(), now=now, with_intent=False)

    def answer(
        self, attempt: PaymentAttempt, *, approved: bool, now: datetime
    ) -> tuple[dict, dict]:
        """What the page sends when the buyer decides: (notification body, return parameters)."""
        signed = {
            "selection": attempt.reference,
            "amount": amount_text(attempt.amount, attempt.currency),
            "currency": attempt.currency,
            "timestamp": int(now.timestamp()),
            "transactionReference": f"test_auth_{secrets.token_hex(8)}",
        }
        key = secret_of_test_provider()

        def signature(intent):
            return sign(
                selection=signed["selection"],
                amount=signed["amount"],
                currency=signed["currency"],
                timestamp=signed["timestamp"],
                transaction_reference=signed["transactionReference"],
                success=approved,
                intent=intent,
                secret=key,
            )

        notification = {
            **signed,
            "success": approved,
            "intent": "auth",
            "transaction": {"status": "approved" if approved else "declined"},
            "signature": signature("auth"),
        }
        returned = {
            **signed,
            "timestamp": str(signed["timestamp"]),
            "success": "true" if approved else "false",
            "signature": signature(None),
        }
        return notification, returned

    def settlement(
        self, request: PaymentTransaction, *, succeeded: bool, now: datetime, reason: str = ""
    ) -> dict:
        """The notification that settles a capture or refund request (its body).

        `selection` is the payment's authorization reference, `transactionReference`
        the request's: the provider names the request it settles.
        """
        payment = request.payment
        signed = {
            "selection": payment.provider_reference,
            "amount": amount_text(request.amount, payment.currency),
            "currency": payment.currency,
            "timestamp": int(now.timestamp()),
            "transactionReference": request.provider_reference,
            "intent": request.kind,
        }
        signature = sign(
            selection=signed["selection"],
            amount=signed["amount"],
            currency=signed["currency"],
            timestamp=signed["timestamp"],
            transaction_reference=signed["transactionReference"],
            success=succeeded,
            intent=signed["intent"],
            secret=secret_of_test_provider(),
        )
        status = "settled" if succeeded else "failed"
        transaction = {"status": status, "reason": reason} if reason else {"status": status}
        return {**signed, "success": succeeded, "transaction": transaction, "signature": signature}


PROVIDERS: dict[str, type[HostedProvider]] = {TestProvider.name: TestProvider}


def hosted_provider(name: str) -> HostedProvider:
    if name not in PROVIDERS:
        raise NotVerified(_("Unknown payment provider: %(name)s.") % {"name": name or _("(none)")})
    return PROVIDERS[name]()
