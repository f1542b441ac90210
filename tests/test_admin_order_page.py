"""The order page: exactly the allowed buttons, editable details, lines, timeline,
query budget, and the order flow page."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.admin.orders.timeline import LATEST_EVENTS
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from orders.models import Order, OrderEvent, OrderStatus
from shipments.models import ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, ORDERS_URL, ROLES, role_user
from tests.factories import LineDataFactory, OrderEventFactory, OrderFactory, ShipmentFactory
from tests.helpers import snapshot
from tests.test_admin_shipping import stocked_order
from tests.test_order_transitions import ALLOWED, PERMISSIONS, STATES

S = OrderStatus


def page_url(order) -> str:
    return f"{ORDERS_URL}{order.pk}/change/"


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-step="([a-z_]+)"', html))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("status", "held"), STATES)
def test_buttons_are_exactly_the_steps_this_user_may_take_now(client, role, status, held):
    user = role_user(role)
    client.force_login(user)
    order = OrderFactory(status=status, on_hold=held)
    response = client.get(page_url(order))
    if role == NO_PERMISSIONS:
        assert response.status_code == 403
        return
    expected = {
        step
        for step, table in ALLOWED.items()
        if step != "checkout" and (status, held) in table and user.has_perm(PERMISSIONS[step])
    }
    # The order steps of the transition table (shipping steps depend on shipments
    # and are tested with them).
    assert buttons(response.content.decode()) & set(ALLOWED) == expected


@pytest.mark.django_db
def test_steps_without_input_are_csrf_protected_post_buttons(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PENDING)
    html = client.get(page_url(order)).content.decode()
    confirm_form = re.search(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert confirm_form.group(1) == f"{ORDERS_URL}{order.pk}/step/confirm/"
    assert 'name="csrfmiddlewaretoken"' in confirm_form.group(2)
    # Steps that need input link to their page.
    assert f'href="{ORDERS_URL}{order.pk}/step/hold/"' in html
    assert f'href="{ORDERS_URL}{order.pk}/step/cancel/"' in html


@pytest.mark.django_db
def test_a_held_order_says_why_it_cannot_proceed(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PENDING, on_hold=True)
    response = client.get(page_url(order))
    assert response.context["blocked_steps"] == [
        f"Order {order.number} is on hold: resume it first."
    ]


def change_form_data(response) -> dict:
    """The change form's current values, as the browser would post them back."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                data[form.add_prefix(name)] = "" if value is None else value
    return data


@pytest.mark.django_db
def test_details_stay_editable_on_hold_and_the_status_is_never_a_field(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CONFIRMED, on_hold=True)
    response = client.get(page_url(order))
    form_fields = set(response.context["adminform"].form.fields)
    assert "notes" in form_fields and "shipping_street" in form_fields
    assert not form_fields & {"status", "on_hold", "hold_reason", "grand_total", "number"}

    data = change_form_data(response) | {
        "notes": "Call before delivery",
        "shipping_street": "Storgatan 1",
        # Tampering: fields that are not on the form are ignored.
        "status": str(S.CANCELLED),
        "on_hold": "",
        "grand_total": "0.01",
    }
    saved = client.post(page_url(order), data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    order.refresh_from_db()
    assert (order.notes, order.shipping_street) == ("Call before delivery", "Storgatan 1")
    assert (order.status, order.on_hold) == (S.CONFIRMED, True)
    assert order.grand_total != Decimal("0.01")


@pytest.mark.django_db
def test_saving_details_writes_only_the_edited_columns_and_logs_them(client):
    # The page was loaded before another user confirmed the order: saving it
    # must not write the status (or hold) it was loaded with.
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PENDING)
    data = change_form_data(client.get(page_url(order))) | {"gift_message": "Happy birthday"}

    with CaptureQueriesContext(connection) as queries:
        saved = client.post(page_url(order), data)

    assert saved.status_code == 302
    order_updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "orders_order"')]
    assert len(order_updates) == 1
    assert '"gift_message"' in order_updates[0]
    assert '"status"' not in order_updates[0] and '"on_hold"' not in order_updates[0]
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.transition, event.data) == ("edit_details", {"fields": ["gift_message"]})


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.COMPLETED, S.ARCHIVED, S.CANCELLED])
def test_closed_orders_are_read_only(client, status):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = OrderFactory(status=status)
    response = client.get(page_url(order))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    before = snapshot(order)
    client.post(page_url(order), {"notes": "changed"})
    assert snapshot(order) == before


@pytest.mark.django_db
def test_line_edits_recompute_the_total_and_are_logged_while_the_status_allows(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(
        status=S.PENDING,
        on_hold=True,
        shipping_price=Decimal("5.00"),
        lines=[LineDataFactory(quantity=3, unit_price=Decimal("10.00"))],
    )
    response = client.get(page_url(order))
    data = change_form_data(response)
    data["lines-0-quantity"] = 1
    saved = client.post(page_url(order), data)
    assert saved.status_code == 302
    order.refresh_from_db()
    assert order.grand_total == Decimal("15.00")
    event = OrderEvent.objects.filter(order=order).last()
    assert event.transition == "edit_lines"
    assert event.data["previous_grand_total"] == "35.00"


@pytest.mark.django_db
def test_a_line_edit_above_the_authorization_is_refused_and_changes_nothing(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=Decimal("5.00"),
        lines=[LineDataFactory(quantity=1, unit_price=Decimal("10.00"))],
    )
    before = snapshot(order)
    data = change_form_data(client.get(page_url(order))) | {
        "lines-0-quantity": 3,
        "notes": "changed with the lines",
    }

    response = client.post(page_url(order), data, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        f"The new total of 35.00 EUR is above the 15.00 EUR authorized for Order "
        f"{order.number}: lower it or take a new authorization."
    ]
    assert snapshot(order) == before


@pytest.mark.django_db
def test_lines_are_read_only_once_the_order_is_processing(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = OrderFactory(status=S.PROCESSING)
    response = client.get(page_url(order))
    # Read-only lines are a text table, not a formset of read-only widgets.
    assert not response.context["inline_admin_formsets"]
    assert [row["line"].sku for row in response.context["line_rows"]] == [
        line.sku for line in order.lines.order_by("pk")
    ]
    assert 'name="lines-0-id"' not in response.content.decode()
    before = snapshot(order)
    data = change_form_data(response)
    line = order.lines.first()
    data |= {
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 1,
        "lines-0-id": line.pk,
        "lines-0-order": order.pk,
        "lines-0-quantity": 99,
        "lines-0-unit_price": "0.01",
    }
    client.post(page_url(order), data)
    after = snapshot(order)
    # The details form saved (the order is open), the lines did not change.
    assert after["lines"] == before["lines"]
    assert (after["grand_total"], after["status"], after["events"]) == (
        before["grand_total"],
        before["status"],
        before["events"],
    )


@pytest.mark.django_db
def test_the_timeline_shows_who_when_what_read_only(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CONFIRMED, on_hold=True)
    response = client.get(page_url(order))
    # Text, not forms: no inline of events, no inputs for them.
    assert [row["event"].order_id for row in response.context["timeline"]] == [order.pk] * len(
        response.context["timeline"]
    )
    html = response.content.decode()
    assert 'name="events-' not in html
    assert "Put on hold (Manual): Held by the factory" in html
    assert "Pending → Confirmed" in html
    assert "factory" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, BACKOFFICE_ADMIN])
def test_order_page_queries_do_not_grow_with_lines_or_events(
    client, django_assert_max_num_queries, role
):
    client.force_login(role_user(role))
    small = OrderFactory(status=S.PENDING, lines=LineDataFactory.build_batch(1))
    big = OrderFactory(status=S.PENDING, on_hold=True, lines=LineDataFactory.build_batch(40))
    OrderEventFactory.create_batch(60, order=big)
    client.get(page_url(small))  # warm the per-process caches (content types)
    counts = []
    for order in (small, big):
        with (
            django_assert_max_num_queries(25),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(page_url(order))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [BACKOFFICE_ADMIN, CUSTOMER_SERVICE])
def test_order_page_queries_do_not_grow_with_shipments_or_the_ledger(
    client, django_assert_max_num_queries, role
):
    client.force_login(role_user(role))
    pages = []
    for count in (1, 12):
        order = stocked_order(lines=LineDataFactory.build_batch(count, quantity=2))
        for line in order.lines.all():
            # One paid and one open shipment per line: shipments, captures, events.
            ShipmentFactory(order=order, quantities={line.pk: 1}, status=ShipmentStatus.PAID)
            ShipmentFactory(order=order, quantities={line.pk: 1})
        pages.append(order)
    assert pages[1].payment.transactions.count() == 13  # authorization + 12 captures
    client.get(page_url(pages[0]))  # warm the per-process caches (content types)
    counts = []
    for order in pages:
        with (
            django_assert_max_num_queries(25),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(page_url(order))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [BACKOFFICE_ADMIN, CUSTOMER_SERVICE])
def test_order_page_reads_the_order_and_its_lines_once(client, role):
    # The sections and Django's view share one order, and the totals, the line
    # table and the shipping steps one read of its lines.
    client.force_login(role_user(role))
    order = stocked_order(lines=LineDataFactory.build_batch(3, quantity=2))
    for line in order.lines.all():
        ShipmentFactory(order=order, quantities={line.pk: 1}, status=ShipmentStatus.PAID)
    client.get(page_url(order))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_url(order))
    assert response.status_code == 200
    sql = [query["sql"] for query in queries]
    whole_order = 'SELECT "orders_order"."id", "orders_order"."number"'
    assert len([q for q in sql if q.startswith(whole_order)]) == 1
    lines = 'SELECT "orders_orderline"."id"'
    assert len([q for q in sql if q.startswith(lines) and "GROUP BY" not in q]) == 1


@pytest.mark.django_db
def test_flow_page_is_drawn_from_the_transitions_and_highlights_the_order(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PROCESSING, on_hold=True)
    response = client.get(f"{ORDERS_URL}{order.pk}/flow/")
    assert response.status_code == 200
    diagram, shipment_diagram, _return_diagram = response.context["diagrams"]
    assert {e.name for e in shipment_diagram.edges} >= {"good_to_go", "capture", "complete"}
    assert [node.value for node in diagram.nodes if node.current] == [S.PROCESSING]
    assert {node.value for node in diagram.nodes if not node.removed} == set(S.values)
    edges = {edge.name for edge in diagram.edges}
    loops = {label for node in diagram.nodes for label in node.loops}
    # Deleting is an arrow into the dashed "Deleted" box, never a loop on a status.
    assert [node.label for node in diagram.nodes if node.removed] == ["Deleted"]
    assert {"discard", "delete_permanently"} <= edges
    assert not loops & {"discard selection", "delete permanently"}
    shipment_loops = {label for node in shipment_diagram.nodes for label in node.loops}
    assert "delete_shipment" in {e.name for e in shipment_diagram.edges}
    assert "delete" not in shipment_loops
    field = Order._meta.get_field("status")
    names = {t.name for t in field.get_all_transitions(Order)}
    labels = {t.custom.get("label", t.name) for t in field.get_all_transitions(Order)}
    # Every transition of the model is an arrow, or a note under its box.
    assert names == edges | {
        t.name for t in field.get_all_transitions(Order) if t.custom.get("label") in loops
    }
    assert loops <= labels
    html = response.content.decode()
    assert 'class="centra-flow-node current" data-state="3"' in html
    assert "<script" not in html.split("<svg", 1)[1]

    plain = client.get(f"{ORDERS_URL}flow/")
    assert not [n for n in plain.context["diagrams"][0].nodes if n.current]


@pytest.mark.django_db
def test_flow_page_needs_view_permission(client):
    client.force_login(role_user(NO_PERMISSIONS))
    assert client.get(f"{ORDERS_URL}flow/").status_code == 403


@pytest.mark.django_db
def test_a_long_timeline_shows_the_latest_events_and_every_event_one_click_away(
    client, django_assert_max_num_queries
):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PENDING)
    OrderEventFactory.create_batch(60, order=order)
    total = order.events.count()

    with django_assert_max_num_queries(25):
        response = client.get(page_url(order))
    shown = response.context["timeline"]
    assert len(shown) == LATEST_EVENTS
    newest = order.events.order_by("-created_at", "-id")[:LATEST_EVENTS]
    assert [row["event"].pk for row in shown] == [event.pk for event in newest]
    html = response.content.decode()
    assert f"Show all {total} events" in html

    with django_assert_max_num_queries(25):
        everything = client.get(page_url(order) + "?timeline=all")
    assert len(everything.context["timeline"]) == total
    assert "Show all" not in everything.content.decode()


@pytest.mark.django_db
def test_a_big_read_only_order_page_renders_no_widget_per_line_or_event(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.PROCESSING, lines=LineDataFactory.build_batch(30))
    OrderEventFactory.create_batch(100, order=order)
    html = client.get(page_url(order)).content.decode()
    assert html.count("<input") + html.count("<select") + html.count("<textarea") < 60
    assert html.count("<tr") >= 30 + LATEST_EVENTS
