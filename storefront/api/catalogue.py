"""What a storefront reads before it sells (reference §3a): languages, countries,
markets, pricelists, categories, a category or product by its path, a search.

These calls store nothing: without a token they answer a new one that is stored
only when the buyer's first cart call makes a selection.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Min, Q, Sum
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Category, CountryTax, Market, Price, Pricelist, Product
from core.money import ZERO
from shipments.models import Stock
from storefront.api import fields as f
from storefront.api import places
from storefront.api.base import CheckoutView
from storefront.api.body import price, token_of
from storefront.api.context import Refused


class CatalogueView(CheckoutView):
    error_statuses = (406,)

    def reply(self, **body) -> Response:
        return Response({**token_of(self.checkout), **body})

    def market(self, data: dict | None = None) -> Market:
        """The market asked for (server-side), else the buyer's selection's, else the
        storefront's."""
        code = f.text(data or {}, "market") if self.checkout.server_side else ""
        if not code:
            order = self.checkout.selection()
            code = order.market if order else self.checkout.storefront.market.code
        market = Market.objects.select_related("pricelist").filter(code=code).first()
        if market is None:
            raise Refused(404, {"market": "not found"})
        return market


class LanguagesView(CatalogueView):
    def get(self, request: Request):
        return self.reply(languages=places.language_list(self.checkout.storefront))


class CountriesView(CatalogueView):
    def get(self, request: Request, every: bool = False):
        rows = places.country_rows(self.checkout.storefront)
        if every:
            if not self.checkout.server_side:
                raise Refused(401, {"authorization": "this call needs the storefront's secret"})
            shipped = {row["country"] for row in rows}
            rows += [
                {"country": code, "name": places.country_name(code), "eu": code in places.EU,
                 "shipTo": False, "language": self.checkout.storefront.language, "states": []}
                for code in CountryTax.objects.exclude(country__in=shipped)
                .values_list("country", flat=True)
            ]  # fmt: skip
        return self.reply(countries=rows)


class MarketsView(CatalogueView):
    needs_secret = True

    def get(self, request: Request):
        default = self.checkout.storefront.market_id
        markets = Market.objects.select_related("pricelist").prefetch_related("countries")
        return self.reply(
            markets=[
                {
                    "market": m.code,
                    "name": m.name,
                    "default": m.pk == default,
                    "pricelist": m.pricelist.name,
                    "countries": [row.country for row in m.countries.all()],
                }
                for m in markets
            ]
        )


class PricelistsView(CatalogueView):
    needs_secret = True

    def get(self, request: Request):
        default = self.checkout.storefront.market.pricelist_id
        return self.reply(
            pricelists=[
                {
                    "pricelist": p.name,
                    "name": p.name,
                    "currency": p.currency,
                    "default": p.pk == default,
                    "markets": [m.code for m in p.markets.all()],
                }
                for p in Pricelist.objects.prefetch_related("markets")
            ]
        )


class CategoriesView(CatalogueView):
    def post(self, request: Request):
        return self.reply(
            categories=[
                {"category": str(c.pk), "uri": c.uri, "name": c.name, "inCategory": None}
                for c in Category.objects.all()
            ]
        )


class UriView(CatalogueView):
    """`{uri: "/category/product", for: ["category", "product"]}`: the product whose
    uri is the path's last part, else the category."""

    def post(self, request: Request):
        data = f.body_of(request)
        wanted = data.get("for") or ["category", "product"]
        parts = [part for part in f.text(data, "uri").split("/") if part]
        market = self.market(data)
        if parts and "product" in wanted:
            product = for_sale(market).filter(uri=parts[-1]).first()
            if product is not None:
                shown = products_of(market, Product.objects.filter(pk=product.pk))
                return self.reply(found="product", product=shown[0]) if shown else self.gone()
        if parts and "category" in wanted:
            category = Category.objects.filter(uri=parts[-1]).first()
            if category is not None:
                listed = for_sale(market).filter(categories=category)
                return self.reply(
                    found="category",
                    category={"category": str(category.pk), "uri": category.uri,
                              "name": category.name},
                    products=products_of(market, listed),
                )  # fmt: skip
        return self.gone()

    def gone(self):
        raise Refused(404, {"uri": "not found"})


class ProductsView(CatalogueView):
    """Search: `{search, categories?}`; an empty search lists every product."""

    def post(self, request: Request):
        data = f.body_of(request)
        market = self.market(data)
        found = for_sale(market)
        words = f.text(data, "search")
        if words:
            found = found.filter(
                Q(name__icontains=words) | Q(items__sku__iexact=words) | Q(uri__icontains=words)
            ).distinct()
        return self.reply(products=products_of(market, found))


def for_sale(market: Market):
    """Active products with an active item priced in the market's pricelist."""
    return Product.objects.filter(
        is_active=True,
        items__is_active=True,
        items__prices__pricelist=market.pricelist,
    ).distinct()


def products_of(market: Market, products) -> list[dict]:
    """Each product with its lowest price in the market's pricelist (what "from" shows),
    its first category's uri and its items with stock."""
    products = list(products.prefetch_related("categories", "items"))
    ids = [p.pk for p in products]
    prices = Price.objects.filter(
        pricelist=market.pricelist, item__product__in=ids, item__is_active=True
    )
    lowest = dict(prices.values_list("item__product").annotate(Min("amount")))
    priced = set(prices.values_list("item__sku", flat=True))
    stock = stock_of(market, priced)
    currency = market.pricelist.currency
    shown = []
    for product in products:
        if product.pk not in lowest:
            continue
        categories = list(product.categories.all())
        items = [i for i in product.items.all() if i.is_active and i.sku in priced]
        shown.append({
            "product": str(product.pk),
            "name": product.name,
            "uri": product.uri,
            "categoryUri": categories[0].uri if categories else "",
            "variantName": "",
            **price(lowest[product.pk], currency, "price"),
            "media": {"standard": []},
            "items": [
                {"item": i.sku, "name": i.size, "sku": i.sku, "ean": i.ean, "stock": stock(i.sku)}
                for i in items
            ],
            "relatedProducts": [],
        })  # fmt: skip
    return shown


def stock_of(market: Market, skus: set[str]):
    """ "yes" or "no" per SKU: units available (on hand less allocated) in the
    market's allocation rule; a market without a rule takes stock only when a
    shipment is made, so it always says "yes"."""
    rule = market.allocation_rule()
    if not rule:
        return lambda sku: "yes"
    available: dict[str, Decimal] = defaultdict(lambda: ZERO)
    rows = (
        Stock.objects.filter(warehouse__in=rule, sku__in=skus)
        .values("sku")
        .annotate(free=Sum(F("on_hand") - F("allocated")))
    )
    for row in rows:
        available[row["sku"]] = row["free"]
    return lambda sku: "yes" if available[sku] > 0 else "no"
