"""The issue's browser flows, in headless Chromium against a live server."""

import pytest

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, WAREHOUSE
from orders.models import DeletedOrder, Order, OrderStatus
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


def test_admin_makes_a_goodwill_refund_from_the_order_page(new_page):
    # Finance refunds the money of returns through returns; a free-amount refund
    # from the payment is a goodwill refund, the Back-office admin's.
    from decimal import Decimal

    from payments import services as pay
    from payments.models import Payment

    staff("adam", BACKOFFICE_ADMIN)
    order = OrderFactory(status=S.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=order.grand_total, by="test")

    page = new_page()
    log_in(page, "adam")
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.shot("goodwill-order-page")
    assert page.locator('[data-step="confirm"]').count() == 0
    page.click('[data-step="payment-refund"]')
    page.fill("#id_amount", "10.00")
    page.fill("#id_reason", "Late delivery")
    page.shot("goodwill-refund-form")
    page.click("input[name=_take_step]")
    confirmation = page.locator(".centra-confirmation").inner_text()
    assert "Refund 10.00 EUR to the customer of" in confirmation
    page.shot("goodwill-refund-confirmation")
    page.click("input[name=_take_step]")
    assert f"1 payment refunded: {order.number}, 10.00 EUR." in messages_text(page)
    assert page.url.endswith(f"/admin/orders/order/{order.pk}/change/")
    page.shot("goodwill-order-after-refund")
    assert Payment.objects.get(order=order).refunded_amount == Decimal("10.00")


def test_flow_one_confirm_hold_refused_resume_split_complete_archive(new_page):
    from shipments.models import Shipment, ShipmentStatus
    from tests.factories import LineDataFactory, default_warehouse, stock_for

    staff("carol", CUSTOMER_SERVICE)
    staff("walt", WAREHOUSE)
    staff("adam", BACKOFFICE_ADMIN)
    order = OrderFactory(
        status=S.PENDING,
        lines=[LineDataFactory(sku="TEE-M", quantity=2), LineDataFactory(sku="CAP-1", quantity=1)],
    )
    stock_for(order, default_warehouse())
    order_url = f"/admin/orders/order/{order.pk}/change/"

    # Customer service confirms and holds.
    carol = new_page()
    log_in(carol, "carol")
    carol.goto(order_url)
    carol.shot("cs-pending-order")
    carol.click('[data-step="confirm"]')
    assert f"1 order confirmed: {order.number}." in messages_text(carol)
    carol.click('[data-step="hold"]')
    carol.select_option("#id_kind", "fraud_check")
    carol.fill("#id_reason", "Billing and shipping names differ")
    carol.shot("cs-hold-form")
    carol.click("input[name=_take_step]")
    assert f"1 order put on hold: {order.number}." in messages_text(carol)
    carol.shot("cs-order-on-hold")

    # The warehouse is refused shipping while it is on hold.
    walt = new_page()
    log_in(walt, "walt")
    walt.goto("/admin/orders/order/?on_hold=true")
    walt.shot("warehouse-held-orders")
    assert "Billing and shipping names differ" in walt.locator("#result_list").inner_text()
    walt.check(f'input[name=_selected_action][value="{order.pk}"]')
    walt.select_option("select[name=action]", "expedite")
    walt.click("button[name=index]")
    assert f"Skipped: Order {order.number} is on hold: resume it before shipping." in messages_text(
        walt
    )
    walt.shot("warehouse-shipping-refused")
    walt.goto(order_url)
    assert walt.locator('[data-step="split"]').count() == 0
    assert "is on hold: resume it before shipping." in walt.locator(".centra-blocked").inner_text()
    walt.shot("warehouse-order-on-hold")
    assert not Shipment.objects.filter(order=order).exists()

    # Customer service resumes it.
    carol.goto(order_url)
    carol.click('[data-step="resume"]')
    assert f"1 order resumed: {order.number}." in messages_text(carol)

    # The warehouse splits it into two shipments.
    tee, cap = order.lines.order_by("pk")
    walt.goto(order_url)
    walt.shot("warehouse-order-resumed")
    walt.click('[data-step="split"]')
    walt.shot("warehouse-split-proposal")
    walt.fill(f"#id_qty_{tee.pk}", "2")
    walt.fill(f"#id_qty_{cap.pk}", "0")
    walt.shot("warehouse-split-first")
    walt.click("input[name=_take_step]")
    assert f"Shipment {order.number}-1 created from Main: 2 × TEE-M." in messages_text(walt)
    walt.click('[data-step="split"]')
    walt.shot("warehouse-split-second")
    walt.click("input[name=_take_step]")
    assert f"Shipment {order.number}-2 created from Main: 1 × CAP-1." in messages_text(walt)
    walt.shot("warehouse-two-shipments")

    # Both good-to-go, then completed with tracking numbers in one form.
    walt.click('[data-step="good_to_go"]')
    assert f"1 order marked good-to-go: {order.number}." in messages_text(walt)
    walt.goto(f"/admin/shipments/shipment/?q={order.number}")
    walt.shot("warehouse-shipments-list")
    walt.check("#action-toggle")
    walt.select_option("select[name=action]", "complete")
    walt.click("button[name=index]")
    first, second = Shipment.objects.filter(order=order).order_by("sequence")
    walt.fill("#id_carrier", "PostNord")
    walt.fill(f"#id_tracking_{first.pk}", "PN-0001-SE")
    walt.fill(f"#id_tracking_{second.pk}", "PN-0002-SE")
    walt.shot("warehouse-complete-form")
    walt.click("input[name=_take_step]")
    assert "2 shipments completed:" in messages_text(walt)
    walt.shot("warehouse-shipments-completed")
    assert set(Shipment.objects.filter(order=order).values_list("status", flat=True)) == {
        ShipmentStatus.COMPLETED
    }

    # The order shows Completed; the admin archives it.
    adam = new_page()
    log_in(adam, "adam")
    adam.goto(order_url)
    assert "Completed" in adam.locator('[data-glance="status"]').inner_text()
    assert adam.locator("#shipments").inner_text().count("Completed") == 2
    adam.shot("admin-order-completed")
    adam.click('[data-step="archive"]')
    assert f"1 order archived: {order.number}." in messages_text(adam)
    assert Order.objects.get(pk=order.pk).status == S.ARCHIVED

    # Found only under the Archived filter.
    adam.goto(f"/admin/orders/order/?q={order.number}")
    adam.shot("admin-search-default-list")
    assert "0 orders" in adam.locator("p.paginator").inner_text()
    adam.goto(f"/admin/orders/order/?status={S.ARCHIVED}&q={order.number}")
    adam.shot("admin-search-archived")
    assert str(order.number) in adam.locator("#result_list").inner_text()
    adam.goto(f"/admin/orders/order/{order.pk}/flow/")
    adam.shot("admin-order-flow-archived")
