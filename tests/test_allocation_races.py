"""Buyers checking out at once for the last units: each unit is reserved once."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from backoffice import services as backoffice
from core.errors import DomainError
from orders.models import Order, OrderStatus
from shipments.models import Allocation, Stock
from tests.catalog_support import make_market
from tests.factories import FACTORY, LineDataFactory, OrderFactory, StockFactory, WarehouseFactory
from tests.helpers import race

S = OrderStatus
BUYERS = 20
LAST_UNITS = 5

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def checkout(order_id):
    return lambda: backoffice.checkout_order(order_id=order_id, by=FACTORY)


def test_twenty_buyers_for_the_last_five_units_five_orders_are_placed():
    first = WarehouseFactory(name="Stockholm", priority=1)
    second = WarehouseFactory(name="Berlin", priority=2)
    make_market(code="WEB", warehouses=(first, second))
    StockFactory(warehouse=first, sku="LAST-TEE", on_hand=3)
    StockFactory(warehouse=second, sku="LAST-TEE", on_hand=2)
    selections = [
        OrderFactory(
            market="WEB",
            lines=[LineDataFactory(sku="LAST-TEE", quantity=1, unit_price=Decimal("10.00"))],
        )
        for _ in range(BUYERS)
    ]

    results = race(*(checkout(order.pk) for order in selections))

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(placed), len(refused)) == (LAST_UNITS, BUYERS - LAST_UNITS), results
    assert {str(r) for r in refused} == {"Only 0 of LAST-TEE are in stock, not the 1 wanted."}
    statuses = Order.objects.filter(pk__in=[o.pk for o in selections]).values_list(
        "status", flat=True
    )
    assert sorted(statuses).count(S.PENDING) == LAST_UNITS
    assert sorted(statuses).count(S.INCOMPLETE) == BUYERS - LAST_UNITS
    for row in Stock.objects.filter(sku="LAST-TEE"):
        assert row.allocated == row.on_hand  # every unit reserved, never more
    reserved = Allocation.objects.aggregate(total=Sum("quantity"))["total"]
    assert reserved == LAST_UNITS
    assert set(Allocation.objects.values_list("order_line__order", flat=True)) == {
        order.pk for order in placed
    }
