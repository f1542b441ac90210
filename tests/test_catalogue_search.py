"""The catalogue search of the selection page: items for sale by SKU or product
name, the pricelist's price, and what each warehouse has available, in two queries."""

import pytest

from catalog.models import Item, Product
from catalog.search import search_items
from shipments.models import Stock, Warehouse
from tests.catalog_support import make_item, make_market

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    north = Warehouse.objects.create(name="North", priority=1)
    south = Warehouse.objects.create(name="South", priority=2)
    market = make_market(code="SE", currency="SEK", countries=("SE",))
    pricelist = market.pricelist
    make_item("TEE-M", prices={pricelist: "299.00"}, name="Organic tee")
    make_item("TEE-L", prices={pricelist: "309.00"}, name="Organic tee")
    make_item("CAP-ONE", prices={}, name="Wool cap")
    hidden = make_item("TEE-OLD", prices={pricelist: "99.00"}, name="Old tee")
    Item.objects.filter(pk=hidden.pk).update(is_active=False)
    Stock.objects.create(warehouse=north, sku="TEE-M", on_hand=10, allocated=3)
    Stock.objects.create(warehouse=south, sku="TEE-M", on_hand=2)
    Stock.objects.create(warehouse=south, sku="CAP-ONE", on_hand=5)
    return pricelist, [north, south]


def test_finds_by_sku_start_or_name_with_price_and_stock_per_warehouse(
    catalogue, django_assert_num_queries
):
    pricelist, warehouses = catalogue
    with django_assert_num_queries(2):
        hits = search_items(term="tee", pricelist=pricelist, warehouses=warehouses)
    assert [(h.sku, h.product, str(h.price), h.available) for h in hits] == [
        ("TEE-L", "Organic tee", "309.00", (0, 0)),
        ("TEE-M", "Organic tee", "299.00", (7, 2)),
    ]
    cap = search_items(term="cap-", pricelist=pricelist, warehouses=warehouses)
    assert [(h.sku, h.price, h.available) for h in cap] == [("CAP-ONE", None, (0, 5))]


def test_an_empty_term_or_an_inactive_product_finds_nothing(catalogue, django_assert_num_queries):
    pricelist, warehouses = catalogue
    with django_assert_num_queries(0):
        assert search_items(term="  ", pricelist=pricelist, warehouses=warehouses) == []
    Product.objects.filter(name="Organic tee").update(is_active=False)
    assert search_items(term="tee", pricelist=pricelist, warehouses=warehouses) == []


def test_many_matches_stay_two_queries_and_are_capped(catalogue, django_assert_num_queries):
    pricelist, warehouses = catalogue
    for n in range(30):
        make_item(f"SOCK-{n:02d}", prices={pricelist: "49.00"}, name="Sock")
    with django_assert_num_queries(2):
        hits = search_items(term="sock", pricelist=pricelist, warehouses=warehouses)
    assert len(hits) == 20
