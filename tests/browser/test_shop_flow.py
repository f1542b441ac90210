"""The whole buying flow in Chromium: the shop page at /shop/ → the test provider's
page → approve → the receipt, and the order in the back office as Pending with
its authorization and its stock allocated; decline → no order, the selection
still there, an error shown. Screenshots at 1440 and 390 px wide."""

from decimal import Decimal

import pytest

from catalog.models import Voucher
from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders.models import Order, OrderStatus
from payments.models import PaymentTransaction
from shipments.models import Allocation, Stock, Warehouse
from storefront.models import Storefront
from tests.browser.conftest import PASSWORD, log_in
from tests.catalog_support import make_item, make_market
from tests.factories import UserFactory

S = OrderStatus
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def shop(settings):
    """A market reserving from one warehouse, two products, and a client-side storefront."""
    settings.SHOP_PAGE = True
    warehouse = Warehouse.objects.create(name="Stockholm DC", priority=1)
    market = make_market(code="SE", currency="SEK", countries=("SE",), warehouses=(warehouse,))
    pricelist = market.pricelist
    for sku, name, amount in (
        ("TEE-M", "Organic tee", "299.00"),
        ("CAP-ONE", "Wool cap", "349.00"),
    ):
        make_item(sku, prices={pricelist: amount}, name=name)
        Stock.objects.create(warehouse=warehouse, sku=sku, on_hand=10)
    Voucher.objects.create(market=market, code="WELCOME10", percent=Decimal("10"))
    Storefront.objects.create(name="test-shop", market=market, language="en")
    return warehouse


def add_to_selection(page, product: str) -> None:
    card = page.locator(".product", has_text=product)
    card.get_by_role("button", name="Add to selection").click()
    page.locator("#lines tbody tr", has_text=product).wait_for()


def fill_checkout(page) -> None:
    page.fill("input[name=email]", "anna.berg@example.com")
    page.fill("input[name=firstName]", "Anna")
    page.fill("input[name=lastName]", "Berg")
    page.fill("input[name=address1]", "Storgatan 1")
    page.fill("input[name=zipCode]", "111 22")
    page.fill("input[name=city]", "Stockholm")
    page.select_option("#country", "SE")
    page.check("input[name=termsAndConditions]")


def open_shop(page) -> None:
    page.goto("/shop/")
    page.locator("body[data-ready=true]").wait_for()


def test_approved_payment_places_an_order_staff_see_pending_with_stock_allocated(new_page, shop):
    UserFactory(username="carol", groups=[CUSTOMER_SERVICE], password=PASSWORD)
    # The unknown voucher's 404, provoked below.
    page = new_page(expected_console=(r"/api/checkout/vouchers\).*status of 404",))
    open_shop(page)
    page.shot("shop-1440")
    add_to_selection(page, "Organic tee")
    add_to_selection(page, "Wool cap")
    tee = page.locator("#lines tbody tr", has_text="Organic tee")
    tee.get_by_role("button", name="One more Organic tee").click()
    tee.locator(".qty-value", has_text="2").wait_for()
    # Every figure is the server's: 2 × 299 + 349 + 4.90 shipping.
    assert "951.90" in page.locator("#totals .grand").inner_text()
    page.fill("#voucher-code", "NOPE")
    page.click("#voucher button[type=submit]")
    page.locator("#notice", has_text="There is no voucher NOPE").wait_for()
    page.fill("#voucher-code", "welcome10")
    page.click("#voucher button[type=submit]")
    page.locator("#voucher-applied", has_text="WELCOME10").wait_for()
    # 10 % off the lines (947.00 → 852.30), shipping as it was.
    assert "857.20" in page.locator("#totals .grand").inner_text()
    assert page.locator("#notice").is_hidden()
    fill_checkout(page)
    page.shot("selection-and-checkout-1440")

    page.click("#pay")
    page.wait_for_url("**/payments/test-provider/**")
    assert "857.20" in page.locator("body").inner_text()
    page.shot("provider-page-1440")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url("**/shop/return**")
    page.locator("#receipt").wait_for()
    page.shot("receipt-1440")

    order = Order.objects.exclude(status=S.INCOMPLETE).get()
    assert page.locator("#order-number").inner_text() == str(order.number)
    assert "857.20" in page.locator("#receipt-totals .grand").inner_text()
    assert order.status == S.PENDING
    assert order.grand_total == Decimal("857.20")
    authorization = PaymentTransaction.objects.get(payment__order=order, kind="authorize")
    assert (authorization.outcome, authorization.amount) == ("success", order.grand_total)
    held = Allocation.objects.filter(order_line__order=order)
    reserved = dict(held.values_list("order_line__sku", "quantity"))
    assert reserved == {"TEE-M": 2, "CAP-ONE": 1}
    assert dict(Stock.objects.values_list("sku", "allocated")) == {"TEE-M": 2, "CAP-ONE": 1}
    # A reload shows the receipt again and places nothing more.
    page.reload()
    page.locator("#receipt").wait_for()
    assert page.locator("#order-number").inner_text() == str(order.number)
    assert Order.objects.exclude(status=S.INCOMPLETE).count() == 1

    staff = new_page()
    log_in(staff, "carol")
    staff.goto("/admin/orders/order/")
    row = staff.locator("#result_list tbody tr", has_text=str(order.number))
    assert "Pending" in row.inner_text()
    staff.shot("admin-orders-list")
    staff.goto(f"/admin/orders/order/{order.pk}/change/")
    assert staff.locator("#id_customer_email").input_value() == "anna.berg@example.com"
    ledger = staff.locator("tr.centra-ledger-success", has_text="Authorize")
    assert "857.20" in ledger.inner_text() and "Success" in ledger.inner_text()
    staff.shot("admin-order-page")
    # The warehouse sees the units reserved since placement.
    UserFactory(username="wendy", groups=[WAREHOUSE], password=PASSWORD)
    warehouse = new_page()
    log_in(warehouse, "wendy")
    warehouse.goto("/admin/shipments/stock/")
    tee = warehouse.locator("#result_list tbody tr", has_text="TEE-M").inner_text().split()
    assert tee[-3:] == ["10", "2", "8"]  # on hand, allocated, available
    warehouse.shot("admin-stock-allocated")

    page.set_viewport_size(PHONE)
    page.shot("receipt-390")


def test_declined_payment_places_nothing_and_keeps_the_selection(new_page, shop):
    # The frozen selection's refusal, provoked below.
    page = new_page(expected_console=(r"/api/checkout/lines/\d+/quantity/2\).*status of 409",))
    page.set_viewport_size(PHONE)
    open_shop(page)
    page.shot("shop-390")
    add_to_selection(page, "Wool cap")
    fill_checkout(page)
    page.shot("checkout-390")

    page.click("#pay")
    page.wait_for_url("**/payments/test-provider/**")
    provider_url = page.url
    page.shot("provider-page-390")
    # Back in the shop while the payment is open, the selection is frozen (409):
    # the page says why and links back to the payment page.
    page.go_back()
    page.locator("body[data-ready=true]").wait_for()
    page.shot("back-in-the-shop-390")
    page.get_by_role("button", name="One more Wool cap").click()
    page.locator("#notice", has_text="still open at the payment page").wait_for()
    page.shot("frozen-while-paying-390")
    page.get_by_role("link", name="Back to the payment page").click()
    page.wait_for_url(provider_url)
    page.get_by_role("button", name="Decline").click()
    page.wait_for_url("**/shop/failed**")
    page.locator("body[data-ready=true]").wait_for()
    page.shot("declined-390")

    assert "declined" in page.locator("#notice").inner_text()
    assert page.locator("#lines tbody tr", has_text="Wool cap").count() == 1
    assert not Order.objects.exclude(status=S.INCOMPLETE).exists()
    assert not Allocation.objects.exists()
    assert Stock.objects.get(sku="CAP-ONE").allocated == 0
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.shot("declined-1440")

    # The buyer tries again and pays: the same selection becomes the order.
    fill_checkout(page)
    page.click("#pay")
    page.wait_for_url("**/payments/test-provider/**")
    page.get_by_role("button", name="Approve").click()
    page.locator("#receipt").wait_for()
    order = Order.objects.exclude(status=S.INCOMPLETE).get()
    assert order.status == S.PENDING
    assert page.locator("#order-number").inner_text() == str(order.number)
