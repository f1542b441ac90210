"""A shop paying through the test provider: a market reserving stock, a selection, an attempt."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from backoffice.services.placement import begin_payment
from core.actors import process
from orders.models import Order
from payments.hosted import TestProvider
from payments.models import PaymentAttempt
from tests.catalog_support import make_item, make_market
from tests.factories import LineDataFactory, OrderFactory, StockFactory, WarehouseFactory

SHOP = process("storefront", "web")
SKU = "LAST-TEE"
RETURN_PAGE = "https://shop.example/thanks?step=3"
FAILED_PAGE = "https://shop.example/failed"


def make_shop(*, on_hand: int = 10, second: int = 0) -> None:
    """Market WEB reserving from Stockholm (`on_hand` units) then Berlin (`second`)."""
    first = WarehouseFactory(name="Stockholm", priority=1)
    berlin = WarehouseFactory(name="Berlin", priority=2)
    market = make_market(code="WEB", warehouses=(first, berlin))
    make_item(SKU, prices={market.pricelist: "10.00"})
    StockFactory(warehouse=first, sku=SKU, on_hand=on_hand)
    StockFactory(warehouse=berlin, sku=SKU, on_hand=second)


def make_selection(quantity: int = 1, **fields) -> Order:
    """An Incomplete order of WEB: `quantity` × 10.00 plus 5.00 shipping (the factory's)."""
    line = LineDataFactory(sku=SKU, quantity=quantity, unit_price=Decimal("10.00"))
    return OrderFactory(market="WEB", lines=[line], **fields)


def begin(order: Order, **overrides):
    arguments = {
        "order_id": order.pk,
        "method": "test",
        "return_page": RETURN_PAGE,
        "failed_page": FAILED_PAGE,
        "base_url": "http://testserver",
        "by": SHOP,
    }
    return begin_payment(**(arguments | overrides))


def open_attempt(order: Order) -> PaymentAttempt:
    begin(order)
    return order.payment_attempts.get(status="open")


def answers(attempt: PaymentAttempt, *, approved: bool = True, now: datetime | None = None):
    """The test provider's (notification body as bytes, return parameters) for the attempt."""
    notification, returned = TestProvider().answer(
        attempt, approved=approved, now=now or timezone.now()
    )
    return json.dumps(notification).encode(), returned
