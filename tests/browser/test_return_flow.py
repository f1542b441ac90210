"""A return in the browser: a two-shipment order, one T-shirt sent back.

Customer service creates the return from the order page (with the shop's return
fee), the Warehouse receives it back into stock (the return is completed), and
Finance refunds it: the money goes back once the goods are in, and the return
stays Completed.
"""

from decimal import Decimal

import pytest

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import OrderEvent, OrderStatus
from payments.models import Payment
from returns.models import Return, ReturnStatus
from shipments.models import ShipmentStatus, Stock
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import LineDataFactory, OrderFactory, ShipmentFactory, UserFactory

S = OrderStatus
D = Decimal

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def messages_text(page) -> str:
    return page.locator("ul.messagelist").inner_text()


def both_widths(page, what: str, section: str = "") -> None:
    """A full-page screenshot at 1440 px, then at 1024 px (a laptop), back to 1440;
    with `section`, that part of the page on its own too (the order page is long)."""
    for width, suffix in ((1440, ""), (1024, "-1024")):
        page.set_viewport_size({"width": width, "height": 1000})
        path = page.shot(what + suffix)
        if section:
            page.locator(section).screenshot(path=str(path).replace(".png", "-section.png"))
    page.set_viewport_size({"width": 1440, "height": 1000})


def test_a_return_created_received_back_into_stock_and_refunded(new_page):
    for username, group in (("carol", CUSTOMER_SERVICE), ("fiona", FINANCE), ("walt", WAREHOUSE)):
        UserFactory(username=username, groups=[group], password=PASSWORD)
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=D("5.00"),
        lines=[
            LineDataFactory(sku="TEE-M", product_name="T-shirt", quantity=2, unit_price=D("25.00")),
            LineDataFactory(sku="CAP-1", product_name="Cap", quantity=1, unit_price=D("15.00")),
        ],
    )
    tee, cap = order.lines.get(sku="TEE-M"), order.lines.get(sku="CAP-1")
    first = ShipmentFactory(order=order, quantities={tee.pk: 2}, status=ShipmentStatus.COMPLETED)
    ShipmentFactory(order=order, quantities={cap.pk: 1}, status=ShipmentStatus.COMPLETED)
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    stock_before = Stock.objects.get(warehouse=first.warehouse, sku="TEE-M").on_hand
    tee_line = first.lines.get()

    # Customer service: one T-shirt of the first shipment, with the 5.00 return fee.
    carol = new_page()
    log_in(carol, "carol")
    carol.goto(f"/admin/orders/order/{order.pk}/change/")
    carol.locator(f'tr[data-shipment="{first.ref}"] [data-step="shipment-create_return"]').click()
    assert carol.locator(f'tr[data-line="{tee_line.pk}"]').inner_text().split("\t")[2:5] == [
        "2",
        "0",
        "2",
    ]
    carol.fill(f"#id_qty_{tee_line.pk}", "1")
    carol.fill("#id_return_fee", "5.00")
    carol.select_option("#id_reason", "wrong_size")
    carol.fill("#id_comment", "Too small, customer wants a refund")
    both_widths(carol, "create-return-form")
    carol.click("input[name=_take_step]")
    confirmation = carol.locator(".centra-confirmation").inner_text()
    assert "suggested refund 20.00 EUR (− return fee 5.00 EUR)" in confirmation
    both_widths(carol, "create-return-confirmation")
    carol.click("input[name=_take_step]")
    assert carol.url.endswith(f"/admin/orders/order/{order.pk}/change/")
    number = f"{order.number}-R1"
    assert f"return {number} created with a suggested refund of 20.00 EUR" in messages_text(carol)
    both_widths(carol, "order-with-pending-return", "#returns")

    # Warehouse: the goods are in, back to the first shipment's warehouse.
    walt = new_page()
    log_in(walt, "walt")
    walt.goto("/admin/returns/return/")
    both_widths(walt, "returns-list")
    walt.click(f"text={number}")
    walt.click('[data-step="complete"]')
    assert f"1 return completed: {number}." in messages_text(walt)
    both_widths(walt, "return-completed")

    # Finance: the suggested refund of the received goods, from the order page.
    fiona = new_page()
    log_in(fiona, "fiona")
    fiona.goto(f"/admin/orders/order/{order.pk}/change/")
    fiona.locator(f'tr[data-return="{number}"] [data-step="return-refund"]').click()
    return_ = Return.objects.get(order=order)
    assert fiona.input_value(f"#id_amount_{return_.pk}") == "20.00"
    both_widths(fiona, "refund-form")
    fiona.click("input[name=_take_step]")
    assert "Refund 20.00 EUR for return" in fiona.locator(".centra-confirmation").inner_text()
    fiona.click("input[name=_take_step]")
    assert f"1 return refunded: {number}, 20.00 EUR." in messages_text(fiona)
    assert fiona.url.endswith(f"/admin/orders/order/{order.pk}/change/")

    # The ledger, the stock row, the timeline and the order page.
    payment = Payment.objects.get(order=order)
    refund = payment.transactions.get(kind="refund")
    assert (refund.amount, refund.return_ref, refund.outcome) == (D("20.00"), number, "success")
    assert payment.refunded_amount == D("20.00")
    assert Stock.objects.get(warehouse=first.warehouse, sku="TEE-M").on_hand == stock_before + 1
    return_.refresh_from_db()
    assert (return_.status, return_.refund_amount) == (ReturnStatus.COMPLETED, D("20.00"))
    assert list(
        OrderEvent.objects.filter(order=order, subject="return").values_list(
            "transition", flat=True
        )
    ) == ["create", "complete", "refund"]
    order.refresh_from_db()
    assert order.status == S.COMPLETED

    fiona.goto(f"/admin/orders/order/{order.pk}/change/")
    row = fiona.locator(f'tr[data-return="{number}"]').inner_text()
    assert "Completed" in row and "1 × TEE-M (25.00 EUR)" in row and "20.00 EUR refunded" in row
    ledger = fiona.locator("table.centra-ledger").inner_text()
    assert "Return " + number in ledger
    timeline = fiona.locator("body").inner_text()
    assert f"Return {number} created from shipment {first.ref}: 1 × TEE-M" in timeline
    assert f"Return {number} refunded: 20.00 EUR." in timeline
    assert f"Return {number} completed: 1 × TEE-M into {first.warehouse}." in timeline
    both_widths(fiona, "order-after-return", "#returns")
    fiona.goto("/admin/orders/order/?returns=refunded")
    assert str(order.number) in fiona.locator("#result_list").inner_text()
    both_widths(fiona, "orders-list-returns-filter")
    fiona.goto("/admin/orders/order/flow/")
    assert fiona.locator('svg[aria-label="Return state diagram"]').count() == 1
    both_widths(fiona, "flow-page")
