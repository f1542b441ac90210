"""Queueing a step over a large selection reads ids only: a bounded count to find
out the selection is over the threshold, then the ids frozen into the job in the
list's order (in Python at the click on SQLite; on PostgreSQL inside the database,
by the worker when it starts: tests/test_step_jobs_selection.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.jobs import queue_step_job_over
from backoffice.models import StepJob
from backoffice.steps import ORDER_STEPS
from core.admin.bulk_steps import more_than
from core.roles import CUSTOMER_SERVICE
from orders.models import Order, OrderStatus
from tests.admin_support import ORDERS_URL, role_user
from tests.factories import OrderFactory, UserFactory
from tests.test_step_jobs import QUERY, read_selection, select_all

S = OrderStatus
ARCHIVE = next(s for s in ORDER_STEPS if s.name == "archive")


@pytest.fixture
def threshold(settings):
    settings.BACKGROUND_STEP_THRESHOLD = 5
    return 5


def order_rows_read(queries) -> list[str]:
    """The queries that read whole orders (a column only an order's row has),
    other than the list page's own rows (read by their ids, whatever the POST)."""
    return [
        q["sql"]
        for q in queries
        if '"orders_order"."customer_name"' in q["sql"]
        and 'WHERE "orders_order"."id" IN (' not in q["sql"]
    ]


@pytest.mark.django_db
def test_queueing_reads_no_order_and_freezes_the_ids_in_the_lists_order(client, threshold):
    client.force_login(role_user(CUSTOMER_SERVICE))
    for _ in range(9):
        OrderFactory(status=S.PENDING)
    listed = client.get(ORDERS_URL + QUERY).context["cl"].queryset
    in_list_order = list(listed.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as queries:
        response = select_all(client, "confirm")

    job = read_selection(StepJob.objects.get())
    assert response.status_code == 302
    assert (job.object_ids, job.total) == (in_list_order, 9)
    assert order_rows_read(queries.captured_queries) == []


@pytest.mark.django_db
def test_a_selection_at_the_threshold_is_read_once_and_taken_in_the_request(client, threshold):
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = [OrderFactory(status=S.PENDING) for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        select_all(client, "confirm")
    assert not StepJob.objects.exists()
    assert {Order.objects.get(pk=o.pk).status for o in orders} == {S.CONFIRMED}
    # One bounded count of ids, then the orders themselves (not a list of every id).
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert any("LIMIT 6" in sql for sql in counts)


@pytest.mark.django_db
def test_more_than_counts_at_most_one_past_the_limit():
    for _ in range(4):
        OrderFactory(status=S.PENDING)
    everything = Order.objects.all()
    assert [more_than(everything, limit) for limit in (2, 3, 4, 5)] == [True, True, False, False]
    with CaptureQueriesContext(connection) as queries:
        more_than(everything, 3)
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "LIMIT 4" in sql and "customer_name" not in sql


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", [["pk"], ["-number"], ["customer_name", "-pk"]])
def test_the_job_keeps_the_selections_order(ordering):
    user = UserFactory(username="queuer", is_superuser=True)
    names = ["Åsa", "Bo", "Cleo", "Ada", "Bo"]
    for name in names:
        OrderFactory(status=S.COMPLETED, customer_name=name)
    selection = Order.objects.filter(status=S.COMPLETED).order_by(*ordering)
    job = read_selection(queue_step_job_over(by=user, step=ARCHIVE, queryset=selection, params={}))
    assert job.object_ids == list(selection.values_list("pk", flat=True))
    assert job.total == 5


@pytest.mark.django_db
def test_an_empty_selection_freezes_an_empty_list():
    user = UserFactory(username="queuer", is_superuser=True)
    job = queue_step_job_over(by=user, step=ARCHIVE, queryset=Order.objects.none(), params={})
    job.refresh_from_db()
    assert (job.object_ids, job.total) == ([], 0)
