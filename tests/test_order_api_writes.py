"""Writes through the Order API, as the integration and through the services: hold,
resume and cancel lines (Centra's `updateDirectToConsumerOrder`), create and
complete a return (`createReturn`, `completeReturn`), and the fraud flow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders.models import OrderEvent, OrderStatus
from outbox.models import OutboxMessage
from returns.models import Return, ReturnStatus
from tests.factories import LineDataFactory, OrderFactory
from tests.helpers import snapshot
from tests.integration_support import api_client, make_integration
from tests.returns_support import (
    allow_handling,
    completed_order,
    line_of,
    on_hand,
    shipment_of,
    world,
)

S = OrderStatus
pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"
RETURNS = "/api/v1/returns/"
FRAUD_CHECK = {
    "is_on_hold": True,
    "hold_kind": "fraud_check",
    "hold_status_change_reason": "Score 91",
}


def client_for(name="erp", *, group=CUSTOMER_SERVICE, **fields):
    group = Group.objects.get(name=group) if group else None
    return api_client(make_integration(name, group=group, **fields))


def patch(client, order, body):
    return client.patch(f"{ORDERS}{order.number}/", body, format="json")


def event_of(order, transition):
    return OrderEvent.objects.get(order=order, transition=transition)


# Hold and resume -----------------------------------------------------------------


def test_hold_with_kind_and_reason_as_the_integration():
    order = OrderFactory(status=S.CONFIRMED)
    response = patch(client_for(), order, FRAUD_CHECK)
    assert response.status_code == 200, response.content
    assert (response.json()["on_hold"], response.json()["hold_kind"]) == (True, "fraud_check")
    order.refresh_from_db()
    assert (order.on_hold, order.hold_kind, order.hold_reason) == (True, "fraud_check", "Score 91")
    event = event_of(order, "hold")
    assert (event.actor, event.user) == ("integration:erp", None)


def test_resume_as_the_integration_that_sees_held_orders():
    order = OrderFactory(status=S.CONFIRMED, on_hold=True)
    response = patch(client_for(show_on_hold=True), order, {"is_on_hold": False})
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert not order.on_hold and event_of(order, "resume").actor == "integration:erp"


def test_a_held_order_is_hidden_from_an_integration_that_did_not_opt_in():
    order = OrderFactory(status=S.CONFIRMED)
    client = client_for()  # held orders hidden: Centra's default
    # It is told how its own change left the order, then no longer sees it.
    assert patch(client, order, FRAUD_CHECK).json()["on_hold"] is True
    assert client.get(f"{ORDERS}{order.number}/").status_code == 404
    response = patch(client, order, {"is_on_hold": False})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ({**FRAUD_CHECK, "hold_status_change_reason": "   "}, "hold_status_change_reason: "),
        ({**FRAUD_CHECK, "hold_kind": "whim"}, "hold_kind: "),
        ({"is_on_hold": True}, "hold_kind: This field is required."),
        ({"is_on_hold": "true"}, "is_on_hold: Must be true or false."),
        ({**FRAUD_CHECK, "cancellation_comment": "x"}, "Unknown field: cancellation_comment."),
        ({}, "is_on_hold: This field is required."),
        ({"cancel_lines": [], "cancellation_comment": "x"}, "cancel_lines: "),
    ],
)
def test_a_malformed_update_is_a_400_and_changes_nothing(body, sentence):
    order = OrderFactory(status=S.CONFIRMED)
    before = snapshot(order)
    response = patch(client_for(), order, body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(sentence)
    assert snapshot(order) == before


def test_a_refused_hold_is_a_409_with_the_services_sentence():
    order = OrderFactory(status=S.CONFIRMED, on_hold=True)
    before = snapshot(order)
    response = patch(client_for(show_on_hold=True), order, FRAUD_CHECK)
    assert response.status_code == 409
    assert response.json() == {"detail": f"Order {order.number} is already on hold."}
    assert snapshot(order) == before


def test_without_the_groups_permission_a_write_is_a_403_and_changes_nothing():
    order = OrderFactory(status=S.CONFIRMED)
    before = snapshot(order)
    response = patch(client_for("wms", group=WAREHOUSE), order, FRAUD_CHECK)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to hold orders."}
    assert patch(client_for("reader", group=None), order, FRAUD_CHECK).status_code == 403
    assert snapshot(order) == before


# Cancel lines ----------------------------------------------------------------------


def test_cancel_lines_through_the_service_with_the_comment():
    order = OrderFactory(
        status=S.CONFIRMED,
        lines=[
            LineDataFactory(quantity=2, unit_price=Decimal("10.00")),
            LineDataFactory(quantity=1, unit_price=Decimal("30.00")),
        ],
    )
    first = order.lines.order_by("pk").first()
    body = {
        "cancel_lines": [{"line": first.pk, "quantity": 1}, {"line": first.pk, "quantity": 1}],
        "cancellation_comment": "Out of stock",
    }
    response = patch(client_for(), order, body)
    assert response.status_code == 200, response.content
    line = next(line for line in response.json()["lines"] if line["id"] == first.pk)
    assert line["quantity_cancelled"] == 2
    event = event_of(order, "cancel_products")
    assert event.actor == "integration:erp" and "Out of stock" in event.message


def test_cancelling_more_than_is_left_is_a_409_and_changes_nothing():
    order = OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(quantity=1)])
    line = order.lines.get()
    before = snapshot(order)
    body = {"cancel_lines": [{"line": line.pk, "quantity": 2}], "cancellation_comment": "x"}
    response = patch(client_for(), order, body)
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Only 1 of {line.sku} can be cancelled in {order}, not 2."
    }
    assert snapshot(order) == before


# Returns -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def store_refunds_handling(db):
    """The returns below carry 2.50 handling, which the store refunds up to 2.50."""
    allow_handling("2.50")


def new_return(order, **changes):
    return {
        "shipment": shipment_of(order).ref,
        "lines": [{"shipment_line": line_of(order, "A").pk, "quantity": 2}],
        "return_stock_action_policy": "back_to_origin",
        "handling_cost": "2.50",
        "reason": "wrong_size",
        "comment": "Too small",
        **changes,
    }


def test_create_and_complete_a_return_as_customer_service_and_the_warehouse():
    order = completed_order()
    created = client_for("erp").post(RETURNS, new_return(order), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["ref"], data["status"], data["shipment"]) == (
        f"{order.number}-R1",
        "pending",
        shipment_of(order).ref,
    )
    # 2 of A's 3 units, charged 29.00: round(29.00 × 2/3) = 19.33, plus 2.50 handling.
    assert (data["lines_amount"], data["refund_amount"]) == ("19.33", "21.83")
    assert [(line["sku"], line["quantity"]) for line in data["lines"]] == [("A", 2)]
    return_ = Return.objects.get()
    assert return_.created_by_name == "integration:erp"

    stocked = on_hand("A")
    url = f"{RETURNS}{data['ref']}/complete/"
    assert client_for("reader", group=CUSTOMER_SERVICE).post(url).status_code == 403
    completed = client_for("wms", group=WAREHOUSE).post(url)
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == ReturnStatus.COMPLETED
    assert on_hand("A") == stocked + 2
    assert client_for("wms2", group=WAREHOUSE).post(url).status_code == 409


def test_a_return_is_read_in_three_queries(django_assert_max_num_queries):
    order = completed_order()
    client = client_for()
    ref = client.post(RETURNS, new_return(order), format="json").json()["ref"]
    # The token, the return with its order, shipment and warehouse, its lines.
    with django_assert_max_num_queries(3):
        assert client.get(f"{RETURNS}{ref}/").json()["lines"][0]["sku"] == "A"


@pytest.mark.parametrize(
    ("changes", "code", "sentence"),
    [
        ({"lines": [{"shipment_line": 1, "quantity": 0}]}, 400, "lines[0].quantity: "),
        ({"handling_cost": "2.5e1"}, 400, "handling_cost: Must be an amount like 12.50."),
        ({"return_stock_action_policy": "burn"}, 400, "return_stock_action_policy: "),
        ({"shipment": "1-99"}, 404, "There is no shipment 1-99 this integration can see."),
        ({"comment": "a\x00b"}, 400, "comment: Must not hold a NUL character."),
        ({"return_stock_action_policy": "to_warehouse"}, 409, "Choose the warehouse the "),
    ],
)
def test_a_refused_return_says_why_and_changes_nothing(changes, code, sentence):
    order = completed_order()
    before = world(order)
    response = client_for().post(RETURNS, new_return(order, **changes), format="json")
    assert response.status_code == code
    assert response.json()["detail"].startswith(sentence)
    assert world(order) == before


def test_creating_a_return_needs_customer_services_permission():
    order = completed_order()
    before = world(order)
    response = client_for("wms", group=WAREHOUSE).post(RETURNS, new_return(order), format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to create returns."}
    assert world(order) == before


# The fraud flow ----------------------------------------------------------------------


def test_the_fraud_flow_holds_then_resumes_one_order_and_cancels_another():
    """As Centra documents it: the fraud tool puts new orders on hold "fraud check",
    then releases the good one and cancels the bad one; each change is published."""
    fraud = client_for(
        "fraud",
        kind="queue",
        show_on_hold=True,
        events=["order.held", "order.resumed", "order.cancelled", "payment.voided"],
    )
    good, bad = OrderFactory(status=S.PENDING), OrderFactory(status=S.PENDING)
    for order in (good, bad):
        assert patch(fraud, order, FRAUD_CHECK).status_code == 200

    assert patch(fraud, good, {"is_on_hold": False}).status_code == 200
    every_line = [{"line": line.pk, "quantity": line.quantity} for line in bad.lines.all()]
    body = {"cancel_lines": every_line, "cancellation_comment": "Fraud confirmed"}
    cancelled = patch(fraud, bad, body)
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == S.CANCELLED

    good.refresh_from_db()
    assert (good.status, good.on_hold) == (S.PENDING, False)
    bad.refresh_from_db()
    assert bad.payment.status == "voided" and bad.payment.released_amount > 0

    def published(order) -> list[str]:
        rows = OutboxMessage.objects.filter(order_id=order.pk, integration__name="fraud")
        return list(rows.order_by("id").values_list("event_type", flat=True))

    assert published(good) == ["order.held", "order.resumed"]
    # Cancelling every line cancels the order and voids its authorization; what the
    # cancellation itself publishes is decided by the event types (order.cancelled).
    assert published(bad)[0] == "order.held"
    assert "payment.voided" in published(bad)
    for order, transition in ((good, "hold"), (good, "resume"), (bad, "cancel_products")):
        assert event_of(order, transition).actor == "integration:fraud"
    # The integration reads them from its queue, oldest first.
    queued = [(e["order"], e["type"]) for e in fraud.get("/api/v1/events").json()["events"]]
    rows = OutboxMessage.objects.filter(integration__name="fraud").order_by("id")
    assert queued == list(rows.values_list("order_number", "event_type"))
