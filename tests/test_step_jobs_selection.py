"""A job over "select all" keeps its selection as a query on PostgreSQL
(backoffice/jobs/selection.py): the click reads no id, in a number of queries
that does not grow with the selection, and the worker reads the ids when it
starts the job: what matches then, among the orders that existed at the click,
in the list's order. Elsewhere (SQLite) the ids are read at the click."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from backoffice.jobs import queue_step_job_over
from backoffice.jobs.selection import NotStorable, as_json
from backoffice.jobs.worker import run_due_jobs
from backoffice.models import StepJob, StepJobOutcome
from backoffice.steps import ORDER_STEPS
from core.roles import CUSTOMER_SERVICE
from orders import services
from orders.models import Order, OrderLine, OrderStatus
from tests.admin_support import ORDERS_URL, role_user
from tests.factories import OrderFactory, UserFactory
from tests.helpers import snapshot
from tests.test_step_jobs import (
    QUERY,
    READ_BY_THE_WORKER,
    events,
    progress_url,
    queue_for,
    read_selection,
    run_all,
    select_all,
    state_line,
)

S = OrderStatus
ARCHIVE = next(s for s in ORDER_STEPS if s.name == "archive")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def pending_orders(count: int, *, first_number: int) -> list[Order]:
    """`count` pending orders written in one statement: the list only reads them."""
    placed = timezone.now()
    return Order.objects.bulk_create(
        Order(number=first_number + i, status=S.PENDING, placed_at=placed) for i in range(count)
    )


def list_ids(client, query: str) -> list:
    """The ids the orders list selects for `query`, in its order."""
    return list(client.get(ORDERS_URL + query).context["cl"].queryset.values_list("pk", flat=True))


@pytest.mark.postgres("the selection kept as a query is PostgreSQL's")
@pytest.mark.django_db
def test_queueing_reads_no_id_in_as_many_queries_for_a_hundred_or_a_thousand(
    client, settings, django_assert_max_num_queries
):
    settings.BACKGROUND_STEP_THRESHOLD = 5
    client.force_login(role_user(CUSTOMER_SERVICE))
    ContentType.objects.get_for_model(Order)  # cached from then on, as in a running site
    counts = []
    for size, first_number in ((100, 500_000), (1_000, 600_000)):
        Order.objects.all().delete()
        pending_orders(size, first_number=first_number)
        with CaptureQueriesContext(connection) as queries:
            select_all(client, "confirm", f"?status={S.PENDING}")
        job = StepJob.objects.latest("pk")
        assert (job.total, job.object_ids, job.state) == (None, [], "queued")
        assert '"orders_order"."id" <= %s' in job.selection_sql
        sqls = [q["sql"] for q in queries.captured_queries]
        # Nothing aggregates or lists the selection's ids at the click: besides
        # the list's own count, every read of the orders is bounded (the list
        # page's 50 rows, a count of at most threshold + 1 ids, the highest id).
        assert not [sql for sql in sqls if "array_agg" in sql]
        reads = [sql for sql in sqls if sql.startswith("SELECT") and 'FROM "orders_order"' in sql]
        assert [sql for sql in reads if "LIMIT 6) subquery" in sql]
        assert 'FROM "orders_order" ORDER BY 1 DESC LIMIT 1' in "\n".join(reads)
        unbounded = [
            sql
            for sql in reads
            if not ("LIMIT" in sql or "COUNT(*)" in sql or '"orders_order"."id" IN (' in sql)
        ]
        assert unbounded == []
        counts.append(len(sqls))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        select_all(client, "confirm", f"?status={S.PENDING}")


@pytest.mark.postgres("the selection kept as a query is PostgreSQL's")
@pytest.mark.django_db
def test_the_worker_takes_what_matches_at_its_start_among_the_orders_of_the_click(client, settings):
    settings.BACKGROUND_STEP_THRESHOLD = 5
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    orders = [OrderFactory(status=S.PENDING) for _ in range(7)]
    at_the_click = list_ids(client, QUERY)
    select_all(client, "confirm")
    job = StepJob.objects.get()

    # Between the click and the worker: an order placed, one confirmed by hand.
    placed_since = OrderFactory(status=S.PENDING)
    confirmed_by_hand = orders[2]
    services.confirm_order(order_id=confirmed_by_hand.pk, by=user)
    run_all(chunk=3)

    job.refresh_from_db()
    expected = [pk for pk in at_the_click if pk != confirmed_by_hand.pk]
    assert job.object_ids == expected  # the list's order (newest first), kept
    assert (job.total, job.done, job.skipped, job.state) == (6, 6, 0, "finished")
    assert list(
        StepJobOutcome.objects.filter(job=job).order_by("position").values_list("object_id")
    ) == [(str(pk),) for pk in expected]
    assert Order.objects.get(pk=placed_since.pk).status == S.PENDING
    assert events(confirmed_by_hand, "confirm") == 1  # by hand, not again by the job
    assert {Order.objects.get(pk=pk).status for pk in expected} == {S.CONFIRMED}


def drilled_orders() -> dict[str, Order]:
    """Orders on either side of each boundary the list's filters draw."""
    day = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    rows = {
        "first_moment": (day, Decimal("10.50"), "Åsa Öberg"),
        "last_moment": (
            day.replace(day=31, hour=23, minute=59, second=59, microsecond=999_999),
            Decimal("20.25"),
            "Åsa Lind",
        ),
        "next_month": (day.replace(month=4), Decimal("15.00"), "Åsa Berg"),
        "month_before": (day - datetime.timedelta(microseconds=1), Decimal("15.00"), "Bo Åsarna"),
        "a_cent_under": (day.replace(day=15), Decimal("10.49"), "Åsa Nilsson"),
        "a_cent_over": (day.replace(day=16), Decimal("20.26"), "Åsa Holm"),
        "mid_month": (day.replace(day=17, hour=12), Decimal("12.00"), "Cleo 100% O'Brien"),
    }
    orders = Order.objects.bulk_create(
        Order(
            number=900_000 + i,
            status=S.PENDING,
            placed_at=placed,
            grand_total=total,
            customer_name=name,
            customer_email=f"{key}@example.com",
        )
        for i, (key, (placed, total, name)) in enumerate(rows.items())
    )
    OrderLine.objects.bulk_create(
        OrderLine(order=o, sku="TEE-M", product_name="Tee", quantity=1, unit_price=Decimal("10"))
        for o in orders[:4]
    )
    return dict(zip(rows, orders, strict=True))


@pytest.mark.postgres("the selection kept as a query is PostgreSQL's")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        # The date drill-down: a whole month, first and last microsecond in.
        (
            "placed_after=2026-03-01&placed_before=2026-03-31",
            {"first_moment", "last_moment", "a_cent_under", "a_cent_over", "mid_month"},
        ),
        # A grand total range, both ends in, a cent either side out.
        (
            "grand_total_min=10.50&grand_total_max=20.25",
            {"first_moment", "last_moment", "next_month", "month_before", "mid_month"},
        ),
        # Part of a name (a LIKE pattern), escaped characters, a number, an email, a SKU.
        (
            "q=%C3%85sa",
            {"first_moment", "last_moment", "next_month", "month_before"}
            | {"a_cent_under", "a_cent_over"},
        ),
        ("q=100%25%20O'Brien", {"mid_month"}),
        ("q=900004", {"a_cent_under"}),
        ("q=Next_Month@Example.com", {"next_month"}),
        ("q=TEE-M&grand_total_min=15", {"last_moment", "next_month", "month_before"}),
        (
            "placed_after=2026-03-01&placed_before=2026-03-31&grand_total_max=12.00&q=%C3%85sa",
            {"first_moment", "a_cent_under"},
        ),
    ],
)
def test_the_lists_filters_and_search_read_back_as_the_same_orders(client, settings, query, wanted):
    settings.BACKGROUND_STEP_THRESHOLD = 0
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = drilled_orders()
    full = f"?status={S.PENDING}&{query}"
    listed = list_ids(client, full)
    assert set(listed) == {orders[key].pk for key in wanted}

    select_all(client, "confirm", full)
    job = StepJob.objects.get()
    assert not job.selection_read
    assert read_selection(job).object_ids == listed


@pytest.mark.postgres("the parameters are read back by PostgreSQL")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "column_type"),
    [
        (7, "bigint"),
        (2**40, "bigint"),
        (True, "boolean"),
        ("Åsa's 100% _tee_", "text"),
        (Decimal("10.50"), "numeric"),
        (Decimal("1E+2"), "numeric"),
        (Decimal("-0.000001"), "numeric"),
        (datetime.datetime(2026, 3, 31, 23, 59, 59, 999_999, tzinfo=STOCKHOLM), "timestamptz"),
        (datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.UTC), "timestamptz"),
        (datetime.date(2026, 2, 28), "date"),
        (datetime.time(23, 59, 59, 999_999), "time"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "uuid"),
    ],
)
def test_each_parameter_reads_back_as_the_same_value(value, column_type):
    """Compared with a value of the column's type, as a filter compares it."""
    stored = as_json(value)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CAST(%s AS {column_type}) = %s", [value, stored])
        assert cursor.fetchone() == (True,)


def test_a_parameter_of_another_type_is_not_guessed_at():
    for value in (datetime.timedelta(days=1), b"bytes", ["a", "list"]):
        with pytest.raises(NotStorable):
            as_json(value)


@pytest.mark.postgres("the selection kept as a query is PostgreSQL's")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "release",
    [
        # The status column renamed: the stored SQL names a column no longer there.
        lambda job: {"selection_sql": job.selection_sql.replace('"status"', '"state"')},
        # The status become a word: the stored value no longer reads as one.
        lambda job: {"selection_params": ["pending", *job.selection_params[1:]]},
    ],
    ids=["renamed column", "changed type"],
)
def test_a_selection_that_no_longer_runs_finishes_with_a_sentence(client, settings, release):
    settings.BACKGROUND_STEP_THRESHOLD = 5
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    orders = [OrderFactory(status=S.PENDING) for _ in range(6)]
    with translation.override("sv"):
        broken = queue_step_job_over(
            by=user,
            step=next(s for s in ORDER_STEPS if s.name == "confirm"),
            queryset=Order.objects.filter(status=S.PENDING).order_by("-number"),
            params={},
        )
    assert broken.selection_params[0] == S.PENDING
    StepJob.objects.filter(pk=broken.pk).update(**release(broken))
    other = OrderFactory(status=S.PENDING)
    healthy = queue_for(user, [other])
    before = {o.pk: snapshot(o) for o in orders}

    assert run_due_jobs() == 1  # the healthy job's order: the worker went on
    broken.refresh_from_db()
    assert (broken.state, broken.total, broken.done, broken.claim) == ("finished", None, 0, None)
    assert broken.error == (
        "Inget gjordes: det gick inte längre att läsa in vilka ordrar som var valda, eftersom "
        "back office uppdaterades efter att steget begärdes; välj dem igen och kör steget en "
        "gång till."
    )
    assert not StepJobOutcome.objects.filter(job=broken).exists()
    assert {o.pk: snapshot(o) for o in orders} == before
    assert StepJob.objects.get(pk=healthy.pk).state == "finished"
    assert Order.objects.get(pk=other.pk).status == S.CONFIRMED

    page = client.get(progress_url(broken)).content.decode()
    assert state_line(page) == broken.error
    assert "data-centra-refresh" not in page and "<progress" not in page
    assert "Nothing done" in client.get("/admin/backoffice/stepjob/").content.decode()


@pytest.mark.django_db
def test_where_the_selection_is_read():
    """On PostgreSQL a query, read by the worker; on SQLite the ids, at the click."""
    user = UserFactory(username="queuer", is_superuser=True)
    Order.objects.bulk_create(Order(number=n, status=S.COMPLETED) for n in (3, 1, 2))
    selection = Order.objects.filter(status=S.COMPLETED).order_by("-number")
    job = queue_step_job_over(by=user, step=ARCHIVE, queryset=selection, params={})
    in_order = list(selection.values_list("pk", flat=True))
    if READ_BY_THE_WORKER:
        assert (job.total, job.object_ids) == (None, [])
        assert job.selection_sql.startswith('SELECT "orders_order"."id" AS "pk"')
    else:
        assert (job.total, job.object_ids, job.selection_sql) == (3, in_order, "")
    assert read_selection(job).object_ids == in_order


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kept",
    [
        # A timedelta parameter: not one `as_json` keeps.
        lambda: Order.objects.filter(placed_at__lt=F("created_at") + datetime.timedelta(hours=1)),
        # A slice: no filter can be added to it.
        lambda: Order.objects.order_by("number")[:1],
    ],
    ids=["timedelta", "slice"],
)
def test_a_selection_that_cannot_be_kept_as_a_query_is_read_at_the_click(kept):
    user = UserFactory(username="queuer", is_superuser=True)
    placed = timezone.now()
    early, _late = Order.objects.bulk_create(
        Order(number=n, status=S.COMPLETED, placed_at=placed + datetime.timedelta(days=n - 1))
        for n in (1, 2)
    )
    job = queue_step_job_over(by=user, step=ARCHIVE, queryset=kept(), params={})
    assert (job.total, job.object_ids, job.selection_sql) == (1, [early.pk], "")
