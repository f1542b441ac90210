"""Payment errors: still `DomainError`s, so every caller can show them as they are."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from core.errors import DomainError


class PaymentDeclined(DomainError):
    """The payment provider said no.

    Raised by the payment services only after their own transaction block has
    exited, so the failed `PaymentTransaction` row survives when the service is
    called at top level. A caller that calls a payment service inside its own
    `transaction.atomic()` goes through `unless_declined` below.
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

    def explaining(self, not_done: str) -> PaymentDeclined:
        """This decline as the reason a larger step was not taken, for that step's caller:
        "Order 1042 was not cancelled: the payment provider declined to void …"."""
        why = str(self)
        return PaymentDeclined(
            f"{not_done}: {why[:1].lower()}{why[1:]}",
            operation=self.operation,
            amount=self.amount,
            provider_message=self.provider_message,
        )


def unless_declined(step: Callable[[], object]) -> PaymentDeclined | None:
    """Run a step that calls the payment provider inside the caller's transaction;
    return the provider's decline instead of raising it.

    The one way to call a payment service inside your own `transaction.atomic()`:
    a block left by the exception would roll back the failed ledger row the
    payment service wrote. So: take the decline, skip what depended on the money,
    let the block exit normally, and raise the decline after it (or, where the
    step stands without the money, keep it as the ledger's record and go on).
    """
    try:
        step()
    except PaymentDeclined as declined:
        return declined
    return None
