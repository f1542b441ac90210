"""The issue's browser flows, in headless Chromium against a live server."""

import pytest

from orders.models import DeletedOrder, Order, OrderStatus
from orders.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import OrderFactory, UserFactory

S = OrderStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def staff(username: str, group: str):
    return UserFactory(username=username, groups=[group], password=PASSWORD)


def messages_text(page) -> str:
    return page.locator("ul.messagelist").inner_text()


def test_flow_two_cancel_then_delete_permanently(new_page):
    staff("carol", CUSTOMER_SERVICE)
    staff("adam", BACKOFFICE_ADMIN)
    order = OrderFactory(status=S.CONFIRMED)

    page = new_page()
    log_in(page, "carol")
    page.shot("cs-home")
    page.goto("/admin/orders/order/")
    page.shot("cs-orders-list")
    page.click(f"text={order.number}")
    page.shot("cs-order-page")
    assert page.locator('[data-step="delete_permanently"]').count() == 0
    page.click('[data-step="cancel"]')
    page.fill("#id_reason", "Customer changed their mind")
    page.shot("cs-cancel-form")
    page.click("input[name=_take_step]")
    assert f"1 order cancelled: {order.number}." in messages_text(page)
    page.shot("cs-order-cancelled")
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED

    admin_page = new_page()
    log_in(admin_page, "adam")
    admin_page.goto("/admin/orders/order/?status=6")
    admin_page.shot("admin-cancelled-orders")
    admin_page.check(f'input[name=_selected_action][value="{order.pk}"]')
    admin_page.select_option("select[name=action]", "delete_permanently")
    admin_page.click("button[name=index]")
    admin_page.shot("admin-delete-confirmation")
    deletable = admin_page.locator(".centra-deletable").inner_text()
    assert f"Order {order.number}" in deletable
    assert Order.objects.filter(pk=order.pk).exists()
    admin_page.fill("#id_reason", "Customer asked for erasure")
    admin_page.click("input[name=_take_step]")
    assert f"1 order deleted permanently: {order.number}." in messages_text(admin_page)
    admin_page.shot("admin-after-delete")
    assert not Order.objects.filter(pk=order.pk).exists()
    assert DeletedOrder.objects.get(order_number=order.number).reason == (
        "Customer asked for erasure"
    )


def test_order_flow_page_highlights_the_order_state(new_page):
    staff("carol", CUSTOMER_SERVICE)
    order = OrderFactory(status=S.CONFIRMED, on_hold=True)
    page = new_page()
    log_in(page, "carol")
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.shot("held-order-page")
    page.click("text=Order flow ›")
    page.shot("order-flow")
    current = page.locator(".centra-flow-node.current")
    assert current.count() == 1
    assert current.get_attribute("data-state") == str(S.CONFIRMED)


def test_finance_refunds_from_the_order_page(new_page):
    from decimal import Decimal

    from payments import services as pay
    from payments.models import Payment

    staff("fiona", FINANCE)
    order = OrderFactory(status=S.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=order.grand_total, by="test")

    page = new_page()
    log_in(page, "fiona")
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.shot("finance-order-page")
    assert page.locator('[data-step="confirm"]').count() == 0
    page.click('[data-step="payment-refund"]')
    page.fill("#id_amount", "10.00")
    page.fill("#id_reason", "Late delivery")
    page.shot("finance-refund-form")
    page.click("input[name=_take_step]")
    assert f"1 payment refunded: {order.number}." in messages_text(page)
    assert page.url.endswith(f"/admin/orders/order/{order.pk}/change/")
    page.shot("finance-order-after-refund")
    assert Payment.objects.get(order=order).refunded_amount == Decimal("10.00")
