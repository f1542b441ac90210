"""An exchange and a resend in the browser.

Exchange of a wrong size: Customer service returns the shirt in M from the order
page and exchanges it for the L (the same price: nothing to pay or refund); the
Warehouse receives the M back without a refund; the exchange order is confirmed
and shipped (shipment, good-to-go, capture, complete with tracking).

Resend of a lost parcel: Customer service resends a completed shipment's goods;
the resend order (origin resend) totals zero and the shipment keeps its tracking.

The catalogue (tests/staff_support.py) sells the shirt A in M (A) and L (A-L) at
10.00 EUR and the cap B at 20.00 EUR.
"""

from decimal import Decimal

import pytest

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders.models import Order, OrderOrigin, OrderStatus
from returns.models import Return, ReturnStatus
from shipments.models import Shipment, ShipmentStatus
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_return_flow import both_widths, messages_text
from tests.factories import OrderFactory, ShipmentFactory, UserFactory
from tests.staff_support import make_catalogue

D = Decimal
S = OrderStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LINES = [
    {"sku": "A", "product_name": "Shirt", "variant": "M", "quantity": 1,
     "unit_price": D("10.00"), "tax_percent": D("25.00"), "discount": D("0.00")},
    {"sku": "B", "product_name": "Cap", "variant": "", "quantity": 1,
     "unit_price": D("20.00"), "tax_percent": D("25.00"), "discount": D("0.00")},
]  # fmt: skip


def delivered_order() -> Order:
    """A shirt and a cap, shipped in one completed shipment; the catalogue after it
    (its checkout reserved nothing)."""
    order = OrderFactory(status=S.CONFIRMED, lines=LINES)
    ShipmentFactory(order=order, status=ShipmentStatus.COMPLETED)
    make_catalogue()
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    return order


def staff(*people: tuple[str, str]) -> None:
    for username, group in people:
        UserFactory(username=username, groups=[group], password=PASSWORD)


def test_an_exchange_of_a_wrong_size_is_shipped_and_the_return_received(new_page):
    staff(("carol", CUSTOMER_SERVICE), ("walt", WAREHOUSE))
    order = delivered_order()
    shipment = order.shipments.get()
    shirt = shipment.lines.get(order_line__sku="A")
    order_url = f"/admin/orders/order/{order.pk}/change/"

    # Customer service: the shirt comes back, too small.
    carol = new_page()
    log_in(carol, "carol")
    carol.goto(order_url)
    row = carol.locator(f'tr[data-shipment="{shipment.ref}"]')
    row.locator('[data-step="shipment-create_return"]').click()
    carol.fill(f"#id_qty_{shirt.pk}", "1")
    carol.fill(f"#id_qty_{shipment.lines.get(order_line__sku='B').pk}", "0")
    carol.select_option("#id_reason", "wrong_size")
    carol.click("input[name=_take_step]")
    carol.click("input[name=_take_step]")
    number = f"{order.number}-R1"
    assert f"return {number} created" in messages_text(carol)

    # Exchange…: the L is offered first; the figures come out even.
    carol.locator(f'tr[data-return="{number}"] [data-step="return-exchange"]').click()
    assert carol.input_value("#id_sku_0") == "A-L"
    assert carol.input_value("#id_qty_0") == "1"
    both_widths(carol, "exchange-form")
    carol.click("input[name=_take_step]")
    figures = carol.locator(".centra-exchange-figures").inner_text()
    assert "Returned goods\t10.00 EUR" in figures and "Replacement\t10.00 EUR" in figures
    assert "nothing more to pay or refund" in carol.locator(".centra-confirmation").inner_text()
    both_widths(carol, "exchange-confirmation")
    carol.click("input[name=_take_step]")
    assert carol.url.endswith(order_url)
    exchange = Order.objects.get(origin=OrderOrigin.EXCHANGE)
    assert f"1 return exchanged: {number}, exchange order {exchange.number}." in messages_text(
        carol
    )
    assert (exchange.related_order_id, exchange.grand_total) == (order.pk, D("0.00"))
    assert [(line.sku, line.quantity) for line in exchange.lines.all()] == [("A-L", 1)]
    assert f"Exchange order {exchange.number}" in carol.locator("#returns").inner_text()
    both_widths(carol, "order-with-exchange", "#returns")

    # The message's link opens the exchange order; Customer service confirms it.
    carol.click(f'ul.messagelist a:has-text("exchange order {exchange.number}")')
    carol.wait_for_url(f"**/admin/orders/order/{exchange.pk}/change/")
    both_widths(carol, "exchange-order")
    carol.click('[data-step="confirm"]')
    assert f"1 order confirmed: {exchange.number}." in messages_text(carol)

    # Warehouse: the M is in (no refund: the exchange took its value).
    walt = new_page()
    log_in(walt, "walt")
    walt.goto("/admin/returns/return/")
    walt.click(f"text={number}")
    assert f"{exchange.number} · Confirmed" in walt.locator(".field-exchange").inner_text()
    both_widths(walt, "return-with-exchange")
    walt.click('[data-step="complete"]')
    assert f"1 return completed: {number}." in messages_text(walt)
    return_ = Return.objects.get(order=order)
    assert (return_.status, return_.refunded_at, return_.suggested_refund) == (
        ReturnStatus.COMPLETED,
        None,
        D("0.00"),
    )

    # Warehouse ships the exchange order: shipment, good-to-go, capture, tracking.
    walt.goto(f"/admin/orders/order/{exchange.pk}/change/")
    walt.click('[data-step="expedite"]')
    assert f"1 order expedited: {exchange.number}." in messages_text(walt)
    walt.click('[data-step="good_to_go"]')
    assert f"1 order marked good-to-go: {exchange.number}." in messages_text(walt)
    walt.click('[data-step="capture"]')
    assert f"1 order captured: {exchange.number}." in messages_text(walt)
    walt.goto(f"/admin/shipments/shipment/?q={exchange.number}")
    walt.check("#action-toggle")
    walt.select_option("select[name=action]", "complete")
    walt.click("button[name=index]")
    sent = Shipment.objects.get(order=exchange)
    walt.fill("#id_carrier", "PostNord")
    walt.fill(f"#id_tracking_{sent.pk}", "PN-EXCHANGE-1")
    walt.click("input[name=_take_step]")
    assert f"1 shipment completed: {sent.ref}." in messages_text(walt)
    exchange.refresh_from_db()
    assert exchange.status == S.COMPLETED
    walt.goto(f"/admin/orders/order/{exchange.pk}/change/")
    both_widths(walt, "exchange-order-shipped", "#shipments")


def test_a_lost_parcel_is_resent_at_no_charge(new_page):
    staff(
        ("carol", CUSTOMER_SERVICE),
    )
    order = delivered_order()
    shipment = order.shipments.get()
    tracking = shipment.tracking_number
    order_url = f"/admin/orders/order/{order.pk}/change/"

    carol = new_page()
    log_in(carol, "carol")
    carol.goto(order_url)
    carol.locator(f'tr[data-shipment="{shipment.ref}"] [data-step="shipment-resend"]').click()
    assert f"/shipments/shipment/{shipment.pk}/step/resend/" in carol.url
    carol.select_option("#id_reason", "lost")
    carol.fill("#id_note", "PostNord lost the parcel")
    both_widths(carol, "resend-form")
    carol.click("input[name=_take_step]")
    confirmation = carol.locator(".centra-confirmation").inner_text()
    assert "new order worth 30.00 EUR? Nothing is charged to the customer" in confirmation
    both_widths(carol, "resend-confirmation")
    carol.click("input[name=_take_step]")
    assert carol.url.endswith(order_url)
    resend = Order.objects.get(origin=OrderOrigin.RESEND)
    said = messages_text(carol)
    assert f"1 shipment resent: {shipment.ref}, resend order {resend.number}" in said
    both_widths(carol, "order-after-resend", "#shipments")

    carol.click(f'ul.messagelist a:has-text("resend order {resend.number}")')
    carol.wait_for_url(f"**/admin/orders/order/{resend.pk}/change/")
    both_widths(carol, "resend-order")
    assert (resend.related_order_id, resend.grand_total, resend.status) == (
        order.pk,
        D("0.00"),
        S.PENDING,
    )
    assert sorted((line.sku, line.quantity) for line in resend.lines.all()) == [
        ("A", 1),
        ("B", 1),
    ]
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_number) == (ShipmentStatus.COMPLETED, tracking)
