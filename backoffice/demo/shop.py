"""The demo's catalogue: the products, prices, tax rates and markets its orders use.

Every SKU the demo's selections name is an item here, priced in each market's
pricelist at the price the selections charge. The markets have no allocation
rule, so the demo's orders take stock when their shipments are created, as the
stories expect.
"""

from __future__ import annotations

from decimal import Decimal

from backoffice.demo.catalog import MARKETS, PRODUCTS, TAX, pricelist_name, shop_price, sku_of
from catalog.models import (
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


def make_catalogue() -> None:
    pricelists = {
        market.currency: Pricelist.objects.create(
            name=pricelist_name(market.currency), currency=market.currency
        )
        for market in MARKETS
    }
    _make_products(pricelists)
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
    CountryTax.objects.all().delete()
