"""Packing lists and pro-forma invoices: content, amounts to the cent, actions, links."""

from decimal import Decimal

import pytest
from django.conf import settings

from backoffice import documents
from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import OrderStatus
from shipments.models import ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, ORDERS_URL, messages_of, role_user
from tests.factories import LineDataFactory, OrderFactory, ShipmentFactory

S = OrderStatus
SHIPMENTS_URL = "/admin/shipments/shipment/"
pytestmark = pytest.mark.django_db


def two_shipment_order():
    """144.80 EUR: 2 × 29.90 T-shirts, a 89.00 pair of jeans with 9.00 off, 5.00 shipping;
    shipped in two shipments, the first completed (it carries the shipping)."""
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=Decimal("5.00"),
        lines=[
            LineDataFactory(
                sku="TEE-M", product_name="T-shirt", variant="M", quantity=2, unit_price="29.90"
            ),
            LineDataFactory(
                sku="JEANS-32",
                product_name="Jeans",
                variant="32",
                quantity=1,
                unit_price="89.00",
                discount="9.00",
                tax_percent="12.00",
            ),
        ],
    )
    tee, jeans = order.lines.order_by("pk")
    first = ShipmentFactory(order=order, quantities={tee.pk: 2}, status=ShipmentStatus.COMPLETED)
    second = ShipmentFactory(order=order, quantities={jeans.pk: 1})
    order.refresh_from_db()
    return order, first, second


def test_pro_formas_use_the_shipments_amounts_and_add_up_to_the_grand_total():
    order, first, _second = two_shipment_order()
    assert order.grand_total == Decimal("144.80")
    one, two = documents.documents(documents.shipments_for(order_id=order.pk), priced=True)
    assert (one.total, two.total) == ("64.80 EUR", "80.00 EUR")
    assert one.total == f"{first.amount} EUR" and one.shipping == "5.00 EUR"
    assert one.charged and not two.charged
    assert (one.number_of, two.number_of) == ("1 of 2", "2 of 2")
    (jeans,) = two.lines
    assert (jeans.unit_price, jeans.discount, jeans.tax, jeans.amount) == (
        "89.00 EUR",
        "9.00 EUR",
        "8.57 EUR",  # 80.00 × 12 / 112
        "80.00 EUR",
    )
    assert one.tax == "11.96 EUR"  # 59.80 × 25 / 125


def test_the_order_page_links_print_every_shipment_of_the_order(client):
    order, first, second = two_shipment_order()
    client.force_login(role_user(CUSTOMER_SERVICE))
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert f'href="{SHIPMENTS_URL}print/packing-lists/?order={order.pk}"' in page
    assert f'href="{SHIPMENTS_URL}print/pro-forma/?order={order.pk}"' in page

    packing = client.get(f"{SHIPMENTS_URL}print/packing-lists/?order={order.pk}")
    html = packing.content.decode()
    assert html.count('class="document"') == 2
    # The print rules live in a static file (the Content-Security-Policy allows
    # no inline style).
    assert "centra/documents.css" in html
    css = (settings.BASE_DIR / "static" / "centra" / "documents.css").read_text()
    assert "@page { size: A4" in css and "break-after: page" in css
    for text in ("TEE-M", "T-shirt", "JEANS-32", first.ref, second.ref, order.shipping_street):
        assert text in html
    assert "EUR" not in html and "29.90" not in html  # no prices on a packing list

    proforma = client.get(f"{SHIPMENTS_URL}print/pro-forma/?order={order.pk}").content.decode()
    assert "64.80 EUR" in proforma and "80.00 EUR" in proforma and "144.80 EUR" in proforma


def test_the_shipments_list_prints_the_selection_on_one_page(client):
    _order, first, second = two_shipment_order()
    other = ShipmentFactory()
    client.force_login(role_user(WAREHOUSE))
    response = client.post(
        SHIPMENTS_URL,
        {"action": "print_proformas", "index": 0, "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert response["Location"] == (f"{SHIPMENTS_URL}print/pro-forma/?ids={first.pk}%2C{second.pk}")
    html = client.get(response["Location"]).content.decode()
    assert html.count('class="document"') == 2 and other.ref not in html


@pytest.mark.parametrize("role", [WAREHOUSE, FINANCE])
def test_the_print_actions_are_on_the_shipments_list(client, role):
    client.force_login(role_user(role))
    ShipmentFactory()
    choices = dict(client.get(SHIPMENTS_URL).context["action_form"].fields["action"].choices)
    assert choices["print_packing_lists"] == "Print packing lists"
    assert choices["print_proformas"] == "Print pro-forma invoices"


def test_without_view_permission_nothing_prints(client):
    shipment = ShipmentFactory()
    client.force_login(role_user(NO_PERMISSIONS))
    url = f"{SHIPMENTS_URL}print/pro-forma/?ids={shipment.pk}"
    assert client.get(url).status_code == 403


def test_nothing_to_print_says_so(client):
    client.force_login(role_user(WAREHOUSE))
    response = client.get(f"{SHIPMENTS_URL}print/packing-lists/?ids=999999,abc")
    assert response.status_code == 302
    assert messages_of(response) == ["There is no shipment to print."]
