"""The pages staff use all day, at a desktop (1440), a small laptop or tablet (1024)
and a phone (390): nothing runs off the side of the screen at 1440 and 1024, and
axe-core (tests/browser/vendor/axe.min.js, Deque's MPL-2.0 build) finds no critical
or serious accessibility violation at any width. Screenshots of every page at every
width go to test-artifacts/."""

from decimal import Decimal
from pathlib import Path

import pytest

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders import services
from orders.models import HoldKind, OrderStatus
from shipments.models import ShipmentStatus
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    UserFactory,
    WarehouseFactory,
    advance_shipment,
    stock_for,
)

S = OrderStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
WIDTHS = [1440, 1024, 390]
# At these widths every column of every page must be on screen.
NO_SIDEWAYS_SCROLL = {1440, 1024}

RUN_AXE = """
() => axe.run(document, {resultTypes: ["violations"], preload: false}).then((result) =>
  result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ` +
      v.nodes.slice(0, 5).map((n) => n.target.join(" ")).join(", ")))
"""

# The widest table box of the page that clips what it holds (Django's list sits
# in a box that scrolls sideways: the page stays narrow while columns are hidden).
CLIPPED = """
() => [...document.querySelectorAll("#changelist-form .results, #lines-group .tabular")]
  .filter((box) => box.scrollWidth > box.clientWidth + 1)
  .map((box) => `${box.className}: ${box.scrollWidth} > ${box.clientWidth}`)
"""


def staff(username: str, group: str):
    return UserFactory(username=username, groups=[group], password=PASSWORD)


def check(page, what: str, width: int) -> list[str]:
    """Screenshot; the page's width; axe-core's critical and serious findings."""
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    problems = []
    if width in NO_SIDEWAYS_SCROLL:
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            problems.append(f"{what} at {width} px is {scroll} px wide")
        problems += [f"{what} at {width} px clips {box}" for box in page.evaluate(CLIPPED)]
    page.shot(f"{what}-{width}")
    # Evaluated through the DevTools protocol: the page's CSP allows no inline script.
    page.evaluate(AXE)
    problems += [f"{what} at {width} px: {finding}" for finding in page.evaluate(RUN_AXE)]
    return problems


def busy_back_office():
    """A few orders that stretch the list: a long email, a long hold reason, a split
    order, a refund; a Pending order with three lines; a Confirmed order to split."""
    OrderFactory(
        status=S.CONFIRMED,
        customer_name="Maximiliane Oberhauser-Lindqvist",
        customer_email="maximiliane.oberhauser-lindqvist@a-rather-long-domain.example.com",
        currency="SEK",
        market="SE",
        lines=[LineDataFactory(quantity=3, unit_price=Decimal("12345.50"))],
    )
    held = OrderFactory(status=S.CONFIRMED)
    services.hold_order(
        order_id=held.pk,
        by=FACTORY,
        kind=HoldKind.FRAUD_CHECK,
        reason="Billing and shipping country differ; verifying with the card issuer "
        "before anything ships.",
    )
    split = OrderFactory(status=S.CONFIRMED, lines=LineDataFactory.build_batch(2))
    first, second = split.lines.order_by("pk")
    done = ShipmentFactory(order=split, quantities={first.pk: first.quantity})
    advance_shipment(done, status=ShipmentStatus.COMPLETED)
    ShipmentFactory(order=split, quantities={second.pk: second.quantity})
    OrderFactory(status=S.ARCHIVED)
    OrderFactory(status=S.CANCELLED)
    pending = OrderFactory(
        status=S.PENDING,
        lines=[
            LineDataFactory(sku="JACKET-RAIN-M", product_name="Rain jacket", variant="M"),
            LineDataFactory(sku="SOCKS-3PK-41-45", product_name="Socks, 3-pack"),
            LineDataFactory(sku="TEE-ORGANIC-XL", discount=Decimal("5.00")),
        ],
    )
    to_split = OrderFactory(status=S.CONFIRMED, lines=LineDataFactory.build_batch(3))
    for name in ["Stockholm DC", "New Jersey 3PL", "Berlin store"]:
        stock_for(to_split, WarehouseFactory(name=name))
    return pending, to_split


def test_the_daily_pages_fit_the_screen_and_pass_axe(new_page):
    staff("carol", CUSTOMER_SERVICE)
    staff("walt", WAREHOUSE)
    pending, to_split = busy_back_office()
    problems: list[str] = []

    anonymous = new_page()
    anonymous.goto("/admin/login/")
    for width in WIDTHS:
        problems += check(anonymous, "login", width)

    carol = new_page()
    log_in(carol, "carol")
    carol.goto("/admin/orders/order/")
    for width in WIDTHS:
        problems += check(carol, "orders-list", width)
    carol.goto(f"/admin/orders/order/{pending.pk}/change/")
    # Customer service may edit a Pending order's lines: the inputs are there.
    assert carol.locator("#id_lines-0-quantity").is_editable()
    for width in WIDTHS:
        problems += check(carol, "pending-order", width)
    # The facts first: status, hold, money and shipments above the fold at 1440.
    carol.set_viewport_size({"width": 1440, "height": 900})
    glance = carol.locator(".centra-glance")
    assert glance.bounding_box()["y"] + glance.bounding_box()["height"] < 900
    for fact in ["Pending", "Not on hold", "Captured", "Open", "Nothing shipped yet"]:
        assert fact in glance.inner_text()

    walt = new_page()
    log_in(walt, "walt")
    walt.goto(f"/admin/orders/order/{to_split.pk}/split/")
    for width in WIDTHS:
        problems += check(walt, "split-page", width)

    assert not problems, "\n".join(problems)
