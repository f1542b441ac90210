"""Orders staff make, for tests: the returns' completed order (market EU, lines A and
B shipped from "Main"), then a catalogue for EU that reserves stock from Main at
placement, selling A in sizes M and L (A-L), B, and a dearer and a cheaper shirt.

Prices, EUR: A 10.00, A-L 10.00, B 20.00, A-XL (the dearer) 12.50, A-S (the
cheaper) 7.25. The returned units were charged A 29.00 for 3 (9.67, 9.67, 9.66)
and B 20.00.
"""

from __future__ import annotations

from decimal import Decimal

from backoffice.services.placement import settle_from_notification
from catalog.models import Item, Product
from orders.models import Order
from payments.models import Payment
from shipments.models import Stock
from tests.catalog_support import make_item, make_market
from tests.factories import WarehouseFactory
from tests.placement_support import answers
from tests.returns_support import completed_order

D = Decimal
PRICES = {"A": "10.00", "A-L": "10.00", "B": "20.00", "A-XL": "12.50", "A-S": "7.25"}


def make_catalogue(*, on_hand: int = 10) -> None:
    """Market EU (Sweden, shipping 5.00) reserving from Main; every SKU `on_hand` there."""
    main = WarehouseFactory(name="Main")
    market = make_market(code="EU", warehouses=(main,), shipping="5.00")
    for sku, price in PRICES.items():
        name = "Cap" if sku == "B" else "Shirt"
        make_item(sku, prices={market.pricelist: price}, name=name)
        # The completed order's shipment may have made (and emptied) the row.
        Stock.objects.update_or_create(warehouse=main, sku=sku, defaults={"on_hand": on_hand})
    Item.objects.filter(sku="A-L").update(size="L")
    Item.objects.filter(sku="A-XL").update(size="XL")
    Item.objects.filter(sku="A-S").update(size="S")
    assert Product.objects.count() == 2


def shop_with_completed_order() -> Order:
    """The completed order first (its checkout reserved nothing), then the catalogue."""
    order = completed_order()
    make_catalogue()
    return order


def allocated(sku: str) -> int:
    return Stock.objects.get(warehouse__name="Main", sku=sku).allocated


def on_hand(sku: str) -> int:
    return Stock.objects.get(warehouse__name="Main", sku=sku).on_hand


def pay_link(order: Order, *, approved: bool = True) -> None:
    """The customer at the payment link's page: the provider's notification, as it sends it."""
    attempt = order.payment_attempts.get(status="open")
    body, _ = answers(attempt, approved=approved)
    settle_from_notification(provider="test", body=body, headers={})


def kept(*orders: Order) -> Decimal:
    """Captured − refunded over the orders' payments (settled rows only)."""
    total = D("0.00")
    for payment in Payment.objects.filter(order__in=orders):
        total += payment.captured_amount - payment.refunded_amount
    return total
