"""The lists' queries that matter at a million orders (bench/admin_pages.py measures them):
complete searches, the placed-date order, a page's ids before its columns."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.admin.badges import state_badge
from core.admin.changelist import PageFirstMixin
from core.admin.pagination import EstimatedCountPaginator, Plan
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from outbox.models import OutboxMessage
from payments.models import Payment
from shipments.models import Shipment
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import OrderFactory

S = OrderStatus
PAYMENTS_URL = "/admin/payments/payment/"


@pytest.fixture
def cs_client(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return client


def many_orders_with_sku(count: int, sku: str, *, first_number: int = 700_000) -> list[Order]:
    """`count` pending orders with a line of `sku`, written in two statements (the
    services would take minutes); the list only reads them."""
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(number=first_number + i, status=S.PENDING, placed_at=now - timedelta(minutes=i))
        for i in range(count)
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=o, sku=sku, product_name="Tee", quantity=1, unit_price=Decimal("10"))
        for o in orders
    )
    return orders


@pytest.mark.django_db
def test_a_sku_search_lists_every_match_newest_first_with_no_cap(cs_client):
    many_orders_with_sku(1_234, "TEE-MANY")
    OrderFactory(status=S.PENDING)  # not a match

    response = cs_client.get(ORDERS_URL + "?q=TEE-MANY")
    cl = response.context["cl"]
    assert cl.result_count == 1_234
    assert "1,234 results for “TEE-MANY”" in response.content.decode()
    newest = 700_000 + 1_233
    assert [o.number for o in cl.result_list] == list(range(newest, newest - 50, -1))

    last_page = cs_client.get(ORDERS_URL + "?q=TEE-MANY&p=25").context["cl"]
    assert [o.number for o in last_page.result_list] == list(range(700_033, 699_999, -1))


def list_queries(queries) -> list[str]:
    """The list's own reads of orders (the count's ids or the page's), not the probes."""
    return [q["sql"] for q in queries if q["sql"].startswith('SELECT "orders_order"."id" AS "pk"')]


@pytest.mark.django_db
def test_a_search_asks_only_where_the_term_is_found(cs_client):
    sku_match = many_orders_with_sku(3, "TEE-3")
    named = OrderFactory(status=S.PENDING, customer_name="Tee Three")

    # A SKU: its lines' order ids, no UNION with names that do not have it.
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL + "?q=TEE-3")
    assert sorted(o.number for o in response.context["cl"].result_list) == sorted(
        o.number for o in sku_match
    )
    [listed] = list_queries(queries)
    assert "orders_orderline" in listed and "UNION" not in listed
    assert "customer_name" not in listed

    # A name: the orders' own column (its trigram index), no subquery.
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL + "?q=three")
    assert [o.number for o in response.context["cl"].result_list] == [named.number]
    [listed] = list_queries(queries)
    assert "customer_name" in listed and "orders_orderline" not in listed

    # Found in two places (a name holds it and it is a SKU): the union of both.
    both = many_orders_with_sku(2, "Three", first_number=800_000)
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL + "?q=Three")
    assert sorted(o.number for o in response.context["cl"].result_list) == sorted(
        [named.number, *(o.number for o in both)]
    )
    [listed] = list_queries(queries)
    where = listed.split(" ORDER BY ")[0]
    assert "UNION" in where and "LIMIT" not in where  # every match, no cap


@pytest.mark.django_db
def test_a_placed_range_is_listed_by_placed_date(cs_client):
    early, late = OrderFactory(status=S.PENDING), OrderFactory(status=S.PENDING)
    today = timezone.now()
    # The later number was placed earlier: the list follows the placed date.
    Order.objects.filter(pk=early.pk).update(placed_at=today - timedelta(hours=1))
    Order.objects.filter(pk=late.pk).update(placed_at=today - timedelta(hours=5))
    day = timezone.localdate(today - timedelta(hours=1)).isoformat()
    first = timezone.localdate(today - timedelta(hours=5)).isoformat()
    query = f"?placed_after={first}&placed_before={day}"

    response = cs_client.get(ORDERS_URL + query)
    assert [o.number for o in response.context["cl"].result_list] == [early.number, late.number]
    # Without a range, the default order (newest number first) stays.
    assert [o.number for o in cs_client.get(ORDERS_URL).context["cl"].result_list][:2] == [
        late.number,
        early.number,
    ]
    # A chosen sort still wins.
    sorted_by_number = cs_client.get(ORDERS_URL + query + "&o=-1").context["cl"].result_list
    assert [o.number for o in sorted_by_number] == [late.number, early.number]


@pytest.mark.django_db
def test_a_page_reads_its_ids_first_and_the_columns_for_those_rows_only(
    cs_client, django_assert_max_num_queries
):
    many_orders_with_sku(130, "TEE-PAGE")
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL + "?p=3")
    page = response.context["cl"].result_list
    assert [o.number for o in page] == list(range(700_029, 699_999, -1))
    assert page[0].shipments_total == 0 and page[0].comment_count == 0
    # Counted exactly, the list's ids are read once (the count and every page
    # are slices of them); the read walks the bare list: no subquery, no join.
    [ids] = list_queries(queries)
    assert "LIMIT 10001" in ids and "OFFSET" not in ids
    assert "shipments_shipment" not in ids and "payments_payment" not in ids
    assert not [q for q in queries if q["sql"].startswith("SELECT COUNT(")]
    with django_assert_max_num_queries(10):
        cs_client.get(ORDERS_URL)
    with django_assert_max_num_queries(10):
        cs_client.get(ORDERS_URL + "?p=3")


@pytest.mark.django_db
def test_the_payments_search_by_order_number_unites_two_indexed_lookups(client):
    order = OrderFactory(status=S.CONFIRMED)
    client.force_login(role_user(FINANCE))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAYMENTS_URL + f"?q={order.number}")
    assert [p.order_id for p in response.context["cl"].result_list] == [order.pk]
    listed = [q["sql"] for q in queries if "UNION" in q["sql"]]
    assert listed and all(" OR " not in sql for sql in listed)
    reference = order.payment.provider_reference
    by_reference = client.get(PAYMENTS_URL + f"?q={reference}").context["cl"].result_list
    assert [p.order_id for p in by_reference] == [order.pk]


@pytest.mark.postgres("its JIT setting")
@pytest.mark.django_db
def test_postgres_connections_run_without_jit():
    assert settings.DATABASES["default"]["OPTIONS"]["options"] == "-c jit=off"
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def select_all_matching(client, step: str, query: str, **extra):
    """Post the list's action as "Select all N matching" does: the page's
    checkboxes and select_across=1."""
    page = client.get(ORDERS_URL + query).context["cl"].result_list
    data = {"action": step, "index": 0, "select_across": 1}
    data["_selected_action"] = [o.pk for o in page]
    return client.post(ORDERS_URL + query, data | extra)


@pytest.mark.django_db
def test_a_step_with_a_form_takes_a_selection_of_every_matching_order(client):
    orders = many_orders_with_sku(80, "TEE-HOLD")
    client.force_login(role_user(CUSTOMER_SERVICE))
    query = "?q=TEE-HOLD"

    page = select_all_matching(client, "hold", query)
    html = page.content.decode()
    assert page.status_code == 200 and page.context["select_across"]
    # The page posts back the list's own checkboxes, not a field per order.
    assert html.count('name="_selected_action"') == 50
    assert 'name="select_across" value="1"' in html

    # As many fields as a page of the list, however many orders match.
    with override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=60):
        select_all_matching(
            client, "hold", query, post="yes", kind="fraud_check", reason="Card check"
        )
    assert Order.objects.filter(pk__in=[o.pk for o in orders], on_hold=True).count() == 80


def outbox_insert_batches(messages: int) -> int:
    """Beyond the first, the INSERTs a bulk path's outbox messages take: none on
    PostgreSQL (one statement); on SQLite, Django splits a bulk_create to stay
    under its 999-parameter limit, so about one more per 70 messages."""
    if connection.vendor == "postgresql":
        return 0
    fields = [f for f in OutboxMessage._meta.concrete_fields if not f.primary_key]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * messages)
    return -(-messages // per_insert) - 1


@pytest.mark.django_db
def test_confirming_a_thousand_orders_takes_the_bulk_path_not_five_queries_each(
    client, django_assert_max_num_queries
):
    orders = many_orders_with_sku(1_000, "TEE-CONFIRM")
    held = orders[0]
    Order.objects.filter(pk=held.pk).update(on_hold=True, hold_kind="manual", hold_reason="x")
    client.force_login(role_user(CUSTOMER_SERVICE))
    client.get(ORDERS_URL)  # warm the per-process caches

    with django_assert_max_num_queries(40 + outbox_insert_batches(999)):
        response = select_all_matching(client, "confirm", "?q=TEE-CONFIRM")
    assert response.status_code == 302
    confirmed = Order.objects.filter(pk__in=[o.pk for o in orders], status=S.CONFIRMED)
    assert confirmed.count() == 999
    assert OrderEvent.objects.filter(transition="confirm", order__in=orders).count() == 999
    said = messages_of(response)
    assert said[0].startswith("999 orders confirmed: ")
    assert said[1] == f"Skipped: Order {held.number} is on hold: resume it first."


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Shipment, Payment], ids=["shipment", "payment"])
def test_shipments_and_payments_join_their_orders_for_the_pages_rows_only(
    client, monkeypatch, django_assert_num_queries, model
):
    for _ in range(5):
        OrderFactory(status=S.PROCESSING)
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, PageFirstMixin)
    monkeypatch.setattr(model_admin, "list_per_page", 2)
    expected = list(model_admin.get_queryset(None).order_by("-pk")[2:4])
    client.force_login(role_user(BACKOFFICE_ADMIN))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url + "?p=2")
    rows = response.context["cl"].result_list
    assert [row.pk for row in rows] == [row.pk for row in expected]
    table = model._meta.db_table
    [ids] = [q["sql"] for q in queries if q["sql"].startswith(f'SELECT "{table}"."id" AS "pk"')]
    # The ids are read from the bare table; the join to orders is for 2 rows.
    assert "orders_order" not in ids
    with django_assert_num_queries(0):
        assert [row.order.number for row in rows] == [row.order.number for row in expected]


@pytest.mark.django_db
def test_an_estimated_list_reads_its_page_alone_with_an_offset(cs_client, monkeypatch):
    """At a million the count is the planner's estimate: the page's ids are then
    read alone (the list's query with OFFSET and LIMIT), not every id."""
    many_orders_with_sku(130, "TEE-PAGE")
    monkeypatch.setattr(
        EstimatedCountPaginator, "_plan", lambda paginator: Plan(rows=130, cost=10**6)
    )
    with CaptureQueriesContext(connection) as queries:
        response = cs_client.get(ORDERS_URL + "?p=2")
    cl = response.context["cl"]
    assert cl.paginator.estimated and cl.result_count == 130
    assert [o.number for o in cl.result_list] == list(range(700_079, 700_029, -1))
    [page] = list_queries(queries)
    assert page.endswith("LIMIT 50 OFFSET 50")
    assert "shipments_shipment" not in page and "payments_payment" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv"])
@pytest.mark.parametrize("model", [Order, Shipment, Payment], ids=["order", "shipment", "payment"])
def test_a_rows_checkbox_and_badge_are_what_django_would_render(language, model):
    """Both drawn without Django's slower paths (a widget template per row, a dict
    of every choice per badge); the markup and the words are Django's."""
    OrderFactory(status=S.PROCESSING)
    obj = model.objects.first()
    model_admin = admin.site._registry[model]
    with translation.override(language):
        assert model_admin.action_checkbox(obj) == ModelAdmin.action_checkbox(model_admin, obj)
        for value, _label in model._meta.get_field("status").flatchoices:
            in_state = model(status=value)  # the machine's field is set once, here
            badge = state_badge(in_state, css_prefix="x")
            assert badge.endswith(f">{in_state.get_status_display()}</span>"), badge


@pytest.mark.django_db
def test_an_estimate_over_a_short_page_becomes_the_exact_count(cs_client, monkeypatch):
    many_orders_with_sku(3, "TEE-FEW")
    # The planner expects thousands (as for a year with no open order left).
    monkeypatch.setattr(
        EstimatedCountPaginator, "_plan", lambda paginator: Plan(rows=94_000, cost=10**6)
    )
    response = cs_client.get(ORDERS_URL)
    cl = response.context["cl"]
    assert cl.result_count == 3 and not cl.paginator.estimated
    assert cl.paginator.num_pages == 1 and not cl.multi_page
    assert "about" not in response.content.decode()


@pytest.mark.django_db
def test_a_filtered_lists_row_links_keep_its_filters_as_django_writes_them(cs_client):
    from django.contrib.admin.templatetags.admin_urls import add_preserved_filters

    order = OrderFactory(status=S.PENDING, customer_name="Åsa Öberg & Co")
    query = f"?status={S.PENDING}&q=%C3%85sa+%C3%96berg+%26"
    response = cs_client.get(ORDERS_URL + query)
    cl = response.context["cl"]
    url = reverse("admin:orders_order_change", args=[order.pk])
    django_link = add_preserved_filters(
        {
            "preserved_filters": cl.model_admin.get_preserved_filters(response.wsgi_request),
            "opts": cl.opts,
        },
        url,
    )
    assert "_changelist_filters=" in django_link
    assert f'href="{django_link}"'.replace("&", "&amp;") in response.content.decode()


@pytest.mark.postgres("PostgreSQL's parallel workers")
@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # no test transaction: as a request
def test_postgres_an_estimated_lists_page_is_read_without_parallel_workers(cs_client, monkeypatch):
    many_orders_with_sku(130, "TEE-PAGE")
    monkeypatch.setattr(
        EstimatedCountPaginator, "_plan", lambda paginator: Plan(rows=130, cost=10**6)
    )
    with CaptureQueriesContext(connection) as queries:
        cs_client.get(ORDERS_URL + "?p=2")
    sql = [q["sql"] for q in queries]
    [page] = list_queries(queries)
    assert sql[sql.index(page) - 1] == "SET LOCAL max_parallel_workers_per_gather = 0"
    # Only for that read: the next request's reads plan as the server says.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] != "0"
