"""The catalogue's admin: Back-office admins keep it, the other groups look it up;
its lists read a bounded number of queries however large the catalogue."""

from __future__ import annotations

import pytest

from catalog.models import AllocationPriority, Market
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from tests.admin_support import role_user
from tests.catalog_support import make_item, make_market
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/admin/catalog/product/",
    "/admin/catalog/item/",
    "/admin/catalog/pricelist/",
    "/admin/catalog/price/",
    "/admin/catalog/countrytax/",
    "/admin/catalog/market/",
    "/admin/catalog/shippingmethod/",
    "/admin/catalog/category/",
]


@pytest.fixture
def catalogue():
    first, second = WarehouseFactory(name="Stockholm"), WarehouseFactory(name="Berlin")
    markets = [
        make_market(
            code=f"M{n}", currency=f"C{n:02d}", countries=(f"{n:02d}",), warehouses=(first, second)
        )
        for n in range(5)
    ]
    for n in range(10):
        make_item(
            f"SKU-{n}", prices={market.pricelist: "10.00" for market in markets}, name=f"P{n}"
        )
    return markets


@pytest.mark.parametrize("url", LISTS)
def test_every_catalogue_list_takes_a_bounded_number_of_queries(
    client, catalogue, url, django_assert_max_num_queries
):
    client.force_login(role_user(CUSTOMER_SERVICE))
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200


def test_the_markets_list_shows_each_allocation_rule(admin_client, catalogue):
    page = admin_client.get("/admin/catalog/market/").content.decode()
    assert page.count("Stockholm → Berlin") == len(catalogue)


@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, WAREHOUSE, FINANCE])
def test_the_other_groups_view_and_cannot_change(client, catalogue, role):
    client.force_login(role_user(role))
    market = catalogue[0]

    page = client.get(f"/admin/catalog/market/{market.pk}/change/")
    assert page.status_code == 200
    assert "Stockholm" in page.content.decode()
    assert client.get("/admin/catalog/market/add/").status_code == 403
    client.post(f"/admin/catalog/market/{market.pk}/change/", {"code": "X", "name": "X"})
    assert Market.objects.get(pk=market.pk).code == "M0"


def test_a_backoffice_admin_keeps_the_allocation_rule(client, catalogue):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    market = catalogue[0]
    first, second = (p.warehouse for p in market.priorities.all())
    country = market.countries.get()
    method = market.shipping_methods.get()
    priorities = list(market.priorities.order_by("priority"))
    form = {
        "code": market.code,
        "name": market.name,
        "pricelist": market.pricelist.pk,
        "countries-TOTAL_FORMS": 1,
        "countries-INITIAL_FORMS": 1,
        "countries-0-id": country.pk,
        "countries-0-market": market.pk,
        "countries-0-country": country.country,
        "priorities-TOTAL_FORMS": 2,
        "priorities-INITIAL_FORMS": 2,
        # Berlin first now.
        "priorities-0-id": priorities[0].pk,
        "priorities-0-market": market.pk,
        "priorities-0-warehouse": first.pk,
        "priorities-0-priority": 2,
        "priorities-1-id": priorities[1].pk,
        "priorities-1-market": market.pk,
        "priorities-1-warehouse": second.pk,
        "priorities-1-priority": 1,
        "shipping_methods-TOTAL_FORMS": 1,
        "shipping_methods-INITIAL_FORMS": 1,
        "shipping_methods-0-id": method.pk,
        "shipping_methods-0-market": market.pk,
        "shipping_methods-0-name": method.name,
        "shipping_methods-0-price": "5.90",
        "shipping_methods-0-is_default": "on",
    }

    response = client.post(f"/admin/catalog/market/{market.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    rule = AllocationPriority.objects.filter(market=market).order_by("priority")
    assert [(p.warehouse.name, p.priority) for p in rule] == [("Berlin", 1), ("Stockholm", 2)]
    assert [warehouse.name for warehouse in market.allocation_rule()] == ["Berlin", "Stockholm"]
    assert str(market.shipping_methods.get().price) == "5.90"
