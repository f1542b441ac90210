"""Staff's daily tools in Chromium: a comment on the timeline, and shipment documents
printed to PDF (Chromium's own print, `page.pdf()`) and read back with pdftotext."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders.models import OrderEvent, OrderStatus
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import OrderFactory, UserFactory
from tests.test_documents import two_shipment_order

S = OrderStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def staff(username: str, group: str):
    return UserFactory(username=username, groups=[group], password=PASSWORD)


def pdf_text(page, path: Path) -> tuple[str, int]:
    """Print the page to PDF as Chromium prints it (A4, print CSS) and read it back."""
    if not shutil.which("pdftotext"):
        missing = "pdftotext is missing: install Debian's poppler-utils (.ci/run does)."
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    return text, pages


def line_with(text: str, *words: str) -> str:
    """The one line of the PDF's text holding all these words, in this order."""
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    found = [line for line in text.splitlines() if pattern.search(line)]
    assert found, f"no line with {words!r} in:\n{text}"
    return found[0]


def test_customer_service_adds_a_comment_on_a_completed_order(new_page):
    staff("carol", CUSTOMER_SERVICE)
    order = OrderFactory(status=S.COMPLETED)
    page = new_page()
    log_in(page, "carol")
    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.fill("#id_comment_text", "Customer called: wants delivery after the 12th.")
    page.locator("#comments").scroll_into_view_if_needed()
    page.shot("comment-typed")
    page.click('[data-action="add-comment"]')
    assert f"Comment added to {order}." in page.locator("ul.messagelist").inner_text()
    timeline = page.locator("#events-group").inner_text()
    assert "Customer called: wants delivery after the 12th." in timeline
    assert page.locator(".centra-comment-edit").count() == 1
    page.shot("comment-on-timeline")
    comment = OrderEvent.objects.get(order=order, subject=OrderEvent.Subject.COMMENT)
    assert comment.actor == "carol"

    page.goto("/admin/orders/order/?status=4")
    marker = page.locator(".centra-comments")
    assert marker.inner_text() == "1" and marker.get_attribute("title") == "1 comment"
    page.shot("orders-list-with-comment-marker")


def test_warehouse_prints_packing_lists_and_a_pro_forma_to_pdf(new_page, tmp_path):
    staff("wendy", WAREHOUSE)
    order, first, second = two_shipment_order()
    page = new_page()
    log_in(page, "wendy")

    page.goto("/admin/shipments/shipment/")
    for shipment in (first, second):
        page.check(f'input[name=_selected_action][value="{shipment.pk}"]')
    page.select_option("select[name=action]", "print_packing_lists")
    page.click("button[name=index]")
    page.wait_for_url("**/print/packing-lists/**")
    page.shot("packing-lists")
    text, pages = pdf_text(page, tmp_path / "packing-lists.pdf")
    assert pages == 2  # one shipment per page
    assert "Packing list" in text
    line_with(text, "TEE-M", "T-shirt", "M", "2")
    line_with(text, "JEANS-32", "Jeans", "32", "1")
    line_with(text, "Total units", "2")
    line_with(text, "Total units", "1")
    assert first.ref in text and second.ref in text and order.shipping_city in text
    assert "EUR" not in text  # no prices

    page.goto(f"/admin/orders/order/{order.pk}/change/")
    page.locator("#documents").scroll_into_view_if_needed()
    page.shot("order-page-document-links")
    href = page.get_attribute("a.centra-document-link >> text=Pro-forma invoices", "href")
    page.goto(href)
    page.shot("pro-forma")
    text, pages = pdf_text(page, tmp_path / "pro-forma.pdf")
    assert pages == 2
    line_with(
        text, "TEE-M", "T-shirt", "M", "2", "29.90 EUR", "—", "25.00", "11.96 EUR", "59.80 EUR"
    )
    line_with(text, "JEANS-32", "Jeans", "32", "1", "89.00 EUR", "9.00 EUR", "12.00", "8.57 EUR")
    line_with(text, "Shipping", "5.00 EUR")
    line_with(text, "Total EUR", "64.80 EUR")
    line_with(text, "Total EUR", "80.00 EUR")
    assert text.count(f"grand total {order.grand_total} EUR") == 2  # 144.80, the share's base
