"""Buyers paying at once through the API, on PostgreSQL: twenty buyers for the last five
units get five receipts and fifteen 410s; never more units reserved than on hand."""

from __future__ import annotations

import pytest

from catalog.models import AllocationPriority
from orders.models import Order, OrderStatus
from shipments.models import Stock
from tests.checkout_support import Api, make_shop
from tests.factories import WarehouseFactory
from tests.helpers import race
from tests.test_checkout_api_flow import begin, decide

BUYERS = 20
LAST_UNITS = 5

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_twenty_buyers_for_the_last_five_units_through_the_api(store):
    shop = make_shop()
    warehouse = WarehouseFactory(name="Stockholm")
    AllocationPriority.objects.create(market=shop.web, warehouse=warehouse, priority=1)
    Stock.objects.create(warehouse=warehouse, sku="TEE-M", on_hand=LAST_UNITS)
    buyers = []
    for _ in range(BUYERS):
        api = Api(secret=shop.secret)
        api.post("items/TEE-M")
        buyers.append((api, begin(api)))  # nothing reserved yet: each passes the check

    def buy(api: Api, url: str):
        """Approve at the provider's page (its notification places the order first),
        then post the result as the shop's return page does."""
        fields = decide(url, "approve")
        return api.post("payment-result", {"paymentMethodFields": fields})

    answers = race(*(lambda api=api, url=url: buy(api, url) for api, url in buyers))

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * LAST_UNITS + [410] * (BUYERS - LAST_UNITS), answers
    for answer in answers:
        if answer.status_code == 410:
            assert answer.data["errors"] == {"stock": "unavailable items"}
            assert answer.data["unavailable"][0]["available"] == 0
            assert answer.data["selection"]["items"] == []
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == LAST_UNITS
    stock = Stock.objects.get(sku="TEE-M")
    assert stock.allocated == stock.on_hand == LAST_UNITS
