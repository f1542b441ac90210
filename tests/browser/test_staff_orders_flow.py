"""A phone order paid by link, in Chromium (issue 28): Customer service creates a
selection from the orders list, adds two lines from the catalogue search, types
the customer's address and checks out by payment link; the order waits Pending,
on hold "Waiting for payment". The customer opens the link (the test provider's
page) and approves; the order page then shows the authorization and no hold.

The selection page is measured at 1440 and 1024 px (nothing off the side) and
checked by axe-core; screenshots of every page go to test-artifacts/."""

from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import Item
from core.roles import CUSTOMER_SERVICE
from orders.models import HoldKind, Order, OrderOrigin, OrderStatus
from payments.models import PaymentTransaction
from shipments.models import Stock, Warehouse
from tests.browser.conftest import PASSWORD, log_in
from tests.catalog_support import make_item, make_market
from tests.factories import UserFactory

S = OrderStatus
D = Decimal

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
RUN_AXE = """
() => axe.run(document, {resultTypes: ["violations"], preload: false}).then((result) =>
  result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` +
      v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ")))
"""


@pytest.fixture
def catalogue():
    """Market SE reserving from one warehouse; a tee in two sizes and a cap."""
    warehouse = Warehouse.objects.create(name="Stockholm DC", priority=1)
    market = make_market(code="SE", currency="SEK", countries=("SE",), warehouses=(warehouse,))
    for sku, name, amount in (
        ("TEE-M", "Organic tee", "299.00"),
        ("TEE-L", "Organic tee", "299.00"),
        ("CAP-ONE", "Wool cap", "349.00"),
    ):
        make_item(sku, prices={market.pricelist: amount}, name=name)
        Stock.objects.create(warehouse=warehouse, sku=sku, on_hand=10)
    Item.objects.filter(sku="TEE-L").update(size="L")
    Item.objects.filter(sku="CAP-ONE").update(size="One size")
    UserFactory(username="carol", groups=[CUSTOMER_SERVICE], password=PASSWORD)


def both_widths(page, what: str) -> list[str]:
    """Screenshots at 1440 and 1024 px; what runs off the side, and axe's findings."""
    problems = []
    for width in (1440, 1024):
        page.set_viewport_size({"width": width, "height": 1000})
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            problems.append(f"{what} at {width} px is {scroll} px wide")
        page.shot(f"{what}-{width}")
        page.evaluate(AXE)
        problems += [f"{what} at {width} px: {finding}" for finding in page.evaluate(RUN_AXE)]
    page.set_viewport_size({"width": 1440, "height": 1000})
    return problems


def add_from_catalogue(page, term: str, sku: str, quantity: str = "1") -> None:
    page.fill("#catalogue-q", term)
    page.get_by_role("button", name="Search").click()
    row = page.locator(f"#catalogue tr[data-sku='{sku}']")
    row.get_by_label(f"Units of {sku} to add").fill(quantity)
    row.get_by_role("button", name=f"Add {sku}").click()
    page.locator(f"#lines tr[data-sku='{sku}']").wait_for()


def test_a_phone_order_paid_by_link(new_page, catalogue):
    staff = new_page()
    log_in(staff, "carol")
    staff.goto("/admin/orders/order/")
    staff.get_by_role("link", name="Create selection").click()
    staff.select_option("#id_market", "SE")
    staff.select_option("#id_country", "SE")
    staff.shot("create-selection")
    staff.get_by_role("button", name="Create selection").click()
    staff.wait_for_url("**/selection/")
    selection = Order.objects.get(origin=OrderOrigin.BACK_OFFICE)
    assert selection.status == S.INCOMPLETE

    staff.fill("#catalogue-q", "tee")
    staff.get_by_role("button", name="Search").click()
    hits = staff.locator("#catalogue tbody tr")
    assert hits.count() == 2
    assert "299.00 SEK" in hits.first.inner_text() and "10" in hits.first.inner_text()
    problems = both_widths(staff, "catalogue-search")
    add_from_catalogue(staff, "tee", "TEE-M", "2")
    add_from_catalogue(staff, "CAP", "CAP-ONE")

    staff.fill("#id_email", "anna.berg@example.com")
    staff.fill("#id_billing_name", "Anna Berg")
    staff.fill("#id_billing_street", "Storgatan 1")
    staff.fill("#id_billing_zipcode", "111 22")
    staff.fill("#id_billing_city", "Stockholm")
    staff.select_option("#id_billing_country", "SE")
    staff.get_by_role("button", name="Save customer").click()
    staff.locator("ul.messagelist", has_text="Customer saved").wait_for()
    # 2 × 299 + 349 + 4.90 shipping, every figure the server's.
    assert staff.locator("[data-grand-total]").inner_text() == "951.90 SEK"
    problems += both_widths(staff, "selection-filled")
    assert not problems, "\n".join(problems)

    staff.get_by_label("Payment link", exact=False).check()
    staff.get_by_role("button", name="Check out").click()
    staff.locator("ul.messagelist a[data-payment-link]").wait_for()
    assert staff.url.endswith(f"/admin/orders/order/{selection.pk}/change/"), staff.url
    staff.shot("checked-out-1440")
    message = staff.locator("ul.messagelist")
    assert f"Order {selection.number} placed" in message.inner_text()
    link = message.locator("a[data-payment-link]").get_attribute("href")
    order = Order.objects.get(pk=selection.pk)
    assert (order.status, order.on_hold, order.hold_kind) == (
        S.PENDING,
        True,
        HoldKind.WAITING_FOR_PAYMENT,
    )
    assert staff.locator("[data-glance='hold']").inner_text().count("Waiting for payment") == 1
    assert "Back office" in staff.locator("[data-glance='origin']").inner_text()
    staff.shot("checked-out-waiting-for-payment")

    customer = new_page()
    customer.goto(link)
    assert "951.90" in customer.locator("body").inner_text()
    customer.shot("payment-link-provider-page")
    customer.get_by_role("button", name="Approve").click()
    customer.wait_for_url("**/paid**")
    assert "payment is received" in customer.locator("body").inner_text()
    customer.shot("payment-link-paid")

    order.refresh_from_db()
    assert (order.status, order.on_hold) == (S.PENDING, False)
    authorization = PaymentTransaction.objects.get(payment__order=order, kind="authorize")
    assert (authorization.outcome, authorization.amount) == ("success", D("951.90"))
    staff.reload()
    assert "Not on hold" in staff.locator("[data-glance='hold']").inner_text()
    ledger = staff.locator("tr.centra-ledger-success", has_text="Authorize")
    assert "951.90" in ledger.inner_text()
    for width in (1440, 1024):
        staff.set_viewport_size({"width": width, "height": 1000})
        staff.shot(f"order-paid-{width}")
