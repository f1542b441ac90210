"""The progress page of a background step: one sentence on what the job is
doing (it stays while the page refreshes itself), counts with thousands
separators, and each object linked to its page while it exists."""

from __future__ import annotations

import pytest
from django.utils import timezone

from backoffice.models import StepJob
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from orders.models import HoldKind, OrderStatus
from tests.admin_support import admin_links, messages_of, opens, role_user
from tests.factories import OrderFactory
from tests.test_admin_lists_at_scale import many_orders_with_sku
from tests.test_step_jobs import (
    READ_BY_THE_WORKER,
    progress_url,
    queue_for,
    queued_message,
    read_selection,
    run_all,
    select_all,
    state_line,
)

S = OrderStatus


@pytest.fixture
def threshold(settings):
    settings.BACKGROUND_STEP_THRESHOLD = 5
    return 5


def big_job(user, *, total: int = 1_234, **counters) -> StepJob:
    """A job over `total` orders, its counters as the worker left them (no orders needed)."""
    order = OrderFactory(status=S.PENDING)
    job = queue_for(user, [order])
    StepJob.objects.filter(pk=job.pk).update(object_ids=[order.pk] * total, total=total, **counters)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_progress_page_says_what_the_job_does_while_it_refreshes(client):
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    job = big_job(user, label="Hold")
    queued = client.get(progress_url(job)).content.decode()
    assert state_line(queued) == (
        "Holding 1,234 orders in the background: queued, it starts when the worker is "
        "next free; this page refreshes itself."
    )
    assert '<progress max="1234" value="0">0 of 1,234</progress>' in queued
    assert '<strong class="centra-job-left">1,234</strong> left' in queued

    StepJob.objects.filter(pk=job.pk).update(started_at=timezone.now(), done=1_100, skipped=1_001)
    running = client.get(progress_url(job)).content.decode()
    assert state_line(running).startswith("Holding 1,234 orders in the background: running since ")
    assert state_line(running).endswith(", 1,100 checked so far; this page refreshes itself.")
    assert '<progress max="1234" value="1100">1,100 of 1,234</progress>' in running
    assert '<strong class="centra-job-skipped">1,001</strong> skipped' in running
    assert '<strong class="centra-job-left">134</strong> left' in running

    StepJob.objects.filter(pk=job.pk).update(finished_at=timezone.now(), done=1_234)
    finished = client.get(progress_url(job)).content.decode()
    assert state_line(finished).startswith("Finished on ")
    assert state_line(finished).endswith(": 233 of 1,234 orders done, 1,001 skipped.")
    assert '<strong class="centra-job-taken">233</strong> done' in finished
    assert '<strong class="centra-job-left">0</strong> left' in finished


@pytest.mark.django_db
def test_the_queued_message_goes_and_the_state_sentence_stays(client, threshold):
    client.force_login(role_user(CUSTOMER_SERVICE))
    [OrderFactory(status=S.PENDING) for _ in range(7)]
    queued = select_all(client, "confirm")
    first = client.get(queued["Location"]).content.decode()
    refreshed = client.get(queued["Location"]).content.decode()
    message = queued_message("Confirming", 7, "orders")
    assert message in first
    assert message not in refreshed  # the message is gone
    what = "the selected" if READ_BY_THE_WORKER else "7"
    for html in (first, refreshed):
        assert state_line(html).startswith(f"Confirming {what} orders in the background: queued, ")


@pytest.mark.django_db
def test_a_selection_of_thousands_is_counted_with_separators(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    many_orders_with_sku(1_234, "TEE-MANY")
    page = select_all(client, "hold", "?q=TEE-MANY").content.decode()
    assert "1,234 orders selected; each is checked when its turn comes" in page
    done = select_all(client, "hold", "?q=TEE-MANY", post="yes", kind=HoldKind.MANUAL, reason="x")
    assert messages_of(done)[0].startswith(queued_message("Holding", 1_234, "orders"))
    read_selection(StepJob.objects.get())
    assert "<h1>Hold: 1,234 orders</h1>" in client.get(done["Location"]).content.decode()


@pytest.mark.django_db
def test_an_order_deleted_by_the_job_is_listed_without_a_link(client, threshold):
    user = role_user(BACKOFFICE_ADMIN)
    client.force_login(user)
    orders = [OrderFactory(status=S.CANCELLED) for _ in range(6)]
    kept = OrderFactory(status=S.PENDING)  # not cancelled: skipped, still there
    params = {"reason": ["Erasure request"]}
    job = queue_for(user, [*orders, kept], "delete_permanently", params)
    run_all()
    html = client.get(progress_url(job)).content.decode()
    assert f'<td><a href="/admin/orders/order/{kept.pk}/change/">{kept.number}</a></td>' in html
    for order in orders:
        assert f"<td>{order.number}</td>" in html


@pytest.mark.django_db
def test_every_link_of_the_progress_page_opens_for_who_queued_it(client, threshold):
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    orders = [OrderFactory(status=S.PENDING) for _ in range(3)]
    job = queue_for(user, orders)
    run_all()
    links = admin_links(client.get(progress_url(job)).content.decode())
    assert {f"/admin/orders/order/{o.pk}/change/" for o in orders} <= links
    assert [link for link in sorted(links) if not opens(client, link)] == []


@pytest.mark.django_db
def test_before_the_worker_reads_the_selection_the_page_says_so(client):
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    job = big_job(user, label="Hold")
    # As queued on PostgreSQL: the selection a query, its ids not read yet.
    StepJob.objects.filter(pk=job.pk).update(
        total=None, object_ids=[], selection_sql='SELECT "orders_order"."id" FROM "orders_order"'
    )
    queued = client.get(progress_url(job)).content.decode()
    assert "<h1>Hold: the selected orders</h1>" in queued
    assert state_line(queued) == (
        "Holding the selected orders in the background: queued, it starts when the worker is "
        "next free and reads the selection then; this page refreshes itself."
    )
    assert "<progress>The selection is read when the step starts</progress>" in queued
    assert "centra-job-left" not in queued and 'data-centra-refresh="2"' in queued

    StepJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
    running = client.get(progress_url(job)).content.decode()
    assert state_line(running).startswith("Holding the selected orders in the background: ")
    assert state_line(running).endswith(", reading the selection; this page refreshes itself.")
    listed = client.get("/admin/backoffice/stepjob/").content.decode()
    assert "The selection is read when the step starts" in listed
