"""A small catalogue for tests: one market, its pricelist, items with prices and tax."""

from __future__ import annotations

from decimal import Decimal

from catalog.models import (
    AllocationPriority,
    CountryTax,
    Item,
    Market,
    MarketCountry,
    Price,
    Pricelist,
    Product,
    ShippingMethod,
)
from shipments.models import Warehouse


def make_market(
    *,
    code: str = "EU",
    currency: str = "EUR",
    countries: tuple[str, ...] = ("SE",),
    tax: str = "25.00",
    warehouses: tuple[Warehouse, ...] = (),
    shipping: str = "4.90",
) -> Market:
    """A market selling in `currency`, reserving stock from `warehouses` in that order."""
    pricelist = Pricelist.objects.create(name=f"{currency} retail", currency=currency)
    market = Market.objects.create(code=code, name=f"Market {code}", pricelist=pricelist)
    for country in countries:
        MarketCountry.objects.create(market=market, country=country)
        CountryTax.objects.get_or_create(country=country, defaults={"percent": Decimal(tax)})
    for priority, warehouse in enumerate(warehouses, start=1):
        AllocationPriority.objects.create(market=market, warehouse=warehouse, priority=priority)
    ShippingMethod.objects.create(
        market=market, name="Standard", price=Decimal(shipping), is_default=True
    )
    return market


def make_item(sku: str, *, prices: dict[Pricelist, str], name: str = "Tee") -> Item:
    product, _ = Product.objects.get_or_create(uri=name.lower(), defaults={"name": name})
    item = Item.objects.create(product=product, sku=sku, size="M", ean="7350000000001")
    for pricelist, amount in prices.items():
        Price.objects.create(item=item, pricelist=pricelist, amount=Decimal(amount))
    return item
