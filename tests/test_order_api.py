"""The Order API and the event queue, as integrations use them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from backoffice.filters import OrderFilterSet
from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders import services
from orders.models import HoldKind, OrderEvent, OrderOrigin, OrderStatus
from outbox.models import Integration
from returns.services import create_return
from shipments.models import ShipmentStatus
from tests.factories import FACTORY, LineDataFactory, OrderFactory, ShipmentFactory
from tests.helpers import snapshot
from tests.integration_support import api_client, make_integration

S = OrderStatus
pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"


def client_for(name="erp", *, group=None, **fields):
    group = Group.objects.get(name=group) if group else None
    return api_client(make_integration(name, group=group, **fields))


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [order["number"] for order in response.json()["results"]]


def test_without_a_valid_token_the_answer_is_401():
    OrderFactory(status=S.PENDING)
    assert APIClient().get(ORDERS).status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer not-a-token-at-all")
    assert wrong.get(ORDERS).status_code == 401
    assert APIClient().get("/api/v1/events").status_code == 401


def test_a_deactivated_integrations_token_stops_working():
    client = client_for()
    Integration.objects.update(is_active=False)
    assert client.get(ORDERS).status_code == 401


def test_an_order_with_its_lines_shipments_and_payment():
    shipment = ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    order = shipment.order
    data = client_for().get(f"{ORDERS}{order.number}/").json()
    assert data["number"] == order.number
    assert data["status"] == S.PROCESSING and data["status_label"] == "Processing"
    assert [line["sku"] for line in data["lines"]] == list(
        order.lines.order_by("pk").values_list("sku", flat=True)
    )
    assert data["shipments"][0]["ref"] == shipment.ref
    assert data["shipments"][0]["status"] == "good_to_go"
    assert data["payment"]["status"] == "authorized"
    assert Decimal(data["payment"]["authorized"]) == order.grand_total


def test_archived_and_held_orders_are_shown_as_each_integration_is_configured():
    archived = OrderFactory(status=S.ARCHIVED)
    held = OrderFactory(status=S.PENDING, on_hold=True)
    plain = OrderFactory(status=S.PENDING)
    OrderFactory()  # a selection, never an order to integrations
    default = client_for("default")  # Centra's default: neither archived nor held
    assert set(numbers(default.get(ORDERS))) == {plain.number}
    assert default.get(f"{ORDERS}{archived.number}/").status_code == 404
    assert default.get(f"{ORDERS}{held.number}/").status_code == 404
    everything = client_for("everything", show_archived=True, show_on_hold=True)
    assert set(numbers(everything.get(ORDERS))) == {archived.number, held.number, plain.number}
    with_held = client_for("with-held", show_on_hold=True)
    assert set(numbers(with_held.get(ORDERS))) == {held.number, plain.number}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_integrations_made_before_hiding_held_orders_keep_their_choice():
    before = [("outbox", "0003_delivery_order_and_inactive_messages")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("outbox", "Integration")
    old.objects.create(name="made-with-the-old-default")
    old.objects.create(name="turned-off", show_on_hold=False)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # this one, and any after it
    assert dict(Integration.objects.values_list("name", "show_on_hold")) == {
        "made-with-the-old-default": True,
        "turned-off": False,
    }
    assert Integration.objects.create(name="new").show_on_hold is False


def test_every_filter_of_the_order_filterset():
    us = OrderFactory(
        status=S.PENDING,
        market="US",
        shipping_country="US",
        currency="USD",
        customer_email="ann@example.com",
        origin=OrderOrigin.BACK_OFFICE,
        lines=[LineDataFactory(sku="TEE-RED-M", quantity=1, unit_price=Decimal("100.00"))],
    )
    services.hold_order(order_id=us.pk, by=FACTORY, kind=HoldKind.FRAUD_CHECK, reason="Check")
    eu = OrderFactory(status=S.COMPLETED, market="EU")
    eu_line = eu.shipments.get().lines.first()
    create_return(
        shipment_id=eu_line.shipment_id,
        quantities={eu_line.pk: 1},
        stock_action="remove",
        by=FACTORY,
    )
    client = client_for(show_archived=True, show_on_hold=True)
    today = timezone.localdate()
    cases = {
        "number": ({"number": us.number}, [us]),
        "status": ({"status": [S.COMPLETED]}, [eu]),
        "on_hold": ({"on_hold": "true"}, [us]),
        "hold_kind": ({"hold_kind": "fraud_check"}, [us]),
        "placed": (
            {"placed_after": today.isoformat(), "placed_before": today.isoformat()},
            [eu, us],
        ),
        "completed": ({"completed_after": (today - timedelta(days=1)).isoformat()}, [eu]),
        "market": ({"market": "US"}, [us]),
        "country": ({"country": "us"}, [us]),
        "currency": ({"currency": "usd"}, [us]),
        "grand_total": ({"grand_total_min": "104", "grand_total_max": "106"}, [us]),
        "payment": ({"payment": "captured"}, [eu]),
        "email": ({"email": "ANN@example.com"}, [us]),
        "sku": ({"sku": "TEE-RED-M"}, [us]),
        "returns": ({"returns": "pending"}, [eu]),
        "origin": ({"origin": "back_office"}, [us]),
    }
    assert set(cases) == set(OrderFilterSet.base_filters)
    for name, (params, expected) in cases.items():
        got = numbers(client.get(ORDERS, params))
        assert got == [o.number for o in sorted(expected, key=lambda o: -o.number)], name
    assert client.get(ORDERS, {"placed_after": "not a date"}).status_code == 400


def test_cursor_pages_stay_stable_while_orders_are_placed():
    first = [OrderFactory(status=S.PENDING) for _ in range(5)]
    client = client_for()
    page = client.get(ORDERS, {"page_size": 2}).json()
    seen = [o["number"] for o in page["results"]]
    while page["next"]:
        OrderFactory(status=S.PENDING)  # newer orders land before the first page
        page = client.get(page["next"]).json()
        seen += [o["number"] for o in page["results"]]
    assert seen == sorted((o.number for o in first), reverse=True)


def test_the_same_number_of_queries_for_10_and_100_orders_a_page(django_assert_num_queries):
    for _ in range(97):
        OrderFactory(status=S.PENDING)
    for _ in range(3):  # the newest, so both pages hold shipments and payments
        ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    client = client_for()
    for size in (10, 100):
        # The token, the orders with their payments, lines, shipments, shipment lines.
        with django_assert_num_queries(5):
            assert len(numbers(client.get(ORDERS, {"page_size": size}))) == size


def test_confirm_through_the_service_as_the_integration():
    order = OrderFactory(status=S.PENDING)
    response = client_for("erp", group=CUSTOMER_SERVICE).post(f"{ORDERS}{order.number}/confirm/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.CONFIRMED
    event = OrderEvent.objects.get(order=order, transition="confirm")
    assert (event.actor, event.user) == ("integration:erp", None)


def test_confirm_without_the_groups_permission_is_403_with_the_sentence():
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    response = client_for("wms", group=WAREHOUSE).post(f"{ORDERS}{order.number}/confirm/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to confirm orders."}
    assert snapshot(order) == before
    no_group = client_for("reader").post(f"{ORDERS}{order.number}/confirm/")
    assert no_group.status_code == 403


def test_a_refused_confirm_is_409_with_the_services_sentence():
    order = OrderFactory(status=S.PENDING, on_hold=True)
    before = snapshot(order)
    erp = client_for("erp", group=CUSTOMER_SERVICE, show_on_hold=True)
    response = erp.post(f"{ORDERS}{order.number}/confirm/")
    assert response.status_code == 409
    assert response.json() == {"detail": f"Order {order.number} is on hold: resume it first."}
    assert snapshot(order) == before


def test_good_to_go_shipments_listed_and_completed_with_tracking():
    ready = ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    ShipmentFactory(status=ShipmentStatus.CREATED)
    wms = client_for("wms", group=WAREHOUSE)
    listed = wms.get("/api/v1/shipments/", {"status": "good_to_go"}).json()["results"]
    assert [s["ref"] for s in listed] == [ready.ref]

    url = f"/api/v1/shipments/{ready.ref}/complete/"
    assert wms.post(url, {"carrier": "DHL"}, format="json").status_code == 400
    response = wms.post(url, {"tracking_number": "JD0001", "carrier": "DHL"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert response.json()["tracking_number"] == "JD0001"
    ready.refresh_from_db()
    assert ready.status == ShipmentStatus.COMPLETED and ready.order.status == S.COMPLETED
    assert (
        wms.post(url, {"tracking_number": "X", "carrier": "DHL"}, format="json").status_code == 409
    )


def test_completing_a_shipment_needs_the_warehouses_permissions():
    ready = ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    before = snapshot(ready.order)
    response = client_for("erp", group=CUSTOMER_SERVICE).post(
        f"/api/v1/shipments/{ready.ref}/complete/",
        {"tracking_number": "JD0001", "carrier": "DHL"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to complete shipments."}
    assert snapshot(ready.order) == before


def test_the_event_queue_returns_unconfirmed_events_until_confirmed():
    client = client_for("erp", kind="queue", events=["order.confirmed", "order.held"])
    order = OrderFactory(status=S.CONFIRMED)
    services.hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Check")
    events = client.get("/api/v1/events").json()["events"]
    assert [(e["type"], e["order"]) for e in events] == [
        ("order.confirmed", order.number),
        ("order.held", order.number),
    ]
    assert len(client.get("/api/v1/events", {"limit": 1}).json()["events"]) == 1
    confirmed = client.post("/api/v1/events/confirm", {"ids": [events[0]["id"]]}, format="json")
    assert confirmed.json() == {"confirmed": 1}
    assert [e["type"] for e in client.get("/api/v1/events").json()["events"]] == ["order.held"]
    other = client_for("other", kind="queue")
    assert other.post(
        "/api/v1/events/confirm", {"ids": [events[1]["id"]]}, format="json"
    ).json() == {"confirmed": 0}
    assert client.post("/api/v1/events/confirm", {"ids": []}, format="json").status_code == 400


def test_the_schema_and_its_docs_page_are_served():
    schema = APIClient().get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/orders/{number}/confirm/" in schema.content
    assert APIClient().get("/api/docs/").status_code == 200
