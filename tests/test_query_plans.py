"""Every query the admin sends for the benchmark's pages has an index to read from.

The pages are the benchmark's own list (bench/admin_pages.py: the orders,
shipments and payments lists, every filter, every search, the drill-down, deep
pages and the order pages), so a page added there is checked here. The data is
the benchmark generator's, small. With sequential scans off, PostgreSQL plans
one only where no index can answer the query, so a "Seq Scan" on a big table in
any plan is a path that would read the whole table at a million orders.
"""

import importlib.util
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.admin.pagination import EstimatedCountPaginator
from orders.models import Order
from payments.models import Payment
from shipments.models import Shipment
from tests.factories import UserFactory

BENCH = Path(__file__).resolve().parent.parent / "bench"

# The tables that grow with the orders; the rest (users, sessions, warehouses,
# settings) stay small and are read whole on purpose.
BIG_TABLES = {
    "orders_order",
    "orders_orderline",
    "orders_orderevent",
    "shipments_shipment",
    "shipments_shipmentline",
    "payments_payment",
    "payments_paymenttransaction",
}
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
ORDERS = 300
DEEP_PAGE = re.compile(r"p=\d+")
# The list's own reads of orders (its ids: the count's and the page's); the
# page's columns are then read by those ids.
LIST_READ = 'SELECT "orders_order"."id" AS "pk" FROM "orders_order"'


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages() -> list[tuple[str, str]]:
    """(label, URL) of every page the benchmark measures, in this project's admin;
    a deep page is page 2 here (of two rows a page, see the test)."""
    bench = load("admin_pages")
    facts = bench.facts()
    listed = bench.orders_pages(facts) + bench.other_pages(facts)
    return [(label, DEEP_PAGE.sub("p=2", url)) for label, url, _stock in listed]


def sequential_scans(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return set(SEQ_SCAN.findall(plan)) & BIG_TABLES


def reads(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
        and any(table in q["sql"] for table in BIG_TABLES)
    ]


@pytest.mark.postgres("EXPLAIN over the benchmark generator's data")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_no_admin_page_reads_a_big_table_without_an_index(client, monkeypatch):
    load("generate_million").generate(ORDERS, log=lambda _: None)
    # As at a million: a list counts its rows exactly below 10,000 (1 %) and
    # takes the planner's estimate above, so the exact COUNTs checked here are
    # the ones a million would run.
    monkeypatch.setattr(EstimatedCountPaginator, "estimate_above", ORDERS // 100)
    for model in (Order, Shipment, Payment):  # so that page 2 skips rows (OFFSET)
        monkeypatch.setattr(admin.site._registry[model], "list_per_page", 2)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    sent = {}
    for label, url in pages():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, (label, url)
        sent[label] = reads(queries)

    found = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for label, sqls in sent.items():
            for sql in sqls:
                if scanned := sequential_scans(sql):
                    found.setdefault(label, []).append((sorted(scanned), sql))
    assert not found, "\n".join(f"{page}: {hits}" for page, hits in found.items())
    # Every page ran its reads (about 60 pages, several reads each).
    assert all(sent.values()), [label for label, sqls in sent.items() if not sqls]


# Enough orders that the planner weighs a heap read of every order against an
# index as it does at a million (72 % archived, a best seller on ~1 line in 85).
BROAD_ORDERS = 40_000
BROAD_PAGES = [
    ("search SKU (top)", "?q=BEST-0"),
    ("search SKU (top), page 5", "?q=BEST-0&p=5"),
    ("search name (top)", "?q=Eva+Rossi"),
    ("search archived SKU", "?status=5&q=BEST-0"),
    ("SKU filter (top)", "?sku=BEST-0"),
    ("grand total range", "?grand_total_min=100&grand_total_max=120"),
    ("status Completed", "?status=4"),
    ("status Archived", "?status=5"),
]
# Where a page's first rows come from at a million: the walk of a status or of
# the visible orders in the list's order (stopping after a page), or an index of
# the term or range; never the number index walked past the orders of other
# statuses ("Filter: (status = …)" on it), never the whole table.
NUMBER_INDEX_FILTERED = re.compile(
    r"using orders_order_number_key on orders_order[^\n]*\n\s*Filter: \(status"
)


@pytest.mark.postgres("EXPLAIN with the planner's own choices, over generated data")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_broad_searches_and_ranges_never_read_the_orders_heap_whole(client):
    """With sequential scans allowed, as in production: a search matching thousands
    of orders, or a range of grand totals, joins its ids to the index of the orders
    not archived (or a range index), never to a read of the whole orders table."""
    load("generate_million").generate(BROAD_ORDERS, log=lambda _: None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    found, twice, checked = {}, {}, 0
    for label, query in BROAD_PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/admin/orders/order/{query}").status_code == 200, label
        listed = [sql for sql in reads(queries) if sql.startswith(LIST_READ)]
        # The count and the page never run the same join twice: the ids read once
        # serve both, or the count is the planner's estimate and only the page runs.
        wheres = [sql.split(" WHERE ", 1)[-1].split(" ORDER BY ")[0] for sql in listed]
        if len(set(wheres)) < len(wheres):
            twice[label] = listed
        for sql in listed:
            checked += 1
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            if "Seq Scan on orders_order" in plan or NUMBER_INDEX_FILTERED.search(plan):
                found.setdefault(label, []).append(plan)
    assert not found, found
    assert not twice, twice
    assert checked >= len(BROAD_PAGES)
