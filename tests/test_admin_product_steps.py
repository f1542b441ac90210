"""The admin's product steps: per-line pages, the bulk action, the payment's release
button, restoring an order, and the list's shipment progress column."""

from decimal import Decimal

import pytest

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import Order, OrderStatus
from payments.models import Payment
from shipments.models import ShipmentStatus
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    PaymentFactory,
    ShipmentFactory,
    advance_shipment,
)
from tests.helpers import payment_snapshot, snapshot

S = OrderStatus
D = Decimal
pytestmark = pytest.mark.django_db


def half_shipped() -> Order:
    """A (2 × 10.00) shipped and completed; B (1 × 20.00) never shipped."""
    order = OrderFactory(
        status=S.CONFIRMED,
        lines=[
            LineDataFactory(sku="A", quantity=2, unit_price=D("10.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
        ],
    )
    ShipmentFactory(
        order=order,
        quantities={order.lines.get(sku="A").pk: 2},
        status=ShipmentStatus.COMPLETED,
    )
    return Order.objects.get(pk=order.pk)


def test_cancel_products_page_shows_each_line_and_cancels(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = half_shipped()
    b = order.lines.get(sku="B")
    page = client.get(f"{ORDERS_URL}{order.pk}/change/")
    assert "Cancel products…" in page.content.decode()

    form = client.get(f"{ORDERS_URL}{order.pk}/step/cancel_products/")
    text = form.content.decode()
    assert "Ordered 2 · shipped 2 · in open shipments 0 · cancelled 0 · cancellable 0" in text
    assert "Ordered 1 · shipped 0 · in open shipments 0 · cancelled 0 · cancellable 1" in text

    done = client.post(
        f"{ORDERS_URL}{order.pk}/step/cancel_products/",
        {f"line_{b.pk}": "1", "reason": "Out of stock"},
    )
    # What was cancelled and the new total (issue 30, fix 8).
    assert messages_of(done) == [
        f"1 order changed: {order.number}, 1 × B cancelled, new total 25.00 EUR."
    ]
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    payment = Payment.objects.get(order=order)
    assert (payment.captured_amount, payment.released_amount) == (D("25.00"), D("20.00"))


def test_too_many_units_is_a_form_error_and_changes_nothing(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(quantity=2)])
    line = order.lines.get()
    before = snapshot(order)
    response = client.post(
        f"{ORDERS_URL}{order.pk}/step/cancel_products/",
        {f"line_{line.pk}": "3", "reason": "Out of stock"},
    )
    assert response.status_code == 200
    assert "“3” is more than 2." in response.content.decode()
    assert snapshot(order) == before


def test_the_warehouse_gets_no_cancel_products_button(client):
    client.force_login(role_user(WAREHOUSE))
    order = OrderFactory(status=S.CONFIRMED)
    assert "Cancel products…" not in client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    refused = client.post(
        f"{ORDERS_URL}{order.pk}/step/cancel_products/", {"reason": "Out of stock"}
    )
    assert refused.status_code in (302, 403)
    assert Order.objects.get(pk=order.pk).lines.filter(quantity_cancelled__gt=0).count() == 0


def test_bulk_cancel_unshipped_products_reports_each_order(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    half, pending, completed = half_shipped(), OrderFactory(status=S.PENDING), None
    completed = OrderFactory(status=S.COMPLETED)
    response = client.post(
        ORDERS_URL,
        {
            "action": "cancel_unshipped_products",
            "_selected_action": [half.pk, pending.pk, completed.pk],
            "post": "yes",
            "reason": "Discontinued",
        },
    )
    said = messages_of(response)
    assert said[0] == f"2 orders changed: {pending.number}, {half.number}." or said[0] == (
        f"2 orders changed: {half.number}, {pending.number}."
    )
    assert said[1] == f"Skipped: Order {completed.number} is Completed, so it cannot be changed."
    assert Order.objects.get(pk=half.pk).status == S.COMPLETED
    assert Order.objects.get(pk=pending.pk).status == S.CANCELLED


def test_finance_releases_what_an_automatic_release_could_not(client):
    order = OrderFactory(
        status=S.CONFIRMED,
        lines=[
            LineDataFactory(sku="A", quantity=1, unit_price=D("10.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
        ],
    )
    PaymentFactory(order=order, test_decline="void")
    shipment = ShipmentFactory(order=order, quantities={order.lines.get(sku="A").pk: 1})
    advance_shipment(shipment, status=ShipmentStatus.PAID)
    from backoffice.services import cancel_products

    cancel_products(
        order_id=order.pk, quantities={order.lines.get(sku="B").pk: 1}, reason="x", by=FACTORY
    )
    Payment.objects.filter(order=order).update(test_decline="")
    payment = Payment.objects.get(order=order)
    url = f"/admin/payments/payment/{payment.pk}/step/release/"

    client.force_login(role_user(CUSTOMER_SERVICE))
    before = payment_snapshot(order.pk)
    client.post(url)
    assert payment_snapshot(order.pk) == before

    client.force_login(role_user(FINANCE))
    assert (
        "Release remaining authorization"
        in client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    )
    client.post(url)
    payment.refresh_from_db()
    assert (payment.status, payment.released_amount) == ("captured", D("20.00"))


def test_restore_order_step(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=S.CANCELLED)
    assert "Restore order…" in client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    client.post(f"{ORDERS_URL}{order.pk}/step/restore/", {"reason": "Customer called"})
    assert Order.objects.get(pk=order.pk).status == S.PENDING


def test_the_list_shows_cancelled_units_beside_the_shipments(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = half_shipped()
    from backoffice.services import cancel_products

    cancel_products(
        order_id=order.pk, quantities={order.lines.get(sku="B").pk: 1}, reason="x", by=FACTORY
    )
    assert "1 of 1 shipped, 1 cancelled" in client.get(ORDERS_URL + "?status=4").content.decode()


def test_the_flow_page_draws_the_new_steps(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    response = client.get(f"{ORDERS_URL}flow/")
    assert response.status_code == 200
    order_diagram = response.context["diagrams"][0]
    edges = {edge.name: edge for edge in order_diagram.edges}
    assert "restore — needs orders.restore_order" in edges["restore"].title
    loops = {label for node in order_diagram.nodes for label in node.loops}
    assert {"restore products", "cancel products"} <= loops
    # Cancelling products keeps the status; only emptying the order is an arrow,
    # once from each status that can lose every unit.
    arrows = sorted((e.name, e.label) for e in order_diagram.edges if "cancel" in e.name)
    assert arrows == [("cancel", "cancel")] * 3 + [("cancel_emptied", "cancel products")] * 2
