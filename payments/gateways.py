"""Payment providers behind one small interface: authorize, capture, refund, void.

`PAYMENT_GATEWAYS` in settings maps an order's payment method to a gateway
class path. Gateways answer with a `GatewayResult` and never touch the
database: the services record every call as a `PaymentTransaction`.

Two providers ship:

- `ManualGateway` (invoice, bank transfer): authorizing only records the
  promise to pay; nothing is captured through a provider, staff record the
  money received by hand (`record_manual_payment`).
- `TestGateway`: approves everything except, deterministically,
  * an amount whose cents are 13 (e.g. 100.13): declined, for any operation;
  * an operation named in the payment's `test_decline` field
    (comma-separated, e.g. "capture,void"): declined.

  It settles later, as Adyen and Klarna do, for a payment marked
  `test_settles_later` or when `TEST_GATEWAY_SETTLES_LATER` is on: a capture or
  refund it accepts is a *request* (`GatewayResult.pending`), settled by its
  signed notification (`manage.py send_test_notifications`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import DomainError

if TYPE_CHECKING:
    from payments.models import Payment

DEFAULT_GATEWAYS = {
    "test": "payments.gateways.TestGateway",
    "manual": "payments.gateways.ManualGateway",
    "invoice": "payments.gateways.ManualGateway",
    "bank_transfer": "payments.gateways.ManualGateway",
}

OPERATIONS = ("authorize", "capture", "refund", "void")


@dataclass(frozen=True)
class GatewayResult:
    approved: bool
    reference: str = ""
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    # Accepted, not done: the provider settles it later by its notification.
    pending: bool = False


class Gateway:
    """The interface every provider implements; `name` is stored on the payment.

    A provider that cannot be reached answers with a declined result carrying
    the reason, rather than raising: an exception rolls the whole service back,
    leaving no ledger row of the attempt.
    """

    name = ""
    # False for providers that never move money themselves (invoice, bank
    # transfer): Direct Capture leaves their payments authorized.
    captures_through_provider = True

    def authorize(self, payment: Payment, amount: Decimal) -> GatewayResult:
        raise NotImplementedError

    def capture(self, payment: Payment, amount: Decimal) -> GatewayResult:
        raise NotImplementedError

    def refund(self, payment: Payment, amount: Decimal) -> GatewayResult:
        raise NotImplementedError

    def void(self, payment: Payment, amount: Decimal) -> GatewayResult:
        raise NotImplementedError


def _reference(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


class ManualGateway(Gateway):
    name = "manual"
    captures_through_provider = False

    def authorize(self, payment, amount):
        return GatewayResult(
            True, _reference("manual"), _("Awaiting payment by invoice or bank transfer.")
        )

    def capture(self, payment, amount):
        return GatewayResult(
            False,
            message=_(
                "invoice and bank transfer payments are not captured through a provider, "
                "record the money received by hand instead"
            ),
            raw={"error": "not_supported"},
        )

    def refund(self, payment, amount):
        # The money goes back by bank transfer; the ledger records that it did.
        return GatewayResult(True, _reference("manual_refund"), _("Refund to be paid by hand."))

    def void(self, payment, amount):
        return GatewayResult(True, _reference("manual_void"), _("Invoice cancelled."))


def declines_in_test(payment: Payment, operation: str, amount: Decimal) -> bool:
    """When the test gateway says no; the tests' model of it uses this too."""
    flagged = {op.strip() for op in payment.test_decline.split(",") if op.strip()}
    cents = int((abs(amount) * 100) % 100)
    return operation in flagged or cents == 13


def settles_later(payment: Payment) -> bool:
    """The test gateway's asynchronous mode: per payment, or for every payment."""
    return payment.test_settles_later or getattr(settings, "TEST_GATEWAY_SETTLES_LATER", False)


class TestGateway(Gateway):
    name = "test"
    __test__ = False  # not a pytest test class

    def _answer(self, payment, operation: str, amount: Decimal) -> GatewayResult:
        raw = {"operation": operation, "amount": str(amount), "currency": payment.currency}
        if declines_in_test(payment, operation, amount):
            message = f"{operation} declined by the test gateway"
            return GatewayResult(False, "", message, {**raw, "status": "declined"})
        reference = _reference(f"test_{operation}")
        return GatewayResult(True, reference, "Approved.", {**raw, "status": "approved"})

    def authorize(self, payment, amount):
        return self._answer(payment, "authorize", amount)

    def capture(self, payment, amount):
        return self._later(payment, self._answer(payment, "capture", amount))

    def refund(self, payment, amount):
        return self._later(payment, self._answer(payment, "refund", amount))

    def void(self, payment, amount):
        return self._answer(payment, "void", amount)

    def _later(self, payment, result: GatewayResult) -> GatewayResult:
        """An accepted capture or refund as a request, when the payment settles later."""
        if not result.approved or not settles_later(payment):
            return result
        raw = {**result.raw, "status": "pending"}
        message = "Requested: the provider settles it by its notification."
        return GatewayResult(True, result.reference, message, raw, pending=True)


def gateway_for(method: str) -> Gateway:
    """The provider that handles a payment method, as settings.PAYMENT_GATEWAYS says."""
    paths = getattr(settings, "PAYMENT_GATEWAYS", DEFAULT_GATEWAYS)
    if method not in paths:
        known = ", ".join(sorted(paths))
        raise DomainError(
            _("“%(method)s” is not a payment method the store accepts (%(known)s).")
            % {"method": method, "known": known}
        )
    return import_string(paths[method])()
