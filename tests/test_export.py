"""CSV export: the list's rows, the same file from the action, the link and the
command, formula values neutralised, batches of constant size, permissions."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice import export
from backoffice.admin.orders import OrderAdmin
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import Order, OrderStatus
from tests.admin_support import ORDERS_URL, role_user
from tests.factories import LineDataFactory, OrderFactory

S = OrderStatus
pytestmark = pytest.mark.django_db


def parsed(content: bytes) -> list[dict]:
    text = content.decode("utf-8")
    assert text.startswith(export.BYTE_ORDER_MARK)
    return list(csv.DictReader(io.StringIO(text.removeprefix(export.BYTE_ORDER_MARK))))


def body(response) -> bytes:
    assert response.status_code == 200, response.get("Location")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content)


@pytest.fixture
def orders():
    made = [
        OrderFactory(status=S.PENDING, market="US", shipping_country="US", currency="USD"),
        OrderFactory(status=S.CONFIRMED, market="US", billing_country="US", currency="USD"),
        OrderFactory(status=S.CONFIRMED, on_hold=True, customer_email="vip@example.com"),
        OrderFactory(status=S.PROCESSING, market="UK", currency="GBP"),
        OrderFactory(status=S.COMPLETED, market="US", currency="USD"),
        OrderFactory(status=S.CANCELLED),
        OrderFactory(status=S.ARCHIVED, market="US", currency="USD"),
        OrderFactory(status=S.PENDING, lines=[LineDataFactory(unit_price=Decimal("250.00"))]),
    ]
    return made


@pytest.fixture
def cs_client(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return client


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?market=US",
        "?status=2",
        "?status=5",
        "?on_hold=true",
        "?q=vip@example.com",
        "?grand_total_min=200",
        "?country=US&status=1",
    ],
)
def test_the_csv_of_a_filtered_list_has_exactly_the_list_rows(cs_client, orders, query):
    listed = cs_client.get(ORDERS_URL + query).context["cl"].result_list
    exported = parsed(body(cs_client.get(f"{ORDERS_URL}export/{query}")))
    assert [row["order number"] for row in exported] == [str(o.number) for o in listed]
    assert listed, "each case selects something"
    for order, row in zip(listed, exported, strict=True):
        assert row["status"] == order.get_status_display()
        assert row["grand total"] == str(order.grand_total)
        assert row["on hold"] == ("yes" if order.on_hold else "no")
        assert row["market"] == order.market


def test_an_order_row_has_its_totals_payment_and_shipped_units(cs_client):
    order = OrderFactory(status=S.COMPLETED, customer_name="Åsa Öberg")
    (row,) = parsed(body(cs_client.get(f"{ORDERS_URL}export/?status=4")))
    totals = order.totals()
    assert row["customer name"] == "Åsa Öberg"
    assert (row["subtotal"], row["discount"], row["shipping"], row["tax included"]) == (
        str(totals.subtotal),
        str(totals.discount),
        str(totals.shipping),
        str(totals.tax),
    )
    assert row["grand total"] == str(order.grand_total) == str(totals.grand_total)
    assert (row["payment"], row["captured"], row["refunded"]) == (
        "Captured",
        str(order.grand_total),
        "0.00",
    )
    assert row["shipped units"] == str(sum(line.quantity for line in order.lines.all()))
    assert row["completed"].startswith(f"{order.completed_at:%Y-%m-%d}")


def test_one_row_per_line(cs_client, orders):
    exported = parsed(body(cs_client.get(f"{ORDERS_URL}export/lines/?market=US")))
    expected = [
        (str(order.number), line.sku, str(line.quantity))
        for order in Order.objects.filter(market="US").exclude(status=S.ARCHIVED)
        for line in order.lines.order_by("pk")
    ]
    assert [(r["order number"], r["sku"], r["quantity"]) for r in exported] == expected


def test_values_a_spreadsheet_would_run_are_neutralised(cs_client):
    OrderFactory(
        status=S.PENDING,
        customer_name='=HYPERLINK("http://evil.example","Click")',
        billing_city="@SUM(1+1)",
        market="+EU",
        lines=[
            LineDataFactory(sku="-2+3", product_name="\tcmd", variant="\r=1"),
            LineDataFactory(sku="SKU-SAFE", product_name="Plain - not a formula"),
        ],
    )
    first, second = parsed(body(cs_client.get(f"{ORDERS_URL}export/lines/")))
    assert first["customer name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert first["market"] == "'+EU"
    assert (first["sku"], first["product"], first["variant"]) == ("'-2+3", "'\tcmd", "'\r=1")
    assert (second["sku"], second["product"]) == ("SKU-SAFE", "Plain - not a formula")
    # Numbers are numbers: never prefixed.
    assert not first["grand total"].startswith("'")
    assert export.neutralised(Decimal("-1.00")) == Decimal("-1.00")


@pytest.mark.parametrize("per_line", [False, True])
def test_the_command_the_action_and_the_link_give_the_same_file(client, orders, tmp_path, per_line):
    client.force_login(role_user(FINANCE))
    us_orders = Order.objects.filter(market="US").exclude(status=S.ARCHIVED)
    action = "export_order_lines" if per_line else "export_orders"
    from_action = body(
        client.post(
            ORDERS_URL,
            {"action": action, "index": 0, "_selected_action": [o.pk for o in us_orders]},
        )
    )
    link = f"{ORDERS_URL}export/{'lines/' if per_line else ''}?market=US"
    from_link = body(client.get(link))
    path = tmp_path / "orders.csv"
    call_command("export_orders", "--market", "US", *(["--lines"] if per_line else []), output=path)
    assert path.read_bytes() == from_action == from_link
    assert len(parsed(from_action)) >= 3


def test_the_command_leaves_archived_orders_out_unless_asked_like_the_list(orders, tmp_path):
    path = tmp_path / "orders.csv"
    call_command("export_orders", "--market", "US", output=path)
    statuses = {row["status"] for row in parsed(path.read_bytes())}
    assert "Archived" not in statuses and "Completed" in statuses
    call_command("export_orders", "--status", "5", output=path)
    assert {row["status"] for row in parsed(path.read_bytes())} == {"Archived"}


def test_a_bad_filter_is_one_sentence_and_writes_nothing(tmp_path):
    path = tmp_path / "orders.csv"
    with pytest.raises(CommandError, match="Invalid filter: --placed: Enter a valid date"):
        call_command("export_orders", "--placed-after", "yesterday", output=path)
    assert not path.exists()


def test_reading_is_two_queries_per_batch_whatever_the_count():
    for _ in range(25):
        OrderFactory(status=S.PENDING)
    with CaptureQueriesContext(connection) as queries:
        chunks = list(export.csv_chunks(Order.objects.all(), batch_size=10))
    # Batches of 10, 10, 5, then one empty read that ends the walk.
    assert len(queries) == 2 * 3 + 1
    assert all("OFFSET" not in q["sql"] for q in queries.captured_queries)
    assert len(chunks) == 3
    assert len(parsed("".join(chunks).encode())) == 25


@pytest.mark.parametrize(
    ("role", "may"),
    [(CUSTOMER_SERVICE, True), (FINANCE, True), (BACKOFFICE_ADMIN, True), (WAREHOUSE, False)],
)
def test_export_needs_the_export_permission(client, role, may):
    OrderFactory(status=S.PENDING)
    client.force_login(role_user(role))
    page = client.get(ORDERS_URL)
    assert (
        "export_orders" in page.context["action_form"].fields["action"].choices.__str__()
    ) == may
    assert ('class="centra-export"' in page.content.decode()) == may
    response = client.get(f"{ORDERS_URL}export/")
    assert response.status_code == (200 if may else 403)


def test_an_export_action_posted_without_the_permission_exports_nothing(client):
    order = OrderFactory(status=S.PENDING)
    client.force_login(role_user(WAREHOUSE))
    response = client.post(
        ORDERS_URL, {"action": "export_orders", "index": 0, "_selected_action": [order.pk]}
    )
    assert response.status_code == 302
    assert not getattr(response, "streaming", False)


def test_the_export_link_keeps_the_list_filters(cs_client, orders, monkeypatch):
    monkeypatch.setattr(OrderAdmin, "list_per_page", 2)
    html = cs_client.get(ORDERS_URL + "?market=US&p=2").content.decode()
    assert f'href="{ORDERS_URL}export/?market=US"' in html
    assert f'href="{ORDERS_URL}export/lines/?market=US"' in html
