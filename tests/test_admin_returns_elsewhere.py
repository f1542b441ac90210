"""Returns beyond their own pages: the order page's Returns section, the cancel
refusal's way out, the orders list's Returns filter and marker, the flow page.

The order (tests/returns_support.py): A 3 × 10.00 less 1.00 (29.00), B 1 × 20.00,
shipping 5.00 = 54.00, shipped, captured and completed in one shipment from Main.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, WAREHOUSE
from orders.models import OrderStatus
from returns import services as returns
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import FACTORY, OrderFactory, ShipmentFactory
from tests.returns_support import LINES, completed_order, make_return

pytestmark = pytest.mark.django_db
SHIPMENTS_URL = "/admin/shipments/shipment/"


def logged_in(client, role: str):
    user = role_user(role)
    client.force_login(user)
    return user


# The order page, the orders list, the flow page ------------------------------------


def test_order_page_shows_the_returns_with_amounts_and_their_steps(
    client, django_assert_max_num_queries
):
    logged_in(client, BACKOFFICE_ADMIN)
    order = completed_order()
    make_return(order, a=1)
    counts = []
    client.get(f"{ORDERS_URL}{order.pk}/change/")  # warms the content type cache
    for b in (1, 0):
        with django_assert_max_num_queries(40), CaptureQueriesContext(connection) as queries:
            page = client.get(f"{ORDERS_URL}{order.pk}/change/")
        counts.append(len(queries))
        make_return(order, a=1, b=b)
    assert counts[0] == counts[1]
    rows = page.context["return_rows"]
    assert [row["return"].number for row in rows] == [f"{order.number}-R1", f"{order.number}-R2"]
    assert rows[1]["lines"] == "1 × A (9.66 EUR), 1 × B (20.00 EUR)"
    assert rows[1]["refund"] == "29.66 EUR"
    html = page.content.decode()
    assert 'data-step="return-refund"' in html and 'data-step="return-complete"' in html


def test_cancel_refusal_points_to_create_return_only_for_those_who_can(client):
    # Processing: A shipped, completed and captured, B still open; cancel's state
    # fits, and the capture refuses it.
    order = OrderFactory(status=OrderStatus.CONFIRMED, lines=LINES)
    a_line = order.lines.get(sku="A")
    shipment = ShipmentFactory(order=order, quantities={a_line.pk: 3}, status="completed")
    logged_in(client, CUSTOMER_SERVICE)
    html = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert "Refund them through a return instead:" in html
    assert f"{SHIPMENTS_URL}{shipment.pk}/step/create_return/" in html
    logged_in(client, WAREHOUSE)
    html = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert "Refund them through a return" not in html


def test_orders_list_filters_by_returns_and_marks_orders_with_returns(client):
    logged_in(client, CUSTOMER_SERVICE)
    without, pending, refunded = completed_order(), completed_order(), completed_order()
    make_return(pending, a=1)
    returns.refund_return(return_id=make_return(refunded, a=1).pk, by=FACTORY)

    def listed(query: str) -> set[int]:
        response = client.get(ORDERS_URL + query)
        return {o.pk for o in response.context["cl"].result_list}, response.content.decode()

    assert (
        listed("?returns=none")[0] >= {without.pk} and pending.pk not in listed("?returns=none")[0]
    )
    assert listed("?returns=pending")[0] == {pending.pk}
    assert listed("?returns=refunded")[0] == {refunded.pk}
    html = listed("")[1]
    assert "↩ 1 return, 1 pending" in html and "↩ 1 return<" in html
    bad = client.get(ORDERS_URL + "?returns=maybe")
    assert "is not one of its choices" in " ".join(messages_of(bad))


def test_flow_page_draws_the_return_machine(client):
    logged_in(client, WAREHOUSE)
    page = client.get(f"{ORDERS_URL}flow/")
    returns_diagram = page.context["diagrams"][2]
    assert returns_diagram.title == "Return"
    edges = {(e.name, e.label) for e in returns_diagram.edges}
    assert {("refund", "refund"), ("complete", "complete"), ("uncomplete", "uncomplete")} <= edges
