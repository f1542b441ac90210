"""The orders list: columns, filters, search, drill-down, counting, query budget."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.admin.orders import OrderAdmin
from backoffice.admin.orders.filters import placed_drilldown
from core.admin.pagination import EstimatedCountPaginator
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from orders.models import Order, OrderEvent, OrderStatus
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import LineDataFactory, OrderFactory

S = OrderStatus


def listed(client, query: str = "") -> list[int]:
    response = client.get(ORDERS_URL + query)
    assert response.status_code == 200, response.get("Location")
    return [order.number for order in response.context["cl"].result_list]


@pytest.fixture
def cs_client(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return client


@pytest.mark.django_db
def test_columns_show_customer_total_status_badge_and_hold_reason(cs_client):
    order = OrderFactory(
        status=S.CONFIRMED,
        customer_name="Ann Lind",
        customer_email="Ann@Example.com",
        shipping_country="NO",
        market="Nordics",
        currency="SEK",
        shipping_price=Decimal("0"),
        lines=[LineDataFactory(quantity=2, unit_price=Decimal("1500.50"))],
    )
    OrderFactory(status=S.PENDING, on_hold=True)
    held = Order.objects.get(on_hold=True)

    html = cs_client.get(ORDERS_URL).content.decode()

    for text in ["Ann Lind", "ann@example.com", "→ NO", "Nordics", "3,001.00 SEK"]:
        assert text in html
    assert f'<span class="centra-badge centra-status-{S.CONFIRMED}">Confirmed</span>' in html
    assert f'title="On hold · Manual: {held.hold_reason}">Manual' in html
    assert f'<span class="centra-hold-reason">{held.hold_reason}</span>' in html
    headers = [h["text"] for h in cs_client.get(ORDERS_URL).context["result_headers"]]
    assert headers[1:] == [
        "number",
        "placed",
        "customer",
        "market",
        "grand total",
        "status",
        "hold",
        "shipments",
        "payment",
        "comments",
    ]
    assert order.number in listed(cs_client)
    assert '<span class="centra-badge centra-payment-authorized">Authorized</span>' in html


@pytest.mark.django_db
def test_archived_orders_are_hidden_from_the_list_and_search_but_not_the_archived_filter(
    cs_client,
):
    archived = OrderFactory(status=S.ARCHIVED, customer_email="old@example.com")
    current = OrderFactory(status=S.COMPLETED)

    assert listed(cs_client) == [current.number]
    assert listed(cs_client, f"?q={archived.number}") == []
    assert listed(cs_client, "?q=old@example.com") == []
    assert listed(cs_client, f"?status={S.ARCHIVED}") == [archived.number]
    assert listed(cs_client, f"?status={S.ARCHIVED}&q={archived.number}") == [archived.number]
    # Searching its exact number says where it is instead of a bare "0 results".
    html = cs_client.get(f"{ORDERS_URL}?q={archived.number}").content.decode()
    assert f"Order {archived.number} is archived" in html
    assert f'href="{ORDERS_URL}{archived.pk}/change/">show it</a>' in html
    assert f'href="{ORDERS_URL}?status={S.ARCHIVED}&amp;q={archived.number}"' in html
    assert "is archived" not in cs_client.get(f"{ORDERS_URL}?q={current.number}").content.decode()
    # The order page of an archived order still opens.
    assert cs_client.get(f"{ORDERS_URL}{archived.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_the_result_count_shows_only_beside_a_search_and_clears_it_keeping_filters(cs_client):
    OrderFactory(status=S.PENDING, customer_name="Ann Lind")

    assert "results for" not in cs_client.get(ORDERS_URL).content.decode()
    assert "Show all" not in cs_client.get(ORDERS_URL).content.decode()
    html = cs_client.get(f"{ORDERS_URL}?status={S.PENDING}&q=lind").content.decode()
    assert "1 result for “lind”" in html
    assert f'<a href="?status={S.PENDING}">Clear search</a>' in html


@pytest.mark.django_db
def test_search_by_number_email_name_and_sku(cs_client):
    ann = OrderFactory(
        status=S.PENDING,
        customer_name="Ann Lind",
        customer_email="ann@example.com",
        lines=[LineDataFactory(sku="TEE-RED-M")],
    )
    bob = OrderFactory(status=S.PENDING, customer_name="Bob Berg", customer_email="bob@x.io")

    assert listed(cs_client, f"?q={ann.number}") == [ann.number]
    assert listed(cs_client, "?q=ANN@example.com") == [ann.number]
    assert listed(cs_client, "?q=lind") == [ann.number]
    assert listed(cs_client, "?q=TEE-RED-M") == [ann.number]
    assert listed(cs_client, "?q=TEE-RED") == []  # SKUs match exactly
    assert listed(cs_client, "?q=berg") == [bob.number]
    assert listed(cs_client, "?q=nobody@example.com") == []


@pytest.mark.django_db
def test_sidebar_filters_and_the_advanced_panel_use_the_filterset(cs_client):
    pending = OrderFactory(
        status=S.PENDING,
        market="US",
        shipping_country="US",
        lines=[LineDataFactory(quantity=1, unit_price=Decimal("100.00"))],
    )
    held = OrderFactory(status=S.CONFIRMED, on_hold=True, market="EU")
    cancelled = OrderFactory(status=S.CANCELLED, market="EU")

    assert listed(cs_client, f"?status={S.PENDING}") == [pending.number]
    assert listed(cs_client, "?on_hold=true") == [held.number]
    assert listed(cs_client, "?hold_kind=manual") == [held.number]
    assert listed(cs_client, "?market=EU") == [cancelled.number, held.number]
    assert listed(cs_client, "?country=US") == [pending.number]
    assert listed(cs_client, "?grand_total_min=104&grand_total_max=106") == [pending.number]
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    assert listed(
        cs_client, f"?placed_after={today.isoformat()}&placed_before={tomorrow.isoformat()}"
    ) == [cancelled.number, held.number, pending.number]
    assert listed(cs_client, f"?placed_before={(today - timedelta(days=3)).isoformat()}") == []
    assert listed(cs_client, "?sku=" + pending.lines.first().sku) == [pending.number]

    sidebar = cs_client.get(ORDERS_URL).context["cl"].filter_specs
    assert [spec.title for spec in sidebar] == [
        "status",
        "hold",
        "hold kind",
        "market",
        "shipping country",
        "payment",
        "returns",
        "origin",
        "advanced filters",
    ]
    markets = [c["display"] for c in sidebar[3].choices(cs_client.get(ORDERS_URL).context["cl"])]
    assert markets == ["All", "EU", "US"]


@pytest.mark.django_db
def test_payment_state_filter(cs_client):
    from payments.services import capture_payment

    authorized = OrderFactory(status=S.CONFIRMED)
    captured = OrderFactory(status=S.CONFIRMED)
    capture_payment(order_id=captured.pk, amount=captured.grand_total, by="test")
    incomplete = OrderFactory(status=S.INCOMPLETE)

    assert listed(cs_client, "?payment=authorized") == [authorized.number]
    assert listed(cs_client, "?payment=captured") == [captured.number]
    assert incomplete.number in listed(cs_client)


@pytest.mark.django_db
def test_an_invalid_advanced_filter_gives_the_default_list_and_says_why(cs_client):
    # Not the other filters without it: the list would claim a filter it did not apply.
    order = OrderFactory(status=S.PENDING)
    response = cs_client.get(ORDERS_URL + "?grand_total_min=lots&market=EU")
    assert response["Location"] == ORDERS_URL + "?e=1"
    assert messages_of(response) == [
        "The orders could not be filtered by grand total between: “lots” is not an amount: "
        "type digits (0–9) with at most one point, like 12.50. Showing the default list."
    ]
    default = cs_client.get(response["Location"])
    assert [o.number for o in default.context["cl"].result_list] == [order.number]


@pytest.mark.django_db
def test_placed_drilldown_goes_year_month_day_from_today_without_queries(
    django_assert_num_queries,
):
    from django.http import QueryDict

    today = date(2026, 3, 15)
    with django_assert_num_queries(0):
        years = placed_drilldown(QueryDict("status=1"), today)
        year = placed_drilldown(
            QueryDict("status=1&placed_after=2026-01-01&placed_before=2026-12-31"), today
        )
        month = placed_drilldown(
            QueryDict("placed_after=2026-02-01&placed_before=2026-02-28"), today
        )
        day = placed_drilldown(QueryDict("placed_after=2026-02-03&placed_before=2026-02-03"), today)

    assert [c["title"] for c in years["choices"]] == ["2026", "2025", "2024", "2023", "2022"]
    assert years["choices"][0]["link"] == (
        "?status=1&placed_after=2026-01-01&placed_before=2026-12-31"
    )
    assert [c["title"] for c in year["choices"]] == ["January 2026", "February 2026", "March 2026"]
    assert year["back"]["link"] == "?status=1"
    assert len(month["choices"]) == 28 and month["back"]["title"] == "2026"
    assert month["choices"][2]["link"] == "?placed_after=2026-02-03&placed_before=2026-02-03"
    assert day["choices"] == [{"title": "3 February 2026", "link": ""}]
    assert day["back"]["title"] == "February 2026"


@pytest.mark.django_db
def test_list_is_sortable_only_by_indexed_columns(cs_client):
    OrderFactory(status=S.PENDING)
    headers = cs_client.get(ORDERS_URL).context["result_headers"]
    assert [h["text"] for h in headers if h["sortable"]] == ["number", "placed"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, BACKOFFICE_ADMIN])
@pytest.mark.parametrize("query", ["", "?status=2", "?q=someone@example.com", "?on_hold=false"])
def test_the_list_runs_the_same_queries_for_20_and_100_rows(
    client, django_assert_max_num_queries, monkeypatch, role, query
):
    client.force_login(role_user(role))
    for _ in range(100):
        OrderFactory(status=S.CONFIRMED, customer_email="someone@example.com")
    counts = {}
    for per_page in (20, 100):
        monkeypatch.setattr(OrderAdmin, "list_per_page", per_page)
        with (
            django_assert_max_num_queries(10),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(ORDERS_URL + query)
        assert len(response.context["cl"].result_list) == per_page
        counts[per_page] = len(queries)
    assert counts[20] == counts[100]


@pytest.mark.django_db
def test_a_small_table_is_counted_exactly_and_only_once(cs_client):
    OrderFactory.create_batch(3, status=S.PENDING)
    OrderFactory(status=S.ARCHIVED)
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL)
    # Counted by reading the list's ids once: they are the page too.
    assert not [q for q in queries if q["sql"].upper().startswith("SELECT COUNT(")]
    assert len([q for q in queries if q["sql"].endswith("LIMIT 10001")]) == 1
    assert response.context["cl"].result_count == 3
    assert not response.context["cl"].paginator.estimated


@pytest.mark.postgres("the planner's row estimates")
@pytest.mark.django_db
def test_postgres_estimates_large_lists_and_counts_small_ones(cs_client, monkeypatch):
    OrderFactory.create_batch(30, status=S.PENDING, lines=[LineDataFactory(sku="TEE-ALL")])
    OrderFactory.create_batch(3, status=S.CONFIRMED)
    OrderFactory(status=S.ARCHIVED)
    # As if 20 rows were "large": the real threshold is 10,000. Pages of 10, so
    # the first is full (an estimate over a short page becomes the exact count).
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", 20)
    monkeypatch.setattr(OrderAdmin, "list_per_page", 10)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order, orders_orderline")

    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL)
    sql = [q["sql"].upper() for q in queries]
    assert not [s for s in sql if s.startswith("SELECT COUNT(")]
    assert any("RELTUPLES" in s for s in sql)
    cl = response.context["cl"]
    assert cl.paginator.estimated
    # An estimate (ANALYZE samples the table as other tests left it), not a count.
    assert cl.result_count >= 20
    assert "about " in response.content.decode()

    # A small filtered result is counted exactly (its ids read once, up to the
    # threshold).
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL + f"?status={S.CONFIRMED}")
    assert any(q["sql"].endswith("LIMIT 21") for q in queries)
    assert response.context["cl"].result_count == 3
    assert not response.context["cl"].paginator.estimated

    # A search like a filter: a narrow one is counted exactly…
    number = Order.objects.filter(status=S.CONFIRMED).first().number
    response = cs_client.get(ORDERS_URL + f"?q={number}")
    assert response.context["cl"].result_count == 1
    assert not response.context["cl"].paginator.estimated
    # … and a broad one (a SKU on every pending order) estimated.
    response = cs_client.get(ORDERS_URL + "?q=TEE-ALL")
    assert response.context["cl"].paginator.estimated
    assert "about " in response.content.decode()


@pytest.mark.postgres("the planner's row estimates")
@pytest.mark.django_db
def test_postgres_small_or_unanalyzed_tables_are_counted_exactly(cs_client):
    OrderFactory.create_batch(3, status=S.PENDING)
    response = cs_client.get(ORDERS_URL)
    assert response.context["cl"].result_count == 3
    assert not response.context["cl"].paginator.estimated


@pytest.mark.postgres("query plans over its trigram and expression indexes")
@pytest.mark.django_db
def test_postgres_search_and_filters_can_use_indexes(cs_client):
    """With sequential scans off, every list query of the common filters and
    searches is answerable from an index (so the expression index matches the
    SQL Django emits)."""
    OrderFactory.create_batch(5, status=S.PENDING)
    queries = {
        "name": Order.objects.filter(customer_name__icontains="lind"),
        "email": Order.objects.filter(customer_email="ann@example.com"),
        "number": Order.objects.filter(number=1042),
        "status": Order.objects.filter(status=S.PENDING).order_by("-number"),
        "hold": Order.objects.filter(on_hold=True).order_by("-number"),
        "market": Order.objects.filter(market="EU").order_by("-number"),
        "country": Order.objects.filter(shipping_country="SE").order_by("-number"),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, queryset in queries.items():
            plan = queryset.explain()
            assert "Seq Scan on orders_order" not in plan, (name, plan)
        plan = Order.objects.filter(customer_name__icontains="lind").order_by().explain()
        assert "order_name_trgm_idx" in plan, plan


@pytest.mark.postgres("query plans")
@pytest.mark.django_db
def test_postgres_events_by_order_use_the_composite_index():
    """The events' foreign key has no index of its own (migration 0005): the
    order page's log, the shipment numbering and cascading deletes all reach
    event_order_time_idx, which leads with the order."""
    order = OrderFactory(status=S.CONFIRMED)
    queries = {
        "log": order.events.all(),
        "numbering": OrderEvent.objects.filter(
            order=order, subject="shipment", transition="create"
        ),
        "cascade": OrderEvent.objects.filter(order_id__in=[order.pk]).order_by(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for name, queryset in queries.items():
            plan = queryset.explain()
            assert "event_order_time_idx" in plan, (name, plan)
