"""The dead end of issue 11 in the browser: one line shipped and completed, the other
out of stock; Customer service cancels it and the order completes."""

from decimal import Decimal

import pytest

from core.roles import CUSTOMER_SERVICE
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment
from shipments.models import ShipmentStatus
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import LineDataFactory, OrderFactory, ShipmentFactory, UserFactory

S = OrderStatus
D = Decimal

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_customer_service_cancels_the_out_of_stock_line_and_the_order_completes(new_page):
    UserFactory(username="carol", groups=[CUSTOMER_SERVICE], password=PASSWORD)
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=D("5.00"),
        lines=[
            LineDataFactory(sku="TEE-M", product_name="T-shirt", quantity=2, unit_price=D("25.00")),
            LineDataFactory(sku="CAP-1", product_name="Cap", quantity=1, unit_price=D("15.00")),
        ],
    )
    tee, cap = order.lines.get(sku="TEE-M"), order.lines.get(sku="CAP-1")
    ShipmentFactory(order=order, quantities={tee.pk: 2}, status=ShipmentStatus.COMPLETED)
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING  # the dead end

    page = new_page()
    log_in(page, "carol")
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.shot("processing-order-stuck")
    page.click('[data-step="cancel_products"]')
    page.shot("cancel-products-form")
    assert page.locator(f"#id_line_{tee.pk}").is_disabled()  # shipped: nothing to cancel
    page.fill(f"#id_line_{cap.pk}", "1")
    page.fill("#id_reason", "Out of stock at every warehouse")
    page.click("input[name=_take_step]")
    page.shot("order-completed")
    # The timeline, as staff see it when they scroll down to it.
    page.locator("text=Released the remaining authorization").first.scroll_into_view_if_needed()
    page.screenshot(path=str(page.shot("timeline")), full_page=False)
    message = page.locator("ul.messagelist").inner_text()
    # What was cancelled and the new total (issue 30, fix 8).
    assert f"1 order changed: {order.number}, 1 × CAP-1 cancelled, new total" in message

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert order.status == S.COMPLETED
    # Captured = what shipped (2 × 25.00) + shipping; the cap's 15.00 released.
    assert (payment.captured_amount, payment.released_amount, payment.open_amount) == (
        D("55.00"),
        D("15.00"),
        D("0.00"),
    )
    assert payment.status == "captured"
    timeline = page.locator("body").inner_text()
    assert (
        "Products cancelled: 1 × CAP-1. Reason: Out of stock at every warehouse. "
        "New total 55.00 EUR." in timeline
    )
    assert "so the order is completed" in timeline
    assert "Released the remaining authorization of 15.00 EUR." in timeline
    assert OrderEvent.objects.filter(order=order, transition="cancel_products").count() == 1
