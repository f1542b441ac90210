"""The test provider: External Payment Plugin signatures, its page and its notification endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.services.placement import StockShort, settle_from_return
from core.errors import DomainError
from orders.models import OrderStatus
from payments.hosted import (
    SIGNATURE_WINDOW,
    NotVerified,
    checkout_method,
    checkout_methods,
    secret_of_test_provider,
    sign,
    verify_signed,
)
from payments.models import PaymentAttempt, PaymentTransaction
from shipments.models import Stock
from tests.placement_support import answers, make_selection, make_shop, open_attempt

NOW = datetime.fromtimestamp(1765000000, tz=UTC)
SECRET = b"s3cret"
# Computed apart from the code:
#   printf '%s' PAYLOAD | openssl dgst -sha256 -hmac s3cret -binary | base64
VECTORS = [
    ("auth", True, "BNL4iyJ6qU0NqANQwa9BTlKhOzzHo+17TyGKjs0roRw="),  # …:true:auth
    (None, False, "A7vI8lJF8KZkr3tBfqJ7q2NqbD7GRqL3ZJTYWLb6XxE="),  # …:false (payment-result)
]


def fields(**overrides):
    base = {
        "selection": "pa_1",
        "amount": "100.00",
        "currency": "SEK",
        "timestamp": 1765000000,
        "transactionReference": "tx_1",
        "success": True,
        "intent": "auth",
    }
    base |= overrides
    base["signature"] = sign(
        selection=base["selection"],
        amount=base["amount"],
        currency=base["currency"],
        timestamp=int(base["timestamp"]),
        transaction_reference=base["transactionReference"],
        success=base["success"] in (True, "true"),
        intent=base.get("intent"),
        secret=SECRET,
    )
    return base


@pytest.mark.parametrize(("intent", "success", "expected"), VECTORS)
def test_signatures_match_the_external_payment_plugins_vectors(intent, success, expected):
    signature = sign(
        selection="pa_1",
        amount="100.00",
        currency="SEK",
        timestamp=1765000000,
        transaction_reference="tx_1",
        success=success,
        intent=intent,
        secret=SECRET,
    )
    assert signature == expected


def test_a_signed_notification_verifies_to_what_it_says():
    answer = verify_signed(fields(), secret=SECRET, now=NOW, with_intent=True)
    assert (answer.reference, answer.approved, answer.transaction_reference) == (
        "pa_1",
        True,
        "tx_1",
    )
    assert (answer.amount, answer.currency) == (Decimal("100.00"), "SEK")


def test_return_parameters_are_strings_and_sign_without_intent():
    returned = fields(intent=None, timestamp="1765000000", success="false")
    returned.pop("intent")
    answer = verify_signed(returned, secret=SECRET, now=NOW, with_intent=False)
    assert answer.approved is False


@pytest.mark.parametrize(
    ("change", "forged", "sentence"),
    [
        (lambda f: f | {"signature": "AAAA" + f["signature"][4:]}, True, "Invalid signature."),
        (lambda f: f | {"amount": "1.00"}, True, "Invalid signature."),
        (lambda f: f | {"selection": "pa_2"}, True, "Invalid signature."),
        (lambda f: fields(timestamp=1765000000 - SIGNATURE_WINDOW - 1), False, "window"),
        (lambda f: fields(timestamp=1765000000 + SIGNATURE_WINDOW + 1), False, "window"),
        (lambda f: fields(intent="void"), False, "Invalid intent: void"),
        (lambda f: f | {"amount": "1e999x"}, False, "not a number"),
        (lambda f: f | {"timestamp": "12:00"}, False, "Unix seconds"),
        (lambda f: f | {"success": "yes"}, False, "true or false"),
        (lambda f: {k: v for k, v in f.items() if k != "signature"}, False, "signature"),
    ],
)
def test_forged_stale_or_malformed_answers_are_not_verified(change, forged, sentence):
    with pytest.raises(NotVerified, match=sentence) as refused:
        verify_signed(change(fields()), secret=SECRET, now=NOW, with_intent=True)
    assert refused.value.forged is forged


def test_within_the_window_either_way_is_accepted():
    for skew in (-SIGNATURE_WINDOW, SIGNATURE_WINDOW):
        verify_signed(fields(timestamp=1765000000 + skew), secret=SECRET, now=NOW, with_intent=True)


def test_the_secret_comes_from_settings_or_from_the_secret_key(settings):
    settings.TEST_PROVIDER_SECRET = "configured"
    assert secret_of_test_provider() == b"configured"
    settings.TEST_PROVIDER_SECRET = ""
    derived = secret_of_test_provider()
    assert derived and derived != settings.SECRET_KEY.encode()
    settings.SECRET_KEY = "another-key"
    assert secret_of_test_provider() != derived


def test_checkout_methods_default_to_the_test_provider():
    assert [(m.id, m.provider) for m in checkout_methods()] == [("test", "test")]
    assert checkout_method("test").name == "Card (test provider)"
    with pytest.raises(DomainError, match=r"Payment method paypal not found\."):
        checkout_method("paypal")


# The endpoint and the page

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def attempt(db, store):
    make_shop()
    return open_attempt(make_selection(2))


def notify(client: Client, body: bytes, provider: str = "test"):
    return client.post(
        f"/payments/notifications/{provider}", data=body, content_type="application/json"
    )


def test_a_verified_notification_places_the_order_and_answers_ok(attempt, client):
    body, _ = answers(attempt)
    response = notify(client, body)
    assert (response.status_code, response.json()) == (200, {"success": True, "message": "OK"})
    attempt.refresh_from_db()
    assert attempt.status == "placed"
    assert attempt.order.status == OrderStatus.PENDING
    # The same notification again: the same order, still one authorization.
    assert notify(client, body).status_code == 200
    assert PaymentTransaction.objects.filter(payment__order=attempt.order).count() == 1


def resigned(attempt, **changes) -> bytes:
    body, _ = answers(attempt)
    notification = json.loads(body) | changes
    notification["signature"] = sign(
        selection=notification["selection"],
        amount=notification["amount"],
        currency=notification["currency"],
        timestamp=notification["timestamp"],
        transaction_reference=notification["transactionReference"],
        success=notification["success"],
        intent="auth",
        secret=secret_of_test_provider(),
    )
    return json.dumps(notification).encode()


@pytest.mark.parametrize(
    ("make_body", "status", "message"),
    [
        (lambda a: answers(a)[0].replace(b'"signature": "', b'"signature": "x'), 403, "signature"),
        (lambda a: answers(a, now=timezone.now() - timedelta(minutes=6))[0], 400, "window"),
        (lambda a: resigned(a, amount="25.01"), 400, "Mismatched amount"),
        (lambda a: resigned(a, currency="SEK"), 400, "Mismatched currency"),
        (lambda a: resigned(a, selection="pa_nobody"), 400, "No payment"),
        (lambda a: b"not json", 400, "not JSON"),
        (lambda a: b"[1]", 400, "not a JSON object"),
    ],
)
def test_a_forged_replayed_or_other_money_notification_records_nothing(
    attempt, client, make_body, status, message
):
    response = notify(client, make_body(attempt))
    assert response.status_code == status
    assert response.json()["success"] is False
    assert message in response.json()["message"]
    attempt.refresh_from_db()
    assert attempt.status == "open"
    assert attempt.order.status == OrderStatus.INCOMPLETE
    assert not PaymentTransaction.objects.exists()


def test_an_unknown_provider_and_a_get_are_refused(attempt, client):
    assert notify(client, answers(attempt)[0], provider="paypal").status_code == 400
    assert client.get("/payments/notifications/test").status_code == 405


def test_the_page_shows_the_shops_amount_and_lets_the_form_reach_the_shop(attempt, client):
    response = client.get(f"/payments/test-provider/{attempt.reference}")
    assert response.status_code == 200
    assert "25.00" in response.text and "EUR" in response.text
    assert "<script" not in response.text
    policy = response.headers["Content-Security-Policy"]
    assert "form-action 'self' https://shop.example" in policy
    assert "script-src 'self'" in policy


def test_approving_places_the_order_and_returns_with_signed_parameters(attempt, client):
    response = client.post(f"/payments/test-provider/{attempt.reference}", {"decision": "approve"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "shop.example", "/thanks")
    params = {key: values[0] for key, values in parse_qs(target.query).items()}
    assert params["step"] == "3"  # the return page's own query is kept
    assert params["selection"] == attempt.reference
    assert (params["amount"], params["currency"], params["success"]) == ("25.00", "EUR", "true")
    assert set(params) == {
        "step",
        "selection",
        "amount",
        "currency",
        "timestamp",
        "transactionReference",
        "success",
        "signature",
    }
    attempt.refresh_from_db()
    assert attempt.status == "placed"
    assert attempt.transaction_reference == params["transactionReference"]
    # The page is settled: a second visit says so.
    assert client.get(f"/payments/test-provider/{attempt.reference}").status_code == 410


def test_declining_goes_to_the_failed_page_and_places_nothing(attempt, client):
    response = client.post(f"/payments/test-provider/{attempt.reference}", {"decision": "decline"})
    target = urlsplit(response["Location"])
    assert target.path == "/failed"
    assert parse_qs(target.query)["success"] == ["false"]
    attempt.refresh_from_db()
    assert attempt.status == "declined"
    assert attempt.order.status == OrderStatus.INCOMPLETE
    assert not PaymentTransaction.objects.exists()


def test_the_page_is_csrf_protected(attempt):
    client = Client(enforce_csrf_checks=True)
    url = f"/payments/test-provider/{attempt.reference}"
    assert client.post(url, {"decision": "approve"}).status_code == 403
    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_no_decision_shows_the_page_again(attempt, client):
    response = client.post(f"/payments/test-provider/{attempt.reference}", {"decision": "maybe"})
    assert response.status_code == 400
    attempt.refresh_from_db()
    assert attempt.status == "open"


def test_an_unknown_or_expired_payment_is_a_plain_page(attempt, client):
    assert client.get("/payments/test-provider/pa_nobody").status_code == 404
    attempt.expires_at = timezone.now() - timedelta(seconds=1)
    attempt.save(update_fields=["expires_at"])
    response = client.get(f"/payments/test-provider/{attempt.reference}")
    assert response.status_code == 410
    assert "expired" in response.text
    assert (
        client.post(
            f"/payments/test-provider/{attempt.reference}", {"decision": "approve"}
        ).status_code
        == 410
    )


def test_approving_when_the_stock_is_gone_returns_and_the_result_says_so(attempt, client):
    Stock.objects.update(on_hand=0)
    response = client.post(f"/payments/test-provider/{attempt.reference}", {"decision": "approve"})
    params = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    assert params["success"] == "true"
    with pytest.raises(StockShort):
        settle_from_return(fields=params)
    attempt.refresh_from_db()
    assert attempt.status == "cancelled"
    assert not PaymentTransaction.objects.exists()


def test_an_approval_for_an_expired_attempt_is_not_ok(attempt, client):
    attempt_expired = PaymentAttempt.objects.filter(pk=attempt.pk)
    body, _ = answers(attempt)
    attempt_expired.update(expires_at=timezone.now())
    response = notify(client, body)
    assert response.status_code == 409
    assert response.json() == {
        "success": False,
        "message": "The payment expired before it was approved.",
    }
    assert not PaymentTransaction.objects.exists()
