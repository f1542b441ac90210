"""The demo's catalogue: the products, prices, tax rates and markets its orders use.

Every SKU the demo's selections name is an item here, priced in each market's
pricelist at the price the selections charge. The markets get no allocation
rule until the stories are told, so the stories' orders take stock when their
shipments are created, as they expect; then each market gets one, so the orders
the demo shop (/shop/) places reserve their stock at placement.
"""

from __future__ import annotations

from decimal import Decimal

from backoffice.demo.catalog import MARKETS, PRODUCTS, TAX, pricelist_name, shop_price, sku_of
from backoffice.demo.stories import Warehouses
from catalog.models import (
    AllocationPriority,
    Category,
    CountryTax,
    Item,
    Market,
    MarketCountry,
    Price,
    Pricelist,
    Product,
    Voucher,
)
from catalog.models import ShippingMethod as Method

# (name, price in euros, default): priced per market like the products.
SHIPPING = (("Standard", Decimal("4.90"), True), ("Express", Decimal("12.90"), False))

# The shop's shelves (uri, name) and the products (by code) on each.
CATEGORIES = (
    ("tops", "Tops", ("TEE-ORGANIC", "HOODIE-LOOP")),
    ("bottoms", "Bottoms", ("JEANS-STRAIGHT",)),
    ("shoes", "Shoes", ("SNEAKER-LOW",)),
    ("outerwear", "Outerwear", ("JACKET-RAIN",)),
    ("accessories", "Accessories", ("CAP-WOOL", "SOCKS-3PK", "TOTE-CANVAS")),
)


def make_catalogue() -> None:
    pricelists = {
        market.currency: Pricelist.objects.create(
            name=pricelist_name(market.currency), currency=market.currency
        )
        for market in MARKETS
    }
    _make_products(pricelists)
    _make_categories()
    for market in MARKETS:
        _make_market(market, pricelists[market.currency])


def _make_products(pricelists: dict[str, Pricelist]) -> None:
    for index, (code, name, variants, euro_price) in enumerate(PRODUCTS):
        product = Product.objects.create(name=name, uri=code.lower())
        for size_index, variant in enumerate(variants):
            item = Item.objects.create(
                product=product,
                sku=sku_of(code, variant),
                ean=ean13(f"735000{index:03d}{size_index:03d}"),
                size=variant,
            )
            Price.objects.bulk_create(
                Price(item=item, pricelist=pricelist, amount=shop_price(euro_price, currency))
                for currency, pricelist in pricelists.items()
            )


def _make_categories() -> None:
    for position, (uri, name, codes) in enumerate(CATEGORIES):
        category = Category.objects.create(uri=uri, name=name, position=position)
        category.products.set(Product.objects.filter(uri__in=[code.lower() for code in codes]))


def _make_market(market, pricelist: Pricelist) -> None:
    made = Market.objects.create(code=market.code, name=market.code, pricelist=pricelist)
    for country in market.countries:
        MarketCountry.objects.create(market=made, country=country)
        CountryTax.objects.create(country=country, percent=Decimal(TAX[market.currency]))
    for name, euro_price, default in SHIPPING:
        Method.objects.create(
            market=made,
            name=name,
            price=shop_price(euro_price + Decimal("0.10"), market.currency),
            is_default=default,
        )
    # A code to try in the shop: 10 % off every line.
    Voucher.objects.create(market=made, code="WELCOME10", percent=Decimal("10"))


def give_markets_allocation_rules(warehouses: Warehouses) -> None:
    """American orders from New Jersey first, the others from Stockholm; then the rest."""
    for market in Market.objects.all():
        first = warehouses.america if market.code == "US" else warehouses.europe
        rest = [w for w in (warehouses.europe, warehouses.america, warehouses.store) if w != first]
        AllocationPriority.objects.bulk_create(
            AllocationPriority(market=market, warehouse=warehouse, priority=priority)
            for priority, warehouse in enumerate([first, *rest], start=1)
        )


def ean13(first_twelve: str) -> str:
    """The twelve digits with their EAN-13 check digit."""
    weighted = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(first_twelve))
    return first_twelve + str((10 - weighted % 10) % 10)


def delete_catalogue() -> None:
    # Markets first: their allocation rules protect the warehouses (their vouchers go too).
    Market.objects.all().delete()
    Pricelist.objects.all().delete()
    Item.objects.all().delete()
    Product.objects.all().delete()
    Category.objects.all().delete()
    CountryTax.objects.all().delete()
