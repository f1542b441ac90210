"""A button is offered only where the page behind it opens for that user."""

from __future__ import annotations

import pytest

from core.roles import CUSTOMER_SERVICE
from orders.models import OrderStatus
from shipments.models import ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, ORDERS_URL, ROLES, role_user
from tests.factories import OrderFactory, ShipmentFactory

S = OrderStatus


def offered_buttons(response) -> list[dict]:
    """Every step button of the order page: the order's, each shipment's, the payment's."""
    context = response.context
    buttons = list(context.get("step_buttons") or [])
    for row in context.get("shipment_rows") or []:
        buttons += row["buttons"]
    return buttons + list(context.get("payment_step_buttons") or [])


@pytest.fixture
def orders(db):
    """Orders whose pages offer every kind of button to someone."""
    processing = OrderFactory(status=S.CONFIRMED)
    ShipmentFactory(order=processing, status=ShipmentStatus.GOOD_TO_GO)
    paid = OrderFactory(status=S.CONFIRMED)
    ShipmentFactory(order=paid, status=ShipmentStatus.PAID)
    return [
        OrderFactory(status=S.PENDING),
        OrderFactory(status=S.CONFIRMED),
        OrderFactory(status=S.CONFIRMED, on_hold=True),
        processing,
        paid,
        OrderFactory(status=S.COMPLETED),
        OrderFactory(status=S.CANCELLED),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_offered_button_opens_for_that_user(client, orders, role):
    client.force_login(role_user(role))
    checked = set()
    for order in orders:
        page = client.get(f"{ORDERS_URL}{order.pk}/change/")
        if page.status_code == 403:
            continue  # no page, no buttons
        for button in offered_buttons(page):
            response = client.get(button["url"])
            assert response.status_code == 200, (role, order.status, button["name"])
            checked.add(button["name"])
    if role != NO_PERMISSIONS:
        assert checked  # every staff role is offered something on these orders


def test_customer_service_sees_no_void_button_on_a_confirmed_order(client, orders):
    client.force_login(role_user(CUSTOMER_SERVICE))
    page = client.get(f"{ORDERS_URL}{orders[1].pk}/change/")
    assert [b["name"] for b in page.context["payment_step_buttons"]] == []
    assert "cancel" in [b["name"] for b in page.context["step_buttons"]]
