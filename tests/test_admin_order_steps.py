"""Every order step × role × status through the admin's HTTP endpoints.

Each step either does exactly what the transition table says, or is refused
with a message and changes nothing. Expectations come from the transition
table of tests/test_order_transitions.py and the groups' permissions, not from
the admin code under test.
"""

import pytest
from django.test import Client

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from orders.models import DeletedOrder, Order, OrderEvent, OrderStatus
from tests.admin_support import (
    NO_PERMISSIONS,
    ORDERS_URL,
    ROLES,
    STEP_INPUT,
    messages_of,
    post_bulk,
    post_step,
    role_user,
)
from tests.factories import OrderFactory
from tests.helpers import snapshot
from tests.test_order_transitions import ALLOWED, DELETED, PERMISSIONS, STATES, events_written

S = OrderStatus
ADMIN_STEPS = [step for step in ALLOWED if step != "checkout"]

PAST = {
    "confirm": "confirmed",
    "unconfirm": "unconfirmed",
    "hold": "put on hold",
    "resume": "resumed",
    "cancel": "cancelled",
    "archive": "archived",
    "reactivate": "reactivated",
    "delete_permanently": "deleted permanently",
}


def cases():
    for step in ADMIN_STEPS:
        for role in ROLES:
            for status, held in STATES:
                yield pytest.param(
                    step, role, status, held, id=f"{step}-{role}-{status.label}-{held}"
                )


def expected_result(step, user, status, held):
    if not user.has_perm(PERMISSIONS[step]):
        return None
    return ALLOWED[step].get((status, held))


def assert_done(order, before, expected, step):
    if expected == DELETED:
        assert not Order.objects.filter(pk=order.pk).exists()
        assert DeletedOrder.objects.filter(order_id=order.pk).exists()
        return
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.on_hold) == expected
    assert OrderEvent.objects.filter(order=order).count() == (
        before["events"] + events_written(step, before)
    )
    assert OrderEvent.objects.filter(order=order, subject="order").last().transition == step


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "role", "status", "held"), list(cases()))
def test_step_by_role_and_status(client, step, role, status, held):
    user = role_user(role)
    client.force_login(user)
    in_bulk = OrderFactory(status=status, on_hold=held)
    on_page = OrderFactory(status=status, on_hold=held)
    before = {o.pk: snapshot(o) for o in (in_bulk, on_page)}
    expected = expected_result(step, user, status, held)
    # The list filtered to the order's status, so archived orders are listed too.
    query = f"?status={status}"

    bulk = post_bulk(client, step, [in_bulk], query=query)
    page = post_step(client, step, on_page)

    if role == NO_PERMISSIONS:
        assert (bulk.status_code, page.status_code) == (403, 403)
        assert {o.pk: snapshot(o) for o in (in_bulk, on_page)} == before
        return

    assert bulk.status_code == page.status_code == 302
    bulk_messages, page_messages = messages_of(bulk), messages_of(page)
    if expected is None:
        assert {o.pk: snapshot(o) for o in (in_bulk, on_page)} == before
        assert len(bulk_messages) == 1 and bulk_messages[0].endswith(".")
        assert len(page_messages) == 1 and page_messages[0].endswith(".")
        permitted = user.has_perm(PERMISSIONS[step])
        state_allows = (status, held) in ALLOWED[step]
        if not permitted:
            # The list does not offer the step at all.
            assert bulk_messages[0].startswith("You do not have permission to")
        if not permitted and state_allows:
            assert page_messages[0].startswith("You do not have permission to")
        else:
            # The state refuses first, naming the order.
            assert f"Order {on_page.number} " in page_messages[0]
    else:
        assert_done(in_bulk, before[in_bulk.pk], expected, step)
        assert_done(on_page, before[on_page.pk], expected, step)
        assert bulk_messages == [f"1 order {PAST[step]}: {in_bulk.number}."]
        assert page_messages == [f"1 order {PAST[step]}: {on_page.number}."]


@pytest.mark.django_db
def test_bulk_step_reports_each_order_and_skips_the_refused(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    pending = OrderFactory(status=S.PENDING)
    held = OrderFactory(status=S.PENDING, on_hold=True)
    cancelled = OrderFactory(status=S.CANCELLED)
    before_held, before_cancelled = snapshot(held), snapshot(cancelled)

    response = post_bulk(client, "confirm", [pending, held, cancelled])

    # Skipped orders are reported in the list's order, newest first.
    assert messages_of(response) == [
        f"1 order confirmed: {pending.number}.",
        f"Skipped: Order {cancelled.number} is Cancelled, so it cannot be confirmed.",
        f"Skipped: Order {held.number} is on hold: resume it first.",
    ]
    assert Order.objects.get(pk=pending.pk).status == S.CONFIRMED
    assert snapshot(held) == before_held
    assert snapshot(cancelled) == before_cancelled


@pytest.mark.django_db
def test_hold_in_bulk_asks_for_reason_and_kind_first(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = [OrderFactory(status=S.PENDING), OrderFactory(status=S.CONFIRMED)]
    before = [snapshot(o) for o in orders]

    page = client.post(ORDERS_URL, {"action": "hold", "_selected_action": [o.pk for o in orders]})
    assert page.status_code == 200
    assert page.templates[0].name == "admin/centra/step_form.html"
    assert [snapshot(o) for o in orders] == before

    missing_reason = post_bulk(client, "hold", orders, reason="  ")
    assert missing_reason.status_code == 200
    assert missing_reason.context["form"].errors == {"reason": ["This field is required."]}
    assert [snapshot(o) for o in orders] == before

    bad_kind = post_bulk(client, "hold", orders, kind="because")
    assert "kind" in bad_kind.context["form"].errors
    assert [snapshot(o) for o in orders] == before

    done = post_bulk(client, "hold", orders)
    assert done.status_code == 302
    for order in orders:
        order.refresh_from_db()
        assert (order.on_hold, order.hold_kind, order.hold_reason) == (
            True,
            "fraud_check",
            "Address mismatch",
        )


@pytest.mark.django_db
def test_cancel_on_the_order_page_needs_a_reason(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CONFIRMED)
    before = snapshot(order)
    form_page = client.get(f"{ORDERS_URL}{order.pk}/step/cancel/")
    assert form_page.status_code == 200
    refused = post_step(client, "cancel", order, reason="")
    assert refused.status_code == 200
    assert refused.context["form"].errors == {"reason": ["This field is required."]}
    assert snapshot(order) == before


@pytest.mark.django_db
def test_django_delete_selected_is_not_offered(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    OrderFactory(status=S.CANCELLED)
    for query in ("", "?status=6"):
        actions = client.get(ORDERS_URL + query).context["action_form"].fields["action"].choices
        assert "delete_selected" not in dict(actions)


@pytest.mark.django_db
def test_delete_selected_post_changes_nothing(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = OrderFactory(status=S.CANCELLED)
    before = snapshot(order)
    response = client.post(
        ORDERS_URL + "?status=6",
        {"action": "delete_selected", "_selected_action": [order.pk], "post": "yes"},
    )
    assert messages_of(response) == ["No action selected."]
    assert snapshot(order) == before


@pytest.mark.django_db
def test_delete_permanently_is_offered_only_for_cancelled_orders_and_to_the_purge_permission(
    client,
):
    OrderFactory(status=S.CANCELLED)
    client.force_login(role_user(BACKOFFICE_ADMIN))

    def offered(query):
        return dict(client.get(ORDERS_URL + query).context["action_form"].fields["action"].choices)

    assert "delete_permanently" in offered("?status=6")
    assert "delete_permanently" not in offered("")
    assert "delete_permanently" not in offered("?status=1")
    client.force_login(role_user(CUSTOMER_SERVICE))
    assert "delete_permanently" not in offered("?status=6")


@pytest.mark.django_db
def test_delete_permanently_lists_exactly_what_will_be_deleted_before_deleting(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    doomed = OrderFactory(status=S.CANCELLED)
    other = OrderFactory(status=S.CANCELLED)
    page = client.post(
        ORDERS_URL + "?status=6",
        {"action": "delete_permanently", "_selected_action": [doomed.pk]},
    )
    assert page.status_code == 200
    assert Order.objects.filter(pk=doomed.pk).exists()
    assert [obj for obj, _ in page.context["takes"]] == [doomed]
    model_count = dict(page.context["model_count"])
    assert model_count == {
        "orders": 1,
        "order lines": doomed.lines.count(),
        "order events": doomed.events.count(),
        "payments": 1,
        "payment transactions": doomed.payment.transactions.count(),
    }
    html = page.content.decode()
    for line in doomed.lines.all():
        assert str(line) in html
    assert f"Order {other.number}" not in html

    done = post_bulk(client, "delete_permanently", [doomed], query="?status=6")
    assert messages_of(done) == [f"1 order deleted permanently: {doomed.number}."]
    assert not Order.objects.filter(pk=doomed.pk).exists()
    assert Order.objects.filter(pk=other.pk).exists()
    assert DeletedOrder.objects.get(order_number=doomed.number).reason == "Erasure request"


@pytest.mark.django_db
def test_a_refused_step_on_the_order_page_says_why_and_changes_nothing(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CONFIRMED, on_hold=True)
    before = snapshot(order)
    # The button is not shown (the order is on hold), but a POST is checked again.
    response = post_step(client, "unconfirm", order)
    assert messages_of(response) == [f"Order {order.number} is on hold: resume it first."]
    assert snapshot(order) == before
    # Opening a step's page that is not available now is refused the same way.
    form_page = client.get(f"{ORDERS_URL}{order.pk}/step/hold/")
    assert form_page.status_code == 302
    assert messages_of(form_page) == [f"Order {order.number} is already on hold."]


@pytest.mark.django_db
def test_tampered_posts_change_nothing(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    archived = OrderFactory(status=S.ARCHIVED)
    pending = OrderFactory(status=S.PENDING)
    before = {o.pk: snapshot(o) for o in (archived, pending)}

    # An order that is not in the list the action was posted from (archived
    # orders are not in the default list) is not touched.
    hidden = post_bulk(client, "reactivate", [archived])
    assert messages_of(hidden) == ["No orders were selected."]
    # An unknown step, and an unknown order.
    assert post_step(client, "ship_to_mars", pending).status_code == 404
    missing = client.post(f"{ORDERS_URL}987654321/step/confirm/")
    assert missing.status_code == 302
    assert "doesn’t exist" in messages_of(missing)[0]
    # A step the list does not offer now.
    not_offered = post_bulk(client, "delete_permanently", [pending])
    assert messages_of(not_offered) == ["Delete permanently is not offered for these orders."]
    # Ids that are not numbers.
    garbage = client.post(
        ORDERS_URL, {"action": "confirm", "_selected_action": ["1 OR 1=1"], "index": 0}
    )
    assert messages_of(garbage) == ["The selection was not understood; nothing was changed."]
    assert {o.pk: snapshot(o) for o in (archived, pending)} == before


@pytest.mark.django_db
@pytest.mark.parametrize("step", ["confirm", "hold"])
def test_posts_without_a_csrf_token_are_refused(step):
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    assert post_step(client, step, order).status_code == 403
    assert post_bulk(client, step, [order]).status_code == 403
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_bulk_step_over_the_limit_is_queued_not_taken(client, monkeypatch):
    from backoffice.models import StepJob
    from core import steps as admin_steps
    from tests.test_step_jobs import queued_message

    # Never more than MAX_OBJECTS_PER_STEP in a request, whatever the threshold.
    monkeypatch.setattr(admin_steps, "MAX_OBJECTS_PER_STEP", 2)
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = [OrderFactory(status=S.PENDING) for _ in range(3)]
    before = [snapshot(o) for o in orders]
    response = post_bulk(client, "confirm", orders)
    job = StepJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/backoffice/stepjob/{job.pk}/change/"
    assert messages_of(response)[0].startswith(queued_message("Confirming", 3, "orders"))
    assert [snapshot(o) for o in orders] == before


def test_every_step_has_its_input_described():
    from backoffice.steps import ORDER_STEPS

    shipping = {"expedite", "good_to_go", "capture"}  # tests/test_admin_shipping.py
    # tests/test_admin_product_steps.py
    products = {"cancel_products", "restore_products", "cancel_unshipped_products", "restore"}
    # tests/test_anonymize.py has anonymize_customer, tests/test_staff_orders.py new_payment_link
    own_page = {"discard", "anonymize_customer", "new_payment_link"}
    assert {s.name for s in ORDER_STEPS} == set(ADMIN_STEPS) | shipping | products | own_page
    with_form = own_page - {"new_payment_link"}  # a confirmation only
    assert {s.name for s in ORDER_STEPS if s.form} == set(STEP_INPUT) | products | with_form


@pytest.mark.django_db
@pytest.mark.parametrize("role", [BACKOFFICE_ADMIN, CUSTOMER_SERVICE])
def test_discard_a_selection_after_its_confirmation_page(client, role):
    client.force_login(role_user(role))
    selection = OrderFactory(status=S.INCOMPLETE)
    pending = OrderFactory(status=S.PENDING)
    before = {o.pk: snapshot(o) for o in (selection, pending)}
    query = f"?status={S.INCOMPLETE}"
    page = client.post(
        ORDERS_URL + query, {"action": "discard", "_selected_action": [selection.pk]}
    )
    done = client.post(
        ORDERS_URL + query,
        {"action": "discard", "_selected_action": [selection.pk], "post": "yes", "reason": "Old"},
    )
    if role == CUSTOMER_SERVICE:
        assert messages_of(page) == ["You do not have permission to discard selection orders."]
        assert {o.pk: snapshot(o) for o in (selection, pending)} == before
        return
    assert page.status_code == 200
    assert f"Order {selection.number}" in page.content.decode()
    assert messages_of(done) == [f"1 order discarded: {selection.number}."]
    assert not Order.objects.filter(pk=selection.pk).exists()
    assert DeletedOrder.objects.get(order_number=selection.number).reason == "Old"
    # Offered only under the Incomplete filter; a pending order is refused.
    refused = post_step(client, "discard", pending, reason="x")
    assert messages_of(refused) == [
        f"Order {pending.number} is Pending, so it cannot be discarded."
    ]
    assert snapshot(pending) == before[pending.pk]
