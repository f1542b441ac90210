"""Paying through the Checkout API: `POST /payment`, `POST /payment-result`, `GET /receipt`,
with the real placement and the test provider's hosted page.

The whole purchase (approve, decline, the frozen cart) is `tests/test_checkout_api_flow.py`;
this file holds what each paying call answers and refuses.
"""

from __future__ import annotations

import pytest

from catalog.models import AllocationPriority
from orders.models import Order, OrderStatus
from payments.models import AttemptStatus, PaymentAttempt, PaymentTransaction
from shipments.models import Stock
from storefront.api.tokens import digest
from storefront.models import CheckoutSession
from tests.checkout_support import ADDRESS, PAY, RECEIPT, Api, begin, decide, make_shop
from tests.factories import StockFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def api(shop):
    return Api(secret=shop.secret)


def selection_id(api) -> int:
    return CheckoutSession.objects.get(token_hash=digest(api.token)).selection_id


def test_payment_takes_the_address_inline_and_answers_a_redirect(api):
    api.post("items/TEE-M")
    order_id = selection_id(api)

    response = api.post("payment", PAY)

    assert response.status_code == 200, response.data
    assert response.data["action"] == "redirect"
    attempt = PaymentAttempt.objects.get(order_id=order_id)
    assert response.data["url"] == f"http://testserver/payments/test-provider/{attempt.reference}"
    assert response.data["token"] == api.token
    assert response.data["selection"]["address"]["firstName"] == "Anna"
    order = Order.objects.get(pk=order_id)
    assert (order.customer_email, order.billing_country, order.payment_method) == (
        "anna@example.com",
        "SE",
        "test",
    )
    assert (attempt.status, attempt.amount, attempt.currency) == (
        AttemptStatus.OPEN,
        order.grand_total,
        "EUR",
    )
    assert (attempt.return_page, attempt.failed_page, attempt.by) == (
        PAY["paymentReturnPage"],
        PAY["paymentFailedPage"],
        "storefront:web",
    )


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"termsAndConditions": ""}, {"termsAndConditions": "must be accepted"}),
        (
            {"paymentReturnPage": "/success"},
            {"paymentReturnPage": "must be an absolute http(s) URL"},
        ),
        (
            {"address": {**ADDRESS, "email": "nope"}},
            {"address.email": "not a valid e-mail address"},
        ),
    ],
)
def test_payment_refuses_bad_input_with_406_and_opens_nothing(api, change, errors):
    api.post("items/TEE-M")

    response = api.post("payment", {**PAY, **change})

    assert response.status_code == 406
    assert response.data["errors"] == errors
    assert not PaymentAttempt.objects.exists()


def test_payment_of_an_empty_selection_is_406_and_an_unknown_method_404(api):
    assert api.post("payment", PAY).status_code == 406
    api.post("items/TEE-M")
    unknown = api.post("payment", {**PAY, "paymentMethod": "cash"})
    assert unknown.status_code == 404
    assert unknown.data["errors"] == {"paymentMethod": "not found"}
    assert not PaymentAttempt.objects.exists()


def test_short_stock_is_410_with_the_unavailable_list_and_them_removed(api, shop):
    warehouse = WarehouseFactory(name="Stockholm")
    AllocationPriority.objects.create(market=shop.web, warehouse=warehouse, priority=1)
    StockFactory(warehouse=warehouse, sku="TEE-M", on_hand=1)
    StockFactory(warehouse=warehouse, sku="CAP-ONE", on_hand=0)
    api.post("items/TEE-M/quantity/3")
    api.post("items/CAP-ONE")

    response = api.post("payment", PAY)

    assert response.status_code == 410
    assert response.data["errors"] == {"stock": "unavailable items"}
    assert response.data["unavailable"] == [
        {"item": "TEE-M", "product": "Tee", "originalQuantity": 3, "unavailable": 2,
         "available": 1},
        {"item": "CAP-ONE", "product": "Cap", "originalQuantity": 1, "unavailable": 1,
         "available": 0},
    ]  # fmt: skip
    assert [(i["sku"], i["quantity"]) for i in response.data["selection"]["items"]] == [
        ("TEE-M", 1)
    ]
    assert not PaymentAttempt.objects.exists()
    assert list(Stock.objects.order_by("sku").values_list("sku", "allocated")) == [
        ("CAP-ONE", 0),
        ("TEE-M", 0),
    ]


def test_payment_result_answers_the_receipt_and_the_session_starts_again(api):
    api.post("items/TEE-M")
    order_id = selection_id(api)
    fields = decide(begin(api), "approve")

    result = api.post("payment-result", {"paymentMethodFields": fields})

    assert result.status_code == 200, result.data
    assert set(result.data) == {"token", "order", "languages", "countries", "location"}
    assert set(result.data["order"]) == RECEIPT
    order = Order.objects.get(pk=order_id)
    assert result.data["order"]["order"] == str(order.number)
    assert (result.data["order"]["status"], result.data["order"]["statusDescription"]) == (
        "untouched",
        "Pending",
    )
    assert result.data["order"]["address"]["countryName"] == "Sweden"
    assert result.data["order"]["totals"]["grandTotalPriceAsNumber"] == float(order.grand_total)
    after = api.get("selection")
    assert after.status_code == 200 and after.data["selection"]["items"] == []
    assert after.data["token"] == api.token
    receipt = api.get("receipt")
    assert receipt.status_code == 200 and receipt.data["order"]["order"] == str(order.number)


def test_a_tampered_payment_result_is_412_and_places_nothing(api):
    """The buyer's word is not enough: parameters whose signature does not hold."""
    api.post("items/TEE-M")
    order_id = selection_id(api)
    # Declined at the provider, then "approved" by editing the return page's address.
    fields = decide(begin(api), "decline") | {"success": "true"}

    response = api.post("payment-result", {"paymentMethodFields": fields})

    assert response.status_code == 412
    assert response.data["errors"] == {"paymentMethod": "failed"}
    assert isinstance(response.data["messages"], list) and response.data["messages"]
    assert Order.objects.get(pk=order_id).status == OrderStatus.INCOMPLETE
    assert not PaymentTransaction.objects.filter(outcome="success").exists()


def test_an_order_placed_by_the_notification_is_detached_on_the_next_call(api):
    """Approved at the provider (its notification places the order), and the shop
    never calls payment-result, as Centra's example shop after `action: success`."""
    api.post("items/TEE-M")
    order_id = selection_id(api)
    decide(begin(api), "approve")

    assert Order.objects.get(pk=order_id).status == OrderStatus.PENDING
    assert api.get("selection").data["selection"]["items"] == []
    assert api.get("receipt").data["order"]["order"] == str(Order.objects.get(pk=order_id).number)


def test_receipt_without_an_order_is_404(api):
    response = api.get("receipt")

    assert response.status_code == 404
    assert response.data["errors"] == {"order": "not found"}


def test_paying_again_while_a_payment_is_open_starts_over_but_the_cart_is_frozen(api):
    api.post("items/TEE-M")
    first = begin(api)

    frozen = api.post("items/TEE-M")
    again = api.post("payment", PAY)

    assert frozen.status_code == 409
    assert again.status_code == 200 and again.data["action"] == "redirect"
    assert again.data["url"] != first
    statuses = list(PaymentAttempt.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [AttemptStatus.CANCELLED, AttemptStatus.OPEN]
    assert len(api.get("selection").data["selection"]["items"]) == 1
