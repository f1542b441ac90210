"""Paying through the Checkout API: `POST /payment`, `POST /payment-result`, `GET /receipt`.

The placement service (`backoffice.services.placement`) is part A's; these tests
stand in for it with a module that keeps its contract, so the API's side (what it
sends, what it answers, the session after the order) is proven on its own.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError
from orders.models import Order, OrderStatus
from payments.hosted import PaymentAction
from payments.models import PaymentAttempt
from storefront.api.tokens import digest
from storefront.models import CheckoutSession
from tests.checkout_support import Api, make_shop

pytestmark = pytest.mark.django_db

ADDRESS = {
    "firstName": "Anna", "lastName": "Berg", "address1": "Storgatan 1", "zipCode": "11122",
    "city": "Stockholm", "country": "SE", "state": "", "email": "anna@example.com",
}  # fmt: skip
PAY = {
    "paymentMethod": "test",
    "termsAndConditions": "1",
    "paymentReturnPage": "http://localhost:3000/success",
    "paymentFailedPage": "http://localhost:3000/failed",
    "address": ADDRESS,
}
RECEIPT = {"order", "status", "statusDescription", "date", "affiliateHtml", "language"}
RECEIPT |= {"currency", "paymentMethod", "paymentMethodName", "shippingMethod"}
RECEIPT |= {"shippingMethodName", "items", "discounts", "totals", "vatExempt", "address"}
RECEIPT |= {"shippingAddress", "giftMessage", "additionalNotes", "paymentMethodData"}
RECEIPT |= {"currencyFormat"}


@dataclass(frozen=True)
class Unavailable:
    sku: str
    product: str
    original_quantity: int
    unavailable: int
    available: int


class StockShort(DomainError):
    def __init__(self, unavailable):
        super().__init__("Some items are not in stock.")
        self.unavailable = unavailable


class PaymentFailed(DomainError):
    pass


class PaymentNotVerified(DomainError):
    pass


@pytest.fixture
def placement(monkeypatch):
    """A stand-in for part A's placement module, keeping its names and signatures."""
    fake = types.ModuleType("backoffice.services.placement")
    fake.calls = []
    fake.short = {}  # sku → units available

    def begin_payment(*, order_id, method, return_page, failed_page, base_url, by):
        fake.calls.append((order_id, method, return_page, failed_page, base_url, str(by)))
        order = Order.objects.get(pk=order_id)
        short = [
            Unavailable(line.sku, line.product_name, line.quantity, line.quantity - left, left)
            for line in order.lines.all()
            if (left := fake.short.get(line.sku, line.quantity)) < line.quantity
        ]
        if short:
            raise StockShort(short)
        return PaymentAction(action="redirect", url=f"{base_url}payments/test-provider/r1")

    def remove_unavailable(*, order_id, by):
        order = Order.objects.get(pk=order_id)
        gone = []
        for line in order.lines.all():
            left = fake.short.get(line.sku, line.quantity)
            if left < line.quantity:
                gone.append(Unavailable(line.sku, line.product_name, line.quantity,
                                        line.quantity - left, left))  # fmt: skip
                line.delete() if left == 0 else type(line).objects.filter(pk=line.pk).update(
                    quantity=left
                )
        return gone

    def settle_from_return(*, fields):
        order = Order.objects.get(pk=fields["selection"])
        if fields.get("result") != "approved":
            raise PaymentFailed("The payment was declined.")
        Order.objects.filter(pk=order.pk).update(
            status=OrderStatus.PENDING, placed_at=timezone.now()
        )
        return Order.objects.get(pk=order.pk)

    for name, value in {
        "Unavailable": Unavailable, "StockShort": StockShort, "PaymentFailed": PaymentFailed,
        "PaymentNotVerified": PaymentNotVerified, "begin_payment": begin_payment,
        "remove_unavailable": remove_unavailable, "settle_from_return": settle_from_return,
        "payment_in_progress": lambda order: PaymentAttempt.objects.filter(
            order=order, status="open"
        ).exists(),
    }.items():  # fmt: skip
        setattr(fake, name, value)
    monkeypatch.setitem(sys.modules, "backoffice.services.placement", fake)
    import backoffice.services

    monkeypatch.setattr(backoffice.services, "placement", fake, raising=False)
    return fake


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def api(shop):
    return Api(secret=shop.secret)


def selection_id(api) -> int:
    return CheckoutSession.objects.get(token_hash=digest(api.token)).selection_id


def test_payment_takes_the_address_inline_and_answers_a_redirect(api, placement):
    api.post("items/TEE-M")
    order_id = selection_id(api)

    response = api.post("payment", PAY)

    assert response.status_code == 200, response.data
    assert response.data["action"] == "redirect"
    assert response.data["url"] == "http://testserver/payments/test-provider/r1"
    assert response.data["token"] == api.token
    assert response.data["selection"]["address"]["firstName"] == "Anna"
    assert placement.calls == [
        (order_id, "test", PAY["paymentReturnPage"], PAY["paymentFailedPage"],
         "http://testserver/", "storefront:web")
    ]  # fmt: skip
    order = Order.objects.get(pk=order_id)
    assert (order.customer_email, order.billing_country, order.payment_method) == (
        "anna@example.com",
        "SE",
        "test",
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
def test_payment_refuses_bad_input_with_406(api, placement, change, errors):
    api.post("items/TEE-M")

    response = api.post("payment", {**PAY, **change})

    assert response.status_code == 406
    assert response.data["errors"] == errors
    assert placement.calls == []


def test_payment_of_an_empty_selection_is_406_and_an_unknown_method_404(api, placement):
    assert api.post("payment", PAY).status_code == 406
    api.post("items/TEE-M")
    unknown = api.post("payment", {**PAY, "paymentMethod": "cash"})
    assert unknown.status_code == 404
    assert unknown.data["errors"] == {"paymentMethod": "not found"}


def test_short_stock_is_410_with_the_unavailable_list_and_them_removed(api, placement):
    api.post("items/TEE-M/quantity/3")
    api.post("items/CAP-ONE")
    placement.short = {"TEE-M": 1, "CAP-ONE": 0}

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


def test_payment_result_answers_the_receipt_and_the_session_starts_again(api, placement):
    api.post("items/TEE-M")
    api.post("payment", PAY)
    order_id = selection_id(api)

    result = api.post(
        "payment-result", {"paymentMethodFields": {"selection": order_id, "result": "approved"}}
    )

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


def test_a_failed_payment_result_is_412_and_the_selection_stays(api, placement):
    api.post("items/TEE-M")
    api.post("payment", PAY)
    order_id = selection_id(api)

    response = api.post(
        "payment-result", {"paymentMethodFields": {"selection": order_id, "result": "declined"}}
    )

    assert response.status_code == 412
    assert response.data["errors"] == {"paymentMethod": "failed"}
    assert response.data["messages"] == ["The payment was declined."]
    assert Order.objects.get(pk=order_id).status == OrderStatus.INCOMPLETE
    assert len(api.get("selection").data["selection"]["items"]) == 1


def test_an_order_placed_by_the_notification_is_detached_on_the_next_call(api, placement):
    api.post("items/TEE-M")
    order_id = selection_id(api)
    Order.objects.filter(pk=order_id).update(status=OrderStatus.PENDING)

    assert api.get("selection").data["selection"]["items"] == []
    assert api.get("receipt").data["order"]["order"] == str(Order.objects.get(pk=order_id).number)


def test_receipt_without_an_order_is_404(api):
    response = api.get("receipt")

    assert response.status_code == 404
    assert response.data["errors"] == {"order": "not found"}


def test_paying_again_while_a_payment_is_open_starts_over_but_the_cart_is_frozen(api, placement):
    api.post("items/TEE-M")
    order_id = selection_id(api)
    PaymentAttempt.objects.create(
        order_id=order_id, reference="r0", provider="test", payment_method="test",
        amount="34.80", currency="EUR", return_page=PAY["paymentReturnPage"],
        by="storefront:web", expires_at=timezone.now() + timedelta(minutes=30),
    )  # fmt: skip

    frozen = api.post("items/TEE-M")
    again = api.post("payment", PAY)

    assert frozen.status_code == 409
    assert again.status_code == 200 and again.data["action"] == "redirect"
    assert len(placement.calls) == 1
