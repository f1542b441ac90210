"""What a storefront reads before it sells (Centra's example shop's calls): languages,
countries, markets, pricelists, categories, a path, a search; none of them stores anything."""

from __future__ import annotations

import pytest

from catalog.models import AllocationPriority
from shipments.models import Stock, Warehouse
from storefront.models import CheckoutSession
from tests.checkout_support import Api, make_shop

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
PRODUCT = {"product", "name", "uri", "categoryUri", "variantName", "price", "priceAsNumber"}
PRODUCT |= {"media", "items", "relatedProducts"}


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def api(shop):
    return Api(secret=shop.secret)


def test_languages(api):
    response = api.get("languages")

    assert response.status_code == 200
    assert {"language": "en", "name": "English", "default": True} in response.data["languages"]
    for language in response.data["languages"]:
        assert set(language) == {"language", "name", "default"}


def test_countries_lists_the_shippable_ones_with_their_market(api):
    response = api.get("countries")

    assert [c["country"] for c in response.data["countries"]] == ["DE", "SE", "US"]
    sweden = response.data["countries"][1]
    assert sweden == {
        "country": "SE", "name": "Sweden", "eu": True, "shipTo": True, "language": "en",
        "currency": "EUR", "market": "WEB", "pricelist": "EUR retail", "states": [],
    }  # fmt: skip


def test_countries_all_needs_the_secret(shop):
    from catalog.models import CountryTax

    CountryTax.objects.create(country="NO", percent=25)
    every = Api(secret=shop.secret).get("countries/all").data["countries"]

    assert {c["country"]: c["shipTo"] for c in every} == {
        "DE": True,
        "SE": True,
        "US": True,
        "NO": False,
    }
    assert Api().get("countries/all").status_code == 401


def test_markets_and_pricelists_need_the_secret(api, shop):
    markets = api.get("markets").data["markets"]
    pricelists = api.get("pricelists").data["pricelists"]

    assert {m["market"]: m["default"] for m in markets} == {"WEB": True, "US": False}
    assert set(markets[0]) == {"market", "name", "default", "pricelist", "countries"}
    assert {p["pricelist"]: (p["currency"], p["default"]) for p in pricelists} == {
        "EUR retail": ("EUR", True),
        "USD retail": ("USD", False),
    }
    for path in ("markets", "pricelists"):
        refused = Api().get(path)
        assert refused.status_code == 401 and "authorization" in refused.data["errors"]


def test_categories(api):
    response = api.post(
        "categories", {"market": "WEB", "pricelist": "EUR retail", "language": "en"}
    )

    assert response.data["categories"] == [
        {"category": response.data["categories"][0]["category"], "uri": "tops", "name": "Tops",
         "inCategory": None}
    ]  # fmt: skip


def test_uri_finds_a_product_with_its_items_and_price(api):
    response = api.post("uri", {"uri": "/tops/tee", "for": ["category", "product"]})

    assert response.status_code == 200
    assert response.data["found"] == "product"
    product = response.data["product"]
    assert set(product) == PRODUCT
    assert (product["name"], product["categoryUri"], product["price"]) == (
        "Tee",
        "tops",
        f"29.90{NBSP}EUR",
    )
    assert product["items"] == [
        {"item": "TEE-M", "name": "M", "sku": "TEE-M", "ean": "7350000000001", "stock": "yes"}
    ]


def test_uri_finds_a_category_with_its_products_priced_in_the_market(api):
    response = api.post("uri", {"uri": "/tops", "for": ["category"], "market": "US"})

    assert response.data["found"] == "category"
    assert response.data["category"]["uri"] == "tops"
    # The cap has no USD price: the US market does not sell it.
    assert [(p["name"], p["priceAsNumber"]) for p in response.data["products"]] == [("Tee", 32.0)]


def test_an_unknown_uri_is_404(api):
    response = api.post("uri", {"uri": "/nowhere/nothing"})

    assert response.status_code == 404
    assert response.data["errors"] == {"uri": "not found"}


def test_products_search(api):
    found = api.post("products", {"search": "cap", "language": "en"}).data["products"]
    every = api.post("products", {}).data["products"]

    assert [p["name"] for p in found] == ["Cap"]
    assert [p["name"] for p in every] == ["Cap", "Tee"]
    assert set(found[0]) == PRODUCT
    assert not CheckoutSession.objects.exists()


def test_stock_says_no_when_the_markets_warehouses_have_none(api, shop):
    warehouse = Warehouse.objects.create(name="Main")
    AllocationPriority.objects.create(market=shop.web, warehouse=warehouse, priority=1)
    Stock.objects.create(warehouse=warehouse, sku="TEE-M", on_hand=2, allocated=2)
    Stock.objects.create(warehouse=warehouse, sku="CAP-ONE", on_hand=3, allocated=1)

    products = api.post("products", {}).data["products"]

    assert {p["items"][0]["sku"]: p["items"][0]["stock"] for p in products} == {
        "TEE-M": "no",
        "CAP-ONE": "yes",
    }
