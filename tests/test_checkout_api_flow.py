"""The whole purchase through the API and the test provider's page, with the real
placement: add, pay, approve (or decline) at the provider, return, payment-result."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from orders.models import Order, OrderStatus
from tests.checkout_support import Api, make_shop
from tests.test_checkout_api_paying import PAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(store):
    return Api(secret=make_shop().secret)


def pay_at_the_provider(api, decision: str, *, country: str = "SE") -> dict:
    """POST /payment (the buyer living in `country`), then the buyer's choice at the
    hosted page: the parameters the provider appended to the shop's return (or failed)
    page."""
    return decide(begin(api, country=country), decision)


def begin(api, *, country: str = "SE") -> str:
    """POST /payment: the provider's page to send the buyer to."""
    paid = api.post("payment", {**PAY, "address": {**PAY["address"], "country": country}})
    assert paid.status_code == 200, paid.data
    assert paid.data["action"] == "redirect"
    return paid.data["url"]


def decide(url: str, decision: str) -> dict:
    """The buyer approves or declines at the provider's page (which notifies the shop's
    server first), and lands on the shop's page with the provider's parameters."""
    page = urlsplit(url)
    assert (page.scheme, page.netloc) == ("http", "testserver")
    back = Client().post(page.path, {"decision": decision})
    assert back.status_code == 302
    landing = urlsplit(back["Location"])
    wanted = PAY["paymentReturnPage"] if decision == "approve" else PAY["paymentFailedPage"]
    assert f"{landing.scheme}://{landing.netloc}{landing.path}" == wanted
    return dict(parse_qsl(landing.query))


def test_approved_at_the_provider_the_order_is_placed_and_the_receipt_answered(api):
    api.post("items/TEE-M/quantity/2")

    fields = pay_at_the_provider(api, "approve")
    result = api.post("payment-result", {"paymentMethodFields": fields})
    again = api.post("payment-result", {"paymentMethodFields": fields})

    assert result.status_code == 200, result.data
    order = Order.objects.get(number=int(result.data["order"]["order"]))
    assert order.status == OrderStatus.PENDING
    assert result.data["order"]["totals"]["grandTotalPriceAsNumber"] == float(order.grand_total)
    assert order.payment.authorized_amount == order.grand_total
    assert again.status_code == 200 and again.data["order"]["order"] == str(order.number)
    assert Order.objects.exclude(status=OrderStatus.INCOMPLETE).count() == 1
    assert api.get("selection").data["selection"]["items"] == []
    assert api.get("receipt").data["order"]["order"] == str(order.number)


def test_declined_at_the_provider_is_412_and_the_selection_stays(api):
    api.post("items/TEE-M")

    fields = pay_at_the_provider(api, "decline")
    result = api.post("payment-result", {"paymentMethodFields": fields})

    assert result.status_code == 412
    assert result.data["errors"] == {"paymentMethod": "failed"}
    assert result.data["messages"]
    assert not Order.objects.exclude(status=OrderStatus.INCOMPLETE).exists()
    assert len(api.get("selection").data["selection"]["items"]) == 1
    assert api.post("items/TEE-M").status_code == 201  # no longer frozen


def test_the_cart_is_frozen_while_the_buyer_is_at_the_provider(api):
    api.post("items/TEE-M")
    api.post("payment", PAY)

    response = api.put("countries/US")

    assert response.status_code == 409
    assert "payment in progress" in response.data["errors"]["selection"]
