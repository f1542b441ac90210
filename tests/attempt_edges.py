"""The payment attempt's edges, one case each: placed, declined, cancelled (begun again)."""

from __future__ import annotations

import pytest

from backoffice.services.placement import PaymentFailed, settle_from_return
from payments.models import AttemptStatus, PaymentAttempt
from tests.machine_edges import case
from tests.placement_support import answers, make_selection, make_shop, open_attempt

A = AttemptStatus


def an_open_attempt(store) -> PaymentAttempt:
    make_shop()
    return open_attempt(make_selection())


def decline(attempt: PaymentAttempt) -> None:
    with pytest.raises(PaymentFailed):
        settle_from_return(fields=answers(attempt, approved=False)[1])


ATTEMPT_CASES = [
    case(
        "the provider approves: the order is placed",
        an_open_attempt,
        lambda attempt: settle_from_return(fields=answers(attempt)[1]),
        (PaymentAttempt, "place", A.OPEN, A.PLACED),
    ),
    case(
        "the provider declines",
        an_open_attempt,
        decline,
        (PaymentAttempt, "decline", A.OPEN, A.DECLINED),
    ),
    case(
        "the buyer begins the payment again",
        an_open_attempt,
        lambda attempt: open_attempt(attempt.order),
        (PaymentAttempt, "cancel", A.OPEN, A.CANCELLED),
    ),
]
