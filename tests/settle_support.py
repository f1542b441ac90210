"""Helpers for payments that settle later: the test gateway's asynchronous mode and
the signed notifications that settle its requests, handed in as the endpoint does."""

from __future__ import annotations

import json

from django.utils import timezone

from backoffice.services.notifications import Answer, receive_notification
from orders.models import Order
from payments.hosted import TestProvider, secret_of_test_provider, sign
from payments.models import Payment, PaymentTransaction


def settling_later(order: Order) -> None:
    """From now on the test gateway answers captures and refunds with requests."""
    # A test-gateway setting, not a state: plain update is fine.
    Payment.objects.filter(order=order).update(test_settles_later=True)


def open_request(order: Order, kind: str = "capture") -> PaymentTransaction:
    rows = PaymentTransaction.objects.filter(payment__order=order, kind=kind)
    return rows.open_requests().select_related("payment").last()


def settlement_body(request: PaymentTransaction, *, succeeded: bool = True, **changes) -> bytes:
    body = TestProvider().settlement(
        request, succeeded=succeeded, now=timezone.now(), reason="" if succeeded else "Expired"
    )
    return json.dumps(body | changes).encode()


def deliver(body: bytes) -> Answer:
    return receive_notification(provider="test", body=body, headers={})


def notify(kind: str = "capture", *, succeeded: bool = True):
    """A step: the provider settles the order's open request of `kind`."""

    def run(order: Order) -> Answer:
        answer = deliver(settlement_body(open_request(order, kind), succeeded=succeeded))
        assert answer.status == 200, answer
        return answer

    return run


def resigned(request: PaymentTransaction, **changes) -> bytes:
    """The request's settlement with `changes`, signed again: genuine, but not its money."""
    body = json.loads(settlement_body(request)) | changes
    body["signature"] = sign(
        selection=body["selection"],
        amount=body["amount"],
        currency=body["currency"],
        timestamp=body["timestamp"],
        transaction_reference=body["transactionReference"],
        success=body["success"],
        intent=body["intent"],
        secret=secret_of_test_provider(),
    )
    return json.dumps(body).encode()
