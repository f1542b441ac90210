"""A bulk step over more orders than the threshold, in Chromium: queued from the
list, taken by the worker while the progress page refreshes itself."""

import threading

import pytest
from django.db import connection

from backoffice.jobs.worker import run_due_jobs
from core.roles import CUSTOMER_SERVICE
from orders.models import HoldKind, Order, OrderEvent
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import UserFactory
from tests.test_admin_lists_at_scale import many_orders_with_sku
from tests.test_step_jobs import READ_BY_THE_WORKER, queued_message

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REASON = "Chargeback wave: check before shipping"


def worker(stop: threading.Event) -> None:
    """The delivery worker's job half, as `deliver_events` runs it, until the test stops it."""
    try:
        while not stop.is_set():
            if not run_due_jobs(chunk=10):
                stop.wait(0.2)
    finally:
        connection.close()


def test_customer_service_holds_every_matching_order_in_the_background(new_page, settings):
    settings.BACKGROUND_STEP_THRESHOLD = 20
    UserFactory(username="carol", groups=[CUSTOMER_SERVICE], password=PASSWORD)
    orders = many_orders_with_sku(60, "TEE-WAVE")
    ids = [o.pk for o in orders]

    page = new_page()
    log_in(page, "carol")
    page.goto("/admin/orders/order/?q=TEE-WAVE")
    page.check("#action-toggle")
    page.click("text=Select all 60 orders")
    page.select_option("select[name=action]", "hold")
    page.click("button[name=index]")

    count = page.wait_for_selector(".centra-background-count").inner_text()
    assert count.startswith("60 orders selected; each is checked when its turn comes")
    page.select_option("#id_kind", HoldKind.FRAUD_CHECK)
    page.fill("#id_reason", REASON)
    page.shot("hold-form-for-60-orders")
    page.click("input[name=_take_step]")

    page.wait_for_url("**/admin/backoffice/stepjob/*/change/")
    message = queued_message("Holding", 60, "orders").rstrip(";")
    assert message in page.locator(".messagelist").inner_text()
    # Counted at the click where the click reads the ids; on PostgreSQL the
    # worker reads them when it starts.
    what = "the selected" if READ_BY_THE_WORKER else "60"
    state = f"Holding {what} orders in the background: queued"
    assert page.locator(".centra-job-state").inner_text().startswith(state)
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.shot("hold-queued")
    assert Order.objects.filter(pk__in=ids, on_hold=True).count() == 0
    # The first refresh drops the message; the page still says what the job does.
    page.wait_for_selector(".messagelist", state="detached", timeout=10_000)
    assert page.locator(".centra-job-state").inner_text().startswith(state)

    stop = threading.Event()
    thread = threading.Thread(target=worker, args=(stop,))
    thread.start()
    try:
        # The page refreshes itself every 2 s until the job is finished.
        page.wait_for_selector("text=Finished on", timeout=60_000)
    finally:
        stop.set()
        thread.join(timeout=30)
    page.shot("hold-finished")
    assert page.locator(".centra-job-taken").inner_text() == "60"
    assert page.locator(".centra-job-left").inner_text() == "0"
    assert (
        page.locator(".centra-job-state")
        .inner_text()
        .endswith(": 60 of 60 orders done, 0 skipped.")
    )
    # Each order links to its page.
    first = page.locator(".centra-job-outcomes tbody a").first
    number = first.inner_text()
    assert page.locator(".centra-job-outcomes tbody a").count() == 60
    first.click()
    page.wait_for_url(f"**/admin/orders/order/{Order.objects.get(number=number).pk}/change/")

    held = Order.objects.filter(pk__in=ids, on_hold=True, hold_kind=HoldKind.FRAUD_CHECK)
    assert held.filter(hold_reason=REASON).count() == 60
    for pk in ids:
        assert (
            OrderEvent.objects.filter(order_id=pk, subject="order", transition="hold").count() == 1
        )
