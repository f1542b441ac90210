"""Payment errors: still `DomainError`s, so every caller can show them as they are."""

from __future__ import annotations

from decimal import Decimal

from orders.errors import DomainError


class PaymentDeclined(DomainError):
    """The payment provider said no.

    Raised by the payment services only after their own transaction block has
    exited, so the failed `PaymentTransaction` row survives when the service is
    called at top level. A caller that calls a payment service inside its own
    `transaction.atomic()` must catch this, let its block exit normally (keeping
    the failed row), and raise it again afterwards.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str = "",
        amount: Decimal | None = None,
        provider_message: str = "",
    ):
        super().__init__(message)
        self.operation = operation
        self.amount = amount
        self.provider_message = provider_message
