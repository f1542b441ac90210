"""Bulk steps over large selections, queued by the admin and taken by the worker
(backoffice/jobs/, backoffice/admin/jobs.py)."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.jobs import queue_step_job
from backoffice.jobs.selection import freeze_sql
from backoffice.jobs.worker import LEASE, run_due_jobs
from backoffice.models import StepJob, StepJobOutcome
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, DEFAULT_GROUPS
from orders import services
from orders.models import DeletedOrder, HoldKind, Order, OrderEvent, OrderStatus
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import OrderFactory, UserFactory
from tests.helpers import snapshot

S = OrderStatus
QUERY = f"?status={S.PENDING}"
# On PostgreSQL a job over "select all" keeps its selection as a query, read by
# the worker when it starts; elsewhere the ids are read at the click.
READ_BY_THE_WORKER = connection.vendor == "postgresql"


@pytest.fixture
def threshold(settings):
    settings.BACKGROUND_STEP_THRESHOLD = 5
    return 5


def select_all(client, step: str, query: str = QUERY, **extra):
    """Post the list's action as "Select all N matching" does."""
    page = client.get(ORDERS_URL + query).context["cl"].result_list
    data = {"action": step, "index": 0, "select_across": 1}
    data["_selected_action"] = [o.pk for o in page]
    return client.post(ORDERS_URL + query, data | extra)


def queued_message(doing: str, count: int, objects: str) -> str:
    """The start of the message at the click: how many where the ids are read at
    the click, "the selected …" where the worker reads them."""
    if READ_BY_THE_WORKER:
        return f"{doing} the selected {objects} in the background;"
    return f"{doing} {count:,} {objects} in the background;"


def read_selection(job: StepJob) -> StepJob:
    """The job with its ids as the worker reads them when it starts (now)."""
    if not job.selection_read:
        freeze_sql(job, job.selection_sql, job.selection_params)
    job.refresh_from_db()
    return job


def run_all(**kwargs) -> None:
    while run_due_jobs(**kwargs):
        pass


def events(order, transition: str) -> int:
    return OrderEvent.objects.filter(order=order, subject="order", transition=transition).count()


def progress_url(job) -> str:
    return f"/admin/backoffice/stepjob/{job.pk}/change/"


def state_line(html: str) -> str:
    """The progress page's sentence on what the job is doing, whitespace collapsed."""
    start = html.index('<p class="centra-job-state">')
    return " ".join(html[start : html.index("</p>", start)].split()[2:])


@pytest.mark.django_db
def test_confirm_above_the_threshold_is_queued_then_taken_by_the_worker(client, threshold):
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    orders = [OrderFactory(status=S.PENDING) for _ in range(8)]
    held = OrderFactory(status=S.PENDING, on_hold=True, hold_kind="manual", hold_reason="x")
    before = {o.pk: snapshot(o) for o in [*orders, held]}

    response = select_all(client, "confirm")
    job = StepJob.objects.get()
    assert response.status_code == 302 and response["Location"] == progress_url(job)
    assert messages_of(response)[0].startswith(queued_message("Confirming", 9, "orders"))
    assert {o.pk: snapshot(o) for o in [*orders, held]} == before
    total = None if READ_BY_THE_WORKER else 9
    assert (job.total, job.done, job.state, job.created_by) == (total, 0, "queued", user)

    run_all(chunk=4)
    job.refresh_from_db()
    assert (job.done, job.skipped, job.state) == (9, 1, "finished")
    for order in orders:
        assert Order.objects.get(pk=order.pk).status == S.CONFIRMED
        assert events(order, "confirm") == 1
    assert snapshot(Order.objects.get(pk=held.pk)) == before[held.pk]
    # The same sentence the step gives in the request.
    skipped = StepJobOutcome.objects.get(job=job, taken=False)
    from backoffice.steps import ORDER_STEPS

    confirm = next(s for s in ORDER_STEPS if s.name == "confirm")
    assert skipped.sentence == confirm.refusal(Order.objects.get(pk=held.pk), by=user)
    assert skipped.reference == str(held.number)


@pytest.mark.django_db
def test_at_the_threshold_the_step_is_taken_in_the_request(client, threshold):
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = [OrderFactory(status=S.PENDING) for _ in range(5)]
    select_all(client, "confirm")
    assert not StepJob.objects.exists()
    assert all(Order.objects.get(pk=o.pk).status == S.CONFIRMED for o in orders)


@pytest.mark.django_db
def test_hold_with_a_reason_shows_the_count_and_the_form_then_queues(client, threshold):
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = [OrderFactory(status=S.PENDING) for _ in range(7)]
    before = {o.pk: snapshot(o) for o in orders}

    page = select_all(client, "hold")
    html = page.content.decode()
    assert page.status_code == 200
    assert "7 orders selected; each is checked when its turn comes" in html
    assert "centra-takes" not in html  # not every order listed
    assert 'name="reason"' in html and 'name="select_across" value="1"' in html

    # Bad input: one plain sentence, nothing queued, nothing changed.
    invalid = select_all(client, "hold", post="yes", kind=HoldKind.FRAUD_CHECK, reason=" ")
    assert invalid.status_code == 200
    assert "This field is required." in invalid.content.decode()
    assert not StepJob.objects.exists()

    done = select_all(client, "hold", post="yes", kind=HoldKind.FRAUD_CHECK, reason="Card check")
    job = StepJob.objects.get()
    assert done["Location"] == progress_url(job)
    assert messages_of(done)[0].startswith(queued_message("Holding", 7, "orders"))
    assert {o.pk: snapshot(o) for o in orders} == before

    call_command("deliver_events", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for order in orders:
        order = Order.objects.get(pk=order.pk)
        assert (order.on_hold, order.hold_kind, order.hold_reason) == (
            True,
            HoldKind.FRAUD_CHECK,
            "Card check",
        )
        assert events(order, "hold") == 1
    job.refresh_from_db()
    assert (job.done, job.skipped, job.state) == (7, 0, "finished")


@pytest.mark.django_db
def test_a_user_without_the_permission_cannot_queue_the_step(client, threshold):
    user = next(
        u
        for u in (role_user(role) for role in DEFAULT_GROUPS)
        if not u.has_perm("orders.hold_order") and u.has_perm("orders.view_order")
    )
    client.force_login(user)
    orders = [OrderFactory(status=S.PENDING) for _ in range(7)]
    before = {o.pk: snapshot(o) for o in orders}
    response = select_all(client, "hold", post="yes", kind=HoldKind.MANUAL, reason="x")
    assert messages_of(response) == ["You do not have permission to hold orders."]
    assert not StepJob.objects.exists()
    assert {o.pk: snapshot(o) for o in orders} == before


@pytest.mark.django_db
def test_only_its_creator_and_superusers_see_a_job(client, threshold):
    owner = role_user(CUSTOMER_SERVICE)
    other = UserFactory(username="other-agent", groups=[CUSTOMER_SERVICE])
    boss = UserFactory(username="boss", is_superuser=True)
    order = OrderFactory(status=S.PENDING)
    job = queue_for(owner, [order])

    client.force_login(other)
    assert client.get(progress_url(job)).status_code == 404
    assert str(job) not in client.get("/admin/backoffice/stepjob/").content.decode()
    for user in (owner, boss):
        client.force_login(user)
        assert client.get(progress_url(job)).status_code == 200
        assert str(job) in client.get("/admin/backoffice/stepjob/").content.decode()
    # Read-only: nothing to add, change or delete.
    assert client.get("/admin/backoffice/stepjob/add/").status_code == 403
    assert client.post(f"/admin/backoffice/stepjob/{job.pk}/delete/").status_code == 403


def queue_for(user, orders, step_name: str = "confirm", params=None):
    from backoffice.steps import ORDER_STEPS

    step = next(s for s in ORDER_STEPS if s.name == step_name)
    return queue_step_job(
        by=user, model=Order, step=step, object_ids=[o.pk for o in orders], params=params or {}
    )


@pytest.mark.django_db
def test_a_deleted_order_is_skipped_with_a_sentence():
    user = role_user(CUSTOMER_SERVICE)
    kept, gone = OrderFactory(status=S.PENDING), OrderFactory(status=S.PENDING)
    job = queue_for(user, [kept, gone])
    gone_pk = gone.pk
    Order.objects.filter(pk=gone_pk).delete()
    run_all()
    outcome = StepJobOutcome.objects.get(job=job, taken=False)
    assert outcome.sentence == f"Order {gone_pk} was deleted before its turn."
    assert Order.objects.get(pk=kept.pk).status == S.CONFIRMED


@pytest.mark.django_db
def test_the_worker_writes_in_the_language_of_who_queued_the_job():
    from django.utils import translation

    user = role_user(CUSTOMER_SERVICE)
    kept, gone = OrderFactory(status=S.PENDING), OrderFactory(status=S.PENDING)
    with translation.override("sv"):  # the request of a Swedish-speaking user
        job = queue_for(user, [kept, gone])
    gone_pk = gone.pk
    Order.objects.filter(pk=gone_pk).delete()
    run_all()  # the worker's own language is English
    outcome = StepJobOutcome.objects.get(job=job, taken=False)
    assert (job.language, outcome.sentence) == (
        "sv",
        f"Order {gone_pk} raderades innan den stod på tur.",
    )
    assert translation.get_language() == "en"


@pytest.mark.django_db
def test_a_worker_killed_mid_chunk_leaves_the_next_to_re_check_it():
    user = role_user(CUSTOMER_SERVICE)
    orders = [OrderFactory(status=S.PENDING) for _ in range(4)]
    job = queue_for(user, orders)
    # The killed worker had claimed the chunk and confirmed two orders through
    # the service; its outcomes and counters were never saved, its lease ran out.
    for order in orders[:2]:
        services.confirm_order(order_id=order.pk, by=user)
    from django.utils import timezone

    StepJob.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - LEASE * 2, claimed_until=timezone.now() - LEASE / 10
    )
    run_all()
    job.refresh_from_db()
    assert (job.done, job.skipped, job.state) == (4, 2, "finished")
    for order in orders:
        assert events(order, "confirm") == 1
    sentences = list(StepJobOutcome.objects.filter(job=job, taken=False).values_list("sentence"))
    assert all("cannot be confirmed" in s for (s,) in sentences)


@pytest.mark.django_db
def test_the_progress_page_counts_and_its_query_budget(client, django_assert_max_num_queries):
    user = role_user(CUSTOMER_SERVICE)
    client.force_login(user)
    queries = []
    for count in (3, 30):
        orders = [OrderFactory(status=S.PENDING) for _ in range(count)]
        held = OrderFactory(status=S.PENDING, on_hold=True, hold_kind="manual", hold_reason="x")
        job = queue_for(user, [*orders, held])
        running = client.get(progress_url(job)).content.decode()
        # Refreshed by a script the reader can stop, never by <meta http-equiv="refresh">.
        assert 'data-centra-refresh="2"' in running
        assert "http-equiv" not in running
        run_all(chunk=7)
        with CaptureQueriesContext(connection) as captured:
            page = client.get(progress_url(job))
        queries.append(len(captured))
        html = page.content.decode()
        assert "data-centra-refresh" not in html
        assert f'<progress max="{count + 1}" value="{count + 1}">' in html
        assert f'<strong class="centra-job-taken">{count}</strong> done' in html
        assert '<strong class="centra-job-skipped">1</strong> skipped' in html
        assert '<strong class="centra-job-left">0</strong> left' in html
        # Skipped first, with the sentence; each order links to its page.
        assert html.index("Skipped:") < html.index("<td>Done")
        for order in [held, *orders]:
            link = f'<td><a href="/admin/orders/order/{order.pk}/change/">{order.number}</a></td>'
            assert link in html
        assert state_line(html).endswith(f": {count} of {count + 1} orders done, 1 skipped.")
    assert queries[0] == queries[1]
    with django_assert_max_num_queries(8):
        client.get(progress_url(job))


@pytest.mark.postgres("SKIP LOCKED between two concurrent workers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_take_the_same_chunk():
    user = role_user(CUSTOMER_SERVICE)
    orders = [OrderFactory(status=S.PENDING) for _ in range(40)]
    job = queue_for(user, orders)
    errors = []

    def work():
        try:
            while StepJob.objects.filter(pk=job.pk, finished_at__isnull=True).exists():
                run_due_jobs(chunk=5)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    job.refresh_from_db()
    assert (job.done, job.skipped, job.state) == (40, 0, "finished")
    assert StepJobOutcome.objects.filter(job=job).count() == 40
    for order in orders:
        assert events(order, "confirm") == 1


@pytest.mark.django_db
def test_a_step_with_a_field_per_order_is_still_refused_above_the_threshold(client, threshold):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    orders = [OrderFactory(status=S.PENDING) for _ in range(7)]
    before = {o.pk: snapshot(o) for o in orders}
    response = select_all(client, "cancel_products")
    assert messages_of(response) == ["Select at most 5 orders for one action; nothing was changed."]
    assert not StepJob.objects.exists()
    assert {o.pk: snapshot(o) for o in orders} == before


@pytest.mark.django_db
def test_deleting_cancelled_orders_in_the_background(client, threshold):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    orders = [OrderFactory(status=S.CANCELLED) for _ in range(7)]
    query = f"?status={S.CANCELLED}"
    page = select_all(client, "delete_permanently", query)
    assert "7 orders selected; each is checked" in page.content.decode()
    done = select_all(client, "delete_permanently", query, post="yes", reason="Erasure request")
    job = StepJob.objects.get()
    assert done["Location"] == progress_url(job)
    assert Order.objects.filter(pk__in=[o.pk for o in orders]).count() == 7
    run_all()
    assert not Order.objects.filter(pk__in=[o.pk for o in orders]).exists()
    assert DeletedOrder.objects.filter(order_id__in=[o.pk for o in orders]).count() == 7


@pytest.mark.django_db
def test_a_step_that_fails_leaves_the_job_for_later_and_the_worker_running(monkeypatch):
    from backoffice.jobs import worker

    user = role_user(CUSTOMER_SERVICE)
    order = OrderFactory(status=S.PENDING)
    job = queue_for(user, [order])

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(worker, "take_step", broken)
    assert run_due_jobs() == 0
    job.refresh_from_db()
    assert (job.done, job.state, job.claimed_until is not None) == (0, "running", True)
    assert Order.objects.get(pk=order.pk).status == S.PENDING
