"""The whole purchase through the API and the test provider's page, with the real
placement: add, pay, approve (or decline) at the provider, return, payment-result."""

from __future__ import annotations

import pytest

from orders.models import Order, OrderStatus
from tests.checkout_support import PAY, Api, make_shop, pay_at_the_provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(store):
    return Api(secret=make_shop().secret)


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
