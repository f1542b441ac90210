"""Resend… × role × shipment state, through the shipment's step page (the order
page's shipments section links there): done for Customer service and the
Back-office admin on a completed shipment, refused with one sentence and nothing
changed otherwise; the store's limit; the button offered only where it is taken.

The order (tests/returns_support.py): A 3 × 10.00 less 1.00, B 1 × 20.00, one
shipment from Main; the catalogue (tests/staff_support.py) prices A 10.00, B 20.00.
"""

from decimal import Decimal

import pytest

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import Order, OrderOrigin, OrderStatus, StoreSettings
from shipments.models import Shipment, ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, ROLES, messages_of, role_user
from tests.factories import OrderFactory, ShipmentFactory
from tests.helpers import snapshot, stock_snapshot
from tests.returns_support import LINES, line_of
from tests.staff_support import make_catalogue

D = Decimal
pytestmark = pytest.mark.django_db
SS = ShipmentStatus
STATES = [SS.CREATED, SS.GOOD_TO_GO, SS.PAID, SS.COMPLETED]
TAKE = {CUSTOMER_SERVICE, BACKOFFICE_ADMIN}
LABEL = {SS.CREATED: "Created", SS.GOOD_TO_GO: "Good-to-go", SS.PAID: "Paid"}


def shipment_in(state) -> Shipment:
    """The whole order in one shipment in `state`; the catalogue after it (its
    checkout reserved nothing)."""
    order = OrderFactory(status=OrderStatus.CONFIRMED, lines=LINES)
    shipment = ShipmentFactory(order=order, status=state)
    make_catalogue()
    return Shipment.objects.select_related("order").get(pk=shipment.pk)


def step_url(shipment: Shipment) -> str:
    return f"/admin/shipments/shipment/{shipment.pk}/step/resend/"


def resend_data(shipment: Shipment, *, a: int = 1, b: int = 0, **extra) -> dict:
    order = shipment.order
    data = {
        f"qty_{line_of(order, 'A').pk}": a,
        f"qty_{line_of(order, 'B').pk}": b,
        "reason": "lost",
        "note": "The carrier lost it",
    }
    return data | extra


def world(shipment: Shipment) -> tuple:
    """What a refused resend must leave alone: the order, its shipments, every
    order (a resend is a new one), the stock."""
    return snapshot(shipment.order), list(Order.objects.values("pk")), stock_snapshot()


def resends_of(shipment: Shipment):
    return Order.objects.filter(related_order=shipment.order_id, origin=OrderOrigin.RESEND)


def cases():
    for role in ROLES:
        for state in STATES:
            yield pytest.param(role, state, id=f"{role}-{state}")


@pytest.mark.parametrize(("role", "state"), list(cases()))
def test_resend_by_role_and_shipment_state(client, role, state):
    client.force_login(role_user(role))
    shipment = shipment_in(state)
    before = world(shipment)

    response = client.post(step_url(shipment), {**resend_data(shipment), "_confirmed": "yes"})

    if role == NO_PERMISSIONS:
        assert response.status_code == 403
        assert world(shipment) == before
        return
    assert response.status_code == 302
    if role in TAKE and state == SS.COMPLETED:
        resend = resends_of(shipment).get()
        assert (resend.grand_total, resend.status) == (D("0.00"), OrderStatus.PENDING)
        assert [(line.sku, line.quantity) for line in resend.lines.all()] == [("A", 1)]
        said = messages_of(response)
        assert said[0] == (
            f"1 shipment resent: {shipment.ref}, resend order {resend.number}, "
            "10.00 EUR at no charge."
        )
        url = f"/admin/orders/order/{resend.pk}/change/"
        assert said[1] == f'Open the <a href="{url}">resend order {resend.number}</a>.'
        fresh = Shipment.objects.get(pk=shipment.pk)
        assert (fresh.status, fresh.tracking_number) == (SS.COMPLETED, shipment.tracking_number)
        return
    assert world(shipment) == before
    if state != SS.COMPLETED:
        expected = f"Shipment {shipment.ref} is {LABEL[state]}, so it cannot be resent."
    else:
        expected = "You do not have permission to resend shipments."
    assert messages_of(response) == [expected]


@pytest.mark.parametrize("role", ROLES)
def test_resend_is_offered_on_the_order_page_only_to_whoever_may_take_it(client, role):
    client.force_login(role_user(role))
    shipment = shipment_in(SS.COMPLETED)
    page = client.get(f"/admin/orders/order/{shipment.order_id}/change/")
    if role == NO_PERMISSIONS:
        assert page.status_code == 403
        return
    offered = 'data-step="shipment-resend"' in page.content.decode()
    assert offered == (role in TAKE)


def test_the_confirmation_names_the_value_and_that_nothing_is_charged(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    shipment = shipment_in(SS.COMPLETED)
    form = client.get(step_url(shipment))
    html = form.content.decode()
    assert "Resend now" in html and 'max="3"' in html and 'value="3"' in html
    assert "Goods worth more than 200.00 EUR (the store&#x27;s limit)" in html
    assert "already" not in html
    before = world(shipment)

    page = client.post(step_url(shipment), resend_data(shipment, a=2, b=1))

    assert page.status_code == 200
    assert [str(s) for s in page.context["confirmations"]] == [
        f"Resend 2 × A, 1 × B of shipment {shipment.ref} (lost in transit) as a new order "
        "worth 40.00 EUR? Nothing is charged to the customer; "
        f"shipment {shipment.ref} keeps its tracking."
    ]
    assert world(shipment) == before


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"a": 0, "b": 0}, "Give at least one unit to resend."),
        ({"a": 4}, "“4” is more than 3."),
        ({"reason": ""}, "This field is required."),
    ],
    ids=["nothing", "more-than-shipped", "no-reason"],
)
def test_bad_input_is_a_form_error_and_nothing_is_made(client, data, error):
    client.force_login(role_user(CUSTOMER_SERVICE))
    shipment = shipment_in(SS.COMPLETED)
    before = world(shipment)
    page = client.post(step_url(shipment), {**resend_data(shipment, **data), "_confirmed": "yes"})
    assert page.status_code == 200
    assert error in page.content.decode().replace("&#x27;", "'")
    assert world(shipment) == before


def test_a_line_of_another_shipment_is_refused(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    shipment = shipment_in(SS.COMPLETED)
    before = world(shipment)
    data = {**resend_data(shipment), "qty_999999": "1", "_confirmed": "yes"}
    page = client.post(step_url(shipment), data)
    assert "qty_999999 is not a line of shipment" in page.content.decode()
    assert world(shipment) == before


@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, BACKOFFICE_ADMIN])
def test_above_the_store_limit_only_a_back_office_admin_resends(client, role):
    client.force_login(role_user(role))
    shipment = shipment_in(SS.COMPLETED)
    settings_row = StoreSettings.load()
    settings_row.resend_limit = D("15.00")
    settings_row.save()
    before = world(shipment)

    response = client.post(step_url(shipment), {**resend_data(shipment, b=1), "_confirmed": "yes"})

    if role == BACKOFFICE_ADMIN:
        assert resends_of(shipment).get().grand_total == D("0.00")
        return
    assert messages_of(response) == [
        "Goods worth 30.00 EUR are above the store's resend limit of 15.00 EUR: "
        "a Back-office admin resends them."
    ]
    assert world(shipment) == before


def test_warehouse_and_finance_see_no_resend_button_on_the_shipment_page(client):
    shipment = shipment_in(SS.COMPLETED)
    for role in (WAREHOUSE, FINANCE):
        client.force_login(role_user(role))
        page = client.get(f"/admin/shipments/shipment/{shipment.pk}/change/")
        assert page.status_code == 200
        assert 'data-step="resend"' not in page.content.decode()


def test_the_form_names_the_resends_made_for_the_order_already(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    shipment = shipment_in(SS.COMPLETED)
    client.post(step_url(shipment), {**resend_data(shipment), "_confirmed": "yes"})
    first = resends_of(shipment).get()
    form = client.get(step_url(shipment)).context["form"]
    assert form.notes[-1] == (
        f"Resent for order {shipment.order.number} already: order {first.number}."
    )


def test_a_shipment_of_a_market_not_in_the_catalogue_offers_no_resend(client):
    from catalog.models import Market

    client.force_login(role_user(CUSTOMER_SERVICE))
    shipment = shipment_in(SS.COMPLETED)
    Market.objects.filter(code="EU").update(code="GONE")
    page = client.get(f"/admin/orders/order/{shipment.order_id}/change/")
    assert 'data-step="shipment-resend"' not in page.content.decode()
    response = client.get(step_url(shipment))
    assert messages_of(response) == ["Market EU is not in the catalogue."]
