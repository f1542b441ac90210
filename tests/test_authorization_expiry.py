"""Authorizations that expire: when, the hold before they do, renewing one, and the
capture an expired one refuses."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import DomainError
from core.roles import FINANCE
from orders import services as order_services
from orders.models import HoldKind, Order, OrderStatus
from payments import services as payments
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentStatus
from tests.admin_support import role_user
from tests.factories import FACTORY, OrderFactory
from tests.helpers import payment_snapshot
from tests.machine_edges import two_lines

D = Decimal


def expiring_in(days: float, **order) -> Order:
    """A confirmed order of 45.00 whose authorization lapses in `days` days."""
    made = two_lines(OrderStatus.CONFIRMED) if not order else OrderFactory(**order)
    # Setting up the clock, not a state: a plain update is fine.
    Payment.objects.filter(order=made).update(
        authorization_expires_at=timezone.now() + timedelta(days=days)
    )
    return made


def payment(order: Order) -> Payment:
    return Payment.objects.get(order=order)


@pytest.mark.django_db
def test_an_authorization_expires_as_settings_say_per_provider_and_method(settings):
    before = timezone.now()
    card = payment(two_lines(OrderStatus.CONFIRMED))
    assert before + timedelta(days=28) <= card.authorization_expires_at
    assert card.authorization_expires_at <= timezone.now() + timedelta(days=28)
    invoice = payment(OrderFactory(status=OrderStatus.CONFIRMED, payment_method="invoice"))
    assert invoice.authorization_expires_at is None
    settings.AUTHORIZATION_LIFETIMES = {"test:test": 7, "test": 28}
    card = payment(two_lines(OrderStatus.CONFIRMED))
    assert card.authorization_expires_at <= timezone.now() + timedelta(days=7)


@pytest.mark.django_db
def test_an_expired_authorization_cannot_be_captured_and_nothing_changes():
    order = expiring_in(-1)
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError) as refused:
        payments.capture_payment(order_id=order.pk, amount=D("10.00"), by=FACTORY)
    assert str(refused.value) == (
        f"The authorization of {order} expired on "
        f"{timezone.localtime(payment(order).authorization_expires_at):%Y-%m-%d}, "
        "so it cannot be captured: authorize it again first."
    )
    assert payment_snapshot(order.pk) == before


@pytest.mark.django_db
def test_the_daily_command_holds_only_the_orders_whose_authorization_lapses_soon(capsys):
    soon, later, expired = expiring_in(2), expiring_in(10), expiring_in(-1)
    held_already = expiring_in(1)
    order_services.hold_order(order_id=held_already.pk, by=FACTORY, kind="manual", reason="Check")
    invoice = OrderFactory(status=OrderStatus.CONFIRMED, payment_method="invoice")

    call_command("hold_expiring_authorizations", "--days", "3")

    assert "2 order(s) held." in capsys.readouterr().out
    for order in (soon, expired):
        order.refresh_from_db()
        assert order.on_hold and order.hold_kind == HoldKind.PAYMENT_EXPIRING
        assert "45.00" in order.hold_reason and "authorize it again" in order.hold_reason
    assert not Order.objects.get(pk=later.pk).on_hold
    assert Order.objects.get(pk=held_already.pk).hold_kind == HoldKind.MANUAL
    assert not Order.objects.get(pk=invoice.pk).on_hold
    # Run again: nothing more to hold.
    call_command("hold_expiring_authorizations", "--days", "3")
    assert "0 order(s) held." in capsys.readouterr().out


@pytest.mark.django_db
def test_renewing_replaces_the_authorization_lifts_the_hold_and_capture_works_again():
    order = expiring_in(-1)
    call_command("hold_expiring_authorizations", "--days", "3")
    old = payment(order)

    payments.renew_authorization(order_id=order.pk, by=FACTORY)

    renewed = payment(order)
    assert renewed.status == PaymentStatus.AUTHORIZED and renewed.open_amount == D("45.00")
    assert renewed.authorization_expires_at > timezone.now() + timedelta(days=27)
    assert renewed.provider_reference != old.provider_reference
    rows = renewed.transactions.filter(outcome="success")
    assert sum(r.amount for r in rows if r.kind == "authorize") == renewed.authorized_amount
    assert sum(r.amount for r in rows if r.kind == "void") == renewed.released_amount
    assert not Order.objects.get(pk=order.pk).on_hold
    payments.capture_payment(order_id=order.pk, amount=D("45.00"), by=FACTORY)
    assert payment(order).status == PaymentStatus.CAPTURED


@pytest.mark.django_db
def test_a_declined_renewal_changes_nothing_but_its_failed_row():
    order = expiring_in(1)
    Payment.objects.filter(order=order).update(test_decline="authorize")
    before = payment_snapshot(order.pk)
    with pytest.raises(PaymentDeclined):
        payments.renew_authorization(order_id=order.pk, by=FACTORY)
    after = payment_snapshot(order.pk)
    assert after["ledger"] == before["ledger"] and after["amounts"] == before["amounts"]
    assert payment(order).transactions.filter(outcome="failed").count() == 1


@pytest.mark.django_db
def test_an_authorization_that_never_expires_is_not_renewed():
    order = OrderFactory(status=OrderStatus.CONFIRMED, payment_method="invoice")
    with pytest.raises(DomainError, match="does not expire"):
        payments.renew_authorization(order_id=order.pk, by=FACTORY)


@pytest.mark.django_db
def test_finance_filters_expiring_authorizations_and_is_offered_the_renewal(client):
    soon, later = expiring_in(2), expiring_in(10)
    client.force_login(role_user(FINANCE))
    page = client.get("/admin/payments/payment/?expires_within=3")
    assert page.status_code == 200
    listed = page.context["cl"].result_list
    assert [p.order_id for p in listed] == [soon.pk]
    assert "authorization expires" in page.content.decode().lower()
    detail = client.get(f"/admin/payments/payment/{payment(soon).pk}/change/").content.decode()
    assert "step/renew_authorization/" in detail
    expired = client.get("/admin/payments/payment/?expires_within=expired")
    assert list(expired.context["cl"].result_list) == []
    assert later.pk not in [p.order_id for p in listed]
