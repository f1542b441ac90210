"""CONTRACT STUB (part B's branch only; part A owns this module and replaces it).

The payment methods a storefront may choose, and what `POST /payment` answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from core.errors import DomainError


@dataclass(frozen=True)
class CheckoutMethod:
    id: str
    name: str
    provider: str


@dataclass(frozen=True)
class PaymentAction:
    action: str
    url: str = ""
    form_html: str = ""


def checkout_methods() -> list[CheckoutMethod]:
    configured = getattr(settings, "CHECKOUT_PAYMENT_METHODS", None) or [
        {"id": "test", "name": "Card (test provider)", "provider": "test"}
    ]
    return [CheckoutMethod(**method) for method in configured]


def checkout_method(method_id: str) -> CheckoutMethod:
    for method in checkout_methods():
        if method.id == method_id:
            return method
    raise DomainError(f"Payment method {method_id} not found.")
