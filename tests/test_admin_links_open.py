"""Every admin link a user sees opens for that user: Customer service, who may not
open shipments or warehouses, reads them as plain text on the order page, a
return's page, the returns list and "Create return…"; a superuser gets the links.

The order (tests/returns_support.py): shipped in one shipment from Main,
captured and completed; one return of it goes into another warehouse.
"""

from __future__ import annotations

import pytest

from core.roles import CUSTOMER_SERVICE
from returns.models import Return, StockAction
from tests.admin_support import ORDERS_URL, admin_links, opens, role_user
from tests.factories import UserFactory, WarehouseFactory
from tests.returns_support import completed_order, line_of, make_return, shipment_of

pytestmark = pytest.mark.django_db
RETURNS_URL = "/admin/returns/return/"


@pytest.fixture
def pages():
    """The order page, the return's page, the returns list and the create-return
    page (its form, and its confirmation of a return into another warehouse)."""
    order = completed_order()
    overflow = WarehouseFactory(name="Overflow")
    return_ = make_return(
        order, a=1, stock_action=StockAction.TO_WAREHOUSE, warehouse_id=overflow.pk
    )
    shipment = shipment_of(order)
    create = f"/admin/shipments/shipment/{shipment.pk}/step/create_return/"
    confirm = {
        f"qty_{line_of(order, 'A').pk}": 1,
        "stock_action": StockAction.TO_WAREHOUSE,
        "warehouse": overflow.pk,
        "_take_step": "1",
    }
    return {
        "order": order,
        "return": return_,
        "shipment": shipment,
        "overflow": overflow,
        "get": [f"{ORDERS_URL}{order.pk}/change/", f"{RETURNS_URL}{return_.pk}/change/",
                RETURNS_URL, create],
        "post": [(create, confirm)],
    }  # fmt: skip


def seen_pages(client, pages) -> dict[str, str]:
    seen = {}
    for url in pages["get"]:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = response.content.decode()
    for url, data in pages["post"]:
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 200 and "Yes, create return" in html, url
        seen[f"{url} (confirm)"] = html
    return seen


def test_customer_service_sees_no_link_it_cannot_open(client, pages):
    client.force_login(role_user(CUSTOMER_SERVICE))
    seen = seen_pages(client, pages)
    dead = {
        (page, link)
        for page, html in seen.items()
        for link in admin_links(html)
        if not opens(client, link)
    }
    assert dead == set()
    # The shipment and the warehouse are still named, as text.
    shipment, overflow = pages["shipment"], pages["overflow"]
    order_page, return_page, returns_list = (seen[url] for url in pages["get"][:3])
    assert f"<td>{shipment.ref}</td>" in order_page
    assert f'<div class="readonly">{shipment.ref}</div>' in return_page
    assert f'<div class="readonly">{overflow}</div>' in return_page
    assert f'<td class="field-shipment_text">{shipment.ref}</td>' in returns_list
    for html in seen.values():
        assert f"/admin/shipments/shipment/{shipment.pk}/change/" not in html
        assert "/admin/shipments/warehouse/" not in html


def test_a_superuser_still_gets_the_links(client, pages):
    client.force_login(UserFactory(username="boss", is_superuser=True, is_staff=True))
    seen = seen_pages(client, pages)
    shipment, overflow = pages["shipment"], pages["overflow"]
    shipment_url = f"/admin/shipments/shipment/{shipment.pk}/change/"
    warehouse_url = f"/admin/shipments/warehouse/{overflow.pk}/change/"
    order_page, return_page, returns_list = (seen[url] for url in pages["get"][:3])
    assert f'<a href="{shipment_url}">{shipment.ref}</a>' in order_page
    assert f'<a href="{shipment_url}">{shipment.ref}</a>' in return_page
    assert f'<a href="{warehouse_url}">{overflow}</a>' in return_page
    assert f'<a href="{shipment_url}">{shipment.ref}</a>' in returns_list
    for link in (shipment_url, warehouse_url):
        assert opens(client, link)


def test_create_return_without_next_goes_back_to_the_order_for_customer_service(client, pages):
    client.force_login(role_user(CUSTOMER_SERVICE))
    url, data = pages["post"][0]
    response = client.post(url, data | {"_confirmed": "yes"})
    assert Return.objects.count() == 2
    assert response["Location"] == f"{ORDERS_URL}{pages['order'].pk}/change/"
    assert opens(client, response["Location"])
