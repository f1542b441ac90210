"""Finance in Chromium: the authorizations that lapse within 3 days, one authorized
again, its shipment captured at a provider that settles later, and the capture
settling once the provider's notification comes."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.roles import FINANCE
from orders.models import Order, OrderStatus
from payments.models import Payment
from shipments.models import ShipmentStatus
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import ShipmentFactory, UserFactory
from tests.machine_edges import two_lines
from tests.settle_support import settling_later

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def expiring_in(days: int) -> Order:
    """A confirmed order of 45.00 in one good-to-go shipment, settling later, its
    authorization lapsing in `days` days."""
    order = two_lines(OrderStatus.CONFIRMED)
    ShipmentFactory(order=order, status=ShipmentStatus.GOOD_TO_GO)
    settling_later(order)
    # Setting up the clock, not a state: a plain update is fine.
    Payment.objects.filter(order=order).update(
        authorization_expires_at=timezone.now() + timedelta(days=days)
    )
    return order


def messages_text(page) -> str:
    return page.locator("ul.messagelist").inner_text()


def test_finance_renews_an_expiring_authorization_and_sees_the_capture_settle(new_page):
    UserFactory(username="fiona", groups=[FINANCE], password=PASSWORD)
    soon, later = expiring_in(2), expiring_in(10)
    call_command("hold_expiring_authorizations", "--days", "3")
    assert Order.objects.get(pk=soon.pk).on_hold

    page = new_page()
    log_in(page, "fiona")
    page.goto("/admin/payments/payment/")
    page.click("text=within 3 days")
    page.shot("payments-expiring-within-3-days")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and str(soon.number) in rows.first.inner_text()
    assert str(later.number) not in page.locator("#result_list").inner_text()

    rows.first.locator("a").first.click()
    page.click('[data-step="renew_authorization"]')
    page.shot("renew-confirmation")
    page.click("input[name=_take_step]")
    assert "authorized again" in messages_text(page).lower()
    page.shot("authorization-renewed")
    assert not Order.objects.get(pk=soon.pk).on_hold

    page.goto(f"/admin/orders/order/{soon.pk}/change/")
    page.click('[data-step="capture"]')
    page.shot("capture-requested")
    summary = page.locator(".centra-payment-summary").inner_text().replace("\xa0", " ")
    assert "45.00 EUR capture requested" in summary

    call_command("send_test_notifications", "--order", str(soon.number))
    page.reload()
    page.shot("capture-settled")
    summary = page.locator(".centra-payment-summary").inner_text().replace("\xa0", " ")
    assert "captured 45.00 EUR" in summary and "capture requested" not in summary
    ledger = page.locator(".centra-ledger").inner_text()
    assert "capture requested, settled" in ledger
