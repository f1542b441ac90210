"""The crawl of the admin's links, and the world it crawls (tests/test_admin_links_every_role.py,
tests/test_untranslated_text.py).

`crawl` starts at /admin/ and follows breadth-first every admin link (href) of every
page that answered 200, checking that each opens; a page's own links are followed
only within a budget: one page per kind (a changelist, each filter of it, one change
page per model, each step's page, ...), but the page of every order.

`crawl_world` makes the data: an order in each status (and one on hold), shipments
in every state up to completed, payments with their ledger rows, a completed order
with a return (another refunded, into another warehouse), comments, a deleted
order's tombstone, an integration and the customer e-mails sent.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

from django.contrib.auth.models import Group

from core.roles import BACKOFFICE_ADMIN, WAREHOUSE
from integrations import delivery
from orders import services
from orders.comments import add_comment
from orders.models import OrderStatus
from outbox.models import Integration
from returns import services as returns
from returns.models import StockAction
from shipments.models import ShipmentStatus
from tests.admin_support import role_user
from tests.catalog_support import make_item, make_market
from tests.factories import (
    FACTORY,
    OrderFactory,
    ShipmentFactory,
    UserFactory,
    WarehouseFactory,
)
from tests.returns_support import completed_order, make_return

S = OrderStatus
SUPERUSER = "superuser"
# A role of the shop's own making: orders and nothing else.
ORDERS_VIEWER = "may only view orders"
# And its opposite: what happened after the order, but not the order itself.
AFTER_ORDERS_VIEWER = "may view shipments, payments and returns, not orders"

# Never followed: leaving, Django's delete pages, pop-ups, and the CSV export,
# which streams a file rather than showing a page.
SKIPPED = ("/admin/logout/", "/delete/", "_popup=", "/export/")
# Followed without limit: every order's page (each status shows other links).
EVERY_ONE = {"/admin/orders/order/<id>/change/"}
MAX_REQUESTS = 1500
NOT_FOUND_BOUNCE = "Perhaps it was deleted?"
ERROR_MESSAGE = re.compile(r'<li class="error">(.*?)</li>', re.S)


def crawl_world():
    """The smallest world with every kind of page and link in it."""
    Integration.objects.create(
        name="wms",
        endpoint_url="http://127.0.0.1:9/",
        event_types=["order.confirmed"],
        group=Group.objects.get(name=WAREHOUSE),
    )
    author = UserFactory(username="author", is_superuser=True)
    processing = OrderFactory(status=S.CONFIRMED)
    ShipmentFactory(order=processing, status=ShipmentStatus.GOOD_TO_GO)
    paid = OrderFactory(status=S.CONFIRMED)
    ShipmentFactory(order=paid, status=ShipmentStatus.PAID)
    returned = completed_order()
    make_return(returned, a=1)
    overflow = WarehouseFactory(name="Overflow")
    market = make_market(code="WEB", warehouses=(overflow,))
    make_item("TEE-M", prices={market.pricelist: "29.90"})
    refunded = make_return(
        returned, a=1, b=1, stock_action=StockAction.TO_WAREHOUSE, warehouse_id=overflow.pk
    )
    returns.refund_return(return_id=refunded.pk, by=FACTORY)
    add_comment(order_id=returned.pk, by=author, text="Customer called about the cap.")
    deleted = OrderFactory(status=S.CANCELLED)
    purger = UserFactory(username="purger", groups=[BACKOFFICE_ADMIN])
    services.delete_order_permanently(order_id=deleted.pk, by=purger, reason="Erasure")
    delivery.deliver_due()  # the customer e-mails, which can be resent
    return [
        OrderFactory(status=S.INCOMPLETE),
        OrderFactory(status=S.PENDING),
        OrderFactory(status=S.CONFIRMED),
        OrderFactory(status=S.CONFIRMED, on_hold=True),
        OrderFactory(status=S.PROCESSING),
        processing,
        paid,
        returned,
        OrderFactory(status=S.ARCHIVED),
        OrderFactory(status=S.CANCELLED),
    ]


def links_of(page: str, html: str) -> set[str]:
    """The page's admin links, relative ones ("?status=1") resolved, fragments dropped."""
    found = set()
    for href in re.findall(r'href="([^"]*)"', html):
        href = unescape(href).split("#")[0]
        if not href or href.startswith(("javascript:", "mailto:")):
            continue
        url = urljoin(page, href)
        parts = urlsplit(url)
        if parts.netloc in ("", "testserver") and parts.path.startswith("/admin/"):
            found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def kind_of(url: str) -> str:
    """Pages of one kind: the path with ids replaced; a list's filters, sorting and
    pages are one kind with the list, except each status of the orders list (an
    archived order is listed only under its status)."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+/", "/<id>/", parts.path)
    if path == "/admin/orders/order/" and re.fullmatch(r"status=\d+", parts.query):
        return f"{path}?{parts.query}"
    return path


def link_path(url: str) -> str:
    return urlsplit(url).path


def check(client, url: str) -> tuple[str, str]:
    """("", html) when the link opens for this user, else (what went wrong, "")."""
    try:
        response = client.get(url, follow=True)
    except Exception as error:  # the test client re-raises a view's exception
        return f"500 ({type(error).__name__}: {error})", ""
    hops = [hop for hop, _status in response.redirect_chain]
    if any("/admin/login/" in hop for hop in hops):
        return "redirected to the login page", ""
    if response.status_code != 200:
        return str(response.status_code), ""
    html = response.content.decode()
    if hops and NOT_FOUND_BOUNCE in html:
        return f"redirected to {hops[-1]}: does not exist", ""
    errors = ERROR_MESSAGE.findall(html) if hops else []
    if errors:
        return f"redirected to {hops[-1]}: {unescape(errors[0]).strip()}", ""
    return "", html


def kept(kind: str, link: str, pages: list[str]) -> bool:
    """Whether a link that opens is expanded: the first page of its kind, or an order
    whose page is not expanded yet."""
    return not pages or (
        kind in EVERY_ONE and not any(p.startswith(link_path(link)) for p in pages)
    )


def crawl(client, on_page=None, *, every_link: bool = True) -> tuple[list[str], dict]:
    """Follow every link from /admin/; `on_page(url, html)` sees each page expanded.

    `every_link=False` opens only the links that could be expanded (the first of each
    kind, every order's page) and expands the same pages in the same order: for a
    test that wants the pages, when another crawls the same user's every link
    (test_admin_links_every_role.py's superuser)."""
    start = "/admin/"
    failures, checked, expanded = [], {start: ""}, {}
    problem, html = check(client, start)
    assert not problem, problem
    queue = deque([(start, html)])
    while queue:
        page, html = queue.popleft()
        if on_page is not None:
            on_page(page, html)
        for link in sorted(links_of(page, html)):
            if link in checked or any(skip in link for skip in SKIPPED):
                continue
            if not every_link and not kept(kind_of(link), link, expanded.get(kind_of(link), [])):
                continue
            assert len(checked) < MAX_REQUESTS, "the crawl ran away"
            problem, linked_html = check(client, link)
            checked[link] = problem
            if problem:
                failures.append(f"{page} → {link}: {problem}")
                continue
            kind = kind_of(link)
            pages = expanded.setdefault(kind, [])
            if kept(kind, link, pages):
                pages.append(link)
                queue.append((link, linked_html))
    visited = 1 + sum(len(pages) for pages in expanded.values())
    return failures, {"pages": visited, "links": len(checked) - 1, "kinds": expanded}


def crawler(role: str):
    if role == SUPERUSER:
        return UserFactory(username="boss", is_superuser=True)
    if role == ORDERS_VIEWER:
        return UserFactory(username="viewer", perms=["orders.view_order"])
    if role == AFTER_ORDERS_VIEWER:
        after = ["shipments.view_shipment", "payments.view_payment", "returns.view_return"]
        return UserFactory(username="after", perms=after)
    return role_user(role)
