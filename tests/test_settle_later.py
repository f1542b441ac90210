"""Payments that settle later: capture and refund requests, settled (or failed) by
the provider's signed notification, and the shipment that waits for its capture."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from backoffice import services as backoffice
from core.errors import DomainError
from core.roles import FINANCE
from orders import services as order_services
from orders.models import HoldKind, Order, OrderStatus
from outbox.models import OutboxMessage
from payments import services as payments
from payments.hosted import TestProvider
from payments.models import NotificationStatus, Payment, PaymentStatus, ProviderNotification
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus
from tests.admin_support import role_user
from tests.factories import FACTORY, ShipmentFactory
from tests.helpers import payment_snapshot
from tests.machine_edges import two_lines
from tests.settle_support import (
    deliver,
    notify,
    open_request,
    resigned,
    settlement_body,
    settling_later,
)

D = Decimal
SH = ShipmentStatus


def order_events(shipment: Shipment, *transitions: str) -> int:
    return Order.objects.get(pk=shipment.order_id).events.filter(transition__in=transitions).count()


def requested_shipment() -> Shipment:
    """A confirmed order of 45.00 in one good-to-go shipment, its capture requested."""
    order = two_lines(OrderStatus.CONFIRMED)
    shipment = ShipmentFactory(order=order, status=SH.GOOD_TO_GO)
    settling_later(order)
    shipping.capture_shipment(shipment_id=shipment.pk, by=FACTORY)
    shipment.refresh_from_db()
    return shipment


def payment_of(shipment: Shipment) -> Payment:
    return Payment.objects.get(order_id=shipment.order_id)


@pytest.mark.django_db
def test_a_capture_request_counts_only_once_the_provider_settles_it(client):
    shipment = requested_shipment()
    payment = payment_of(shipment)
    assert shipment.status == SH.CAPTURE_REQUESTED
    assert shipment.amount == D("45.00")
    assert (payment.captured_amount, payment.capture_requested_amount) == (D("0"), D("45.00"))
    assert payment.open_amount == 0 and payment.status == PaymentStatus.AUTHORIZED
    # The order page shows the request beside what is captured.
    client.force_login(role_user(FINANCE))
    page = client.get(f"/admin/orders/order/{shipment.order_id}/change/").content.decode()
    assert "0.00 EUR (45.00 EUR capture requested)" in page.replace("\xa0", " ")
    assert "capture requested, not settled yet" in page

    answer = notify("capture")(shipment.order)

    assert (answer.status, answer.message) == (200, "OK")
    shipment.refresh_from_db()
    payment.refresh_from_db()
    assert shipment.status == SH.PAID
    assert (payment.captured_amount, payment.capture_requested_amount) == (D("45.00"), D("0"))
    assert payment.status == PaymentStatus.CAPTURED
    request = payment.transactions.get(outcome="pending")
    rows = payment.transactions.filter(kind="capture").values_list("outcome", "settles")
    assert list(rows) == [("pending", None), ("success", request.pk)]
    assert order_events(shipment, "payment_settle_capture", "settle_capture") == 2


@pytest.mark.django_db
def test_a_failed_capture_puts_the_shipment_back_and_holds_the_order():
    shipment = requested_shipment()

    notify("capture", succeeded=False)(shipment.order)

    shipment.refresh_from_db()
    payment = payment_of(shipment)
    order = Order.objects.get(pk=shipment.order_id)
    assert shipment.status == SH.GOOD_TO_GO and shipment.amount == 0
    assert payment.captured_amount == 0 and payment.open_amount == D("45.00")
    assert payment.transactions.filter(outcome="failed", kind="capture").count() == 1
    assert order.on_hold and order.hold_kind == HoldKind.CAPTURE_FAILED
    assert "failed: Expired" in order.events.filter(transition="hold").get().message
    # Once Finance resumes it, the shipment can be captured again.
    order_services.resume_order(order_id=order.pk, by=FACTORY)
    shipping.capture_shipment(shipment_id=shipment.pk, by=FACTORY)
    shipment.refresh_from_db()
    assert shipment.status == SH.CAPTURE_REQUESTED


@pytest.mark.django_db
def test_a_late_notification_after_the_settlement_changes_nothing():
    shipment = requested_shipment()
    request = open_request(shipment.order)
    success, failure = settlement_body(request), settlement_body(request, succeeded=False)
    assert deliver(success).status == 200
    before = payment_snapshot(shipment.order_id)

    for body in (success, failure):
        answer = deliver(body)
        assert (answer.status, answer.message) == (200, "Already settled.")

    assert payment_snapshot(shipment.order_id) == before
    statuses = ProviderNotification.objects.order_by("pk").values_list("status", flat=True)
    assert list(statuses) == ["applied", "duplicate", "duplicate"]


@pytest.mark.django_db
def test_completing_waits_for_the_capture_unless_the_store_allows_it(store):
    order = two_lines(OrderStatus.CONFIRMED)
    shipment = ShipmentFactory(order=order, status=SH.GOOD_TO_GO)
    settling_later(order)
    complete = {"tracking_number": "T1", "carrier": "UPS", "by": FACTORY}

    with pytest.raises(DomainError, match="completes once the payment provider confirms it"):
        shipping.complete_shipment(shipment_id=shipment.pk, **complete)
    shipment.refresh_from_db()
    assert shipment.status == SH.CAPTURE_REQUESTED  # the request is kept
    with pytest.raises(DomainError, match="waits for its capture to settle"):
        shipping.complete_shipment(shipment_id=shipment.pk, **complete)

    store.complete_on_capture_request = True
    store.save()
    shipping.complete_shipment(shipment_id=shipment.pk, **complete)
    shipment.refresh_from_db()
    assert shipment.status == SH.COMPLETED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    # The capture still settles afterwards, and only then counts.
    notify("capture")(order)
    assert payment_of(shipment).captured_amount == D("45.00")


@pytest.mark.django_db
def test_an_order_with_a_capture_requested_cannot_be_cancelled():
    shipment = requested_shipment()
    with pytest.raises(DomainError, match="cannot be cancelled"):
        backoffice.cancel_order(order_id=shipment.order_id, reason="Changed mind", by=FACTORY)


@pytest.mark.django_db
def test_a_refund_request_counts_once_settled():
    order = two_lines(OrderStatus.CONFIRMED)
    payments.capture_payment(order_id=order.pk, amount=D("45.00"), by=FACTORY)
    settling_later(order)
    payments.refund_payment(order_id=order.pk, amount=D("5.00"), reason="Late", by=FACTORY)
    payment = Payment.objects.get(order=order)
    assert (payment.refunded_amount, payment.refund_requested_amount) == (D("0"), D("5.00"))
    assert payment.refundable_amount == D("40.00")

    notify("refund")(order)

    payment.refresh_from_db()
    assert (payment.refunded_amount, payment.refund_requested_amount) == (D("5.00"), D("0"))
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED


# Bad notifications: recorded, not applied, 4xx, nothing else changed.


def bad_bodies():
    old = timezone.now() - timedelta(minutes=6)
    return [
        ("forged", lambda r: settlement_body(r, signature="AAAA"), 403, "Invalid signature."),
        (
            "replayed",
            lambda r: json.dumps(TestProvider().settlement(r, succeeded=True, now=old)).encode(),
            400,
            "window",
        ),
        ("wrong amount", lambda r: resigned(r, amount="44.00"), 400, "is not the 45.00"),
        ("wrong currency", lambda r: resigned(r, currency="SEK"), 400, "is not the payment's"),
        (
            "unknown reference",
            lambda r: resigned(r, transactionReference="test_capture_nobody"),
            404,
            "No capture or refund",
        ),
        ("not json", lambda r: b"{", 400, "not JSON"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "make", "status", "sentence"), bad_bodies(), ids=lambda v: v)
def test_a_bad_notification_is_recorded_and_refused_and_changes_nothing(
    name, make, status, sentence
):
    shipment = requested_shipment()
    request = open_request(shipment.order)
    before = payment_snapshot(shipment.order_id)
    messages = OutboxMessage.objects.count()
    body = make(request)

    response = Client().post("/payments/notifications/test", body, content_type="application/json")

    assert response.status_code == status
    assert response.json()["success"] is False and sentence in response.json()["message"]
    note = ProviderNotification.objects.get()
    assert note.status == NotificationStatus.REJECTED and sentence in note.reason
    assert note.body == body.decode() and note.answered == status
    assert payment_snapshot(shipment.order_id) == before
    assert OutboxMessage.objects.count() == messages
    assert Shipment.objects.get(pk=shipment.pk).status == SH.CAPTURE_REQUESTED
    assert open_request(shipment.order) == request


@pytest.mark.django_db
def test_send_test_notifications_settles_every_open_request(capsys):
    first, second = requested_shipment(), requested_shipment()
    call_command("send_test_notifications", "--order", str(first.order.number))
    assert Shipment.objects.get(pk=first.pk).status == SH.PAID
    assert Shipment.objects.get(pk=second.pk).status == SH.CAPTURE_REQUESTED
    call_command("send_test_notifications", "--fail")
    assert Shipment.objects.get(pk=second.pk).status == SH.GOOD_TO_GO
    assert "1 notification(s) sent." in capsys.readouterr().out


@pytest.mark.django_db
def test_finance_reads_the_notifications_list(client):
    requested_shipment()
    deliver(b"forged")
    client.force_login(role_user(FINANCE))
    page = client.get("/admin/payments/providernotification/?status__exact=rejected")
    assert page.status_code == 200
    assert "not JSON" in page.content.decode()
