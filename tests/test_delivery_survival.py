"""No receiver stops delivery: each malformed answer is a failed attempt with its
sentence, the claim is released, and the customer e-mails of the same pass are sent."""

from __future__ import annotations

import io
import time

import pytest
from django.core import mail as sent_mail
from django.core.management import call_command
from django.utils import timezone

from integrations import delivery, webhooks
from orders.models import OrderStatus
from outbox.models import OutboxMessage
from outbox.publish import Happened, publish
from tests.factories import OrderFactory
from tests.integration_support import make_integration
from tests.receiver_harness import ANSWERS, BadReceiver

pytestmark = pytest.mark.django_db

OUTCOMES = {
    "not_http": "The receiver's answer is not valid HTTP",
    "huge_header": "The receiver's answer is not valid HTTP",
    "many_headers": "The receiver's answer is not valid HTTP: got more than 100 headers.",
    "huge_error_body": "The receiver answered HTTP 500.",
    "redirect": "The receiver answered HTTP 307; redirects are not followed.",
    "close": "The receiver closed the connection without answering.",
    "hang": "The receiver did not answer within 1 s.",
    "trickle": "The receiver did not answer within 1 s.",
}


@pytest.fixture
def bad_receivers(loopback_webhooks, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receivers: dict[str, BadReceiver] = {}

    def start(answer: str) -> BadReceiver:
        receivers[answer] = BadReceiver(answer)
        return receivers[answer]

    yield start
    for receiver in receivers.values():
        receiver.close()


def owe_held(order_ids) -> None:
    now = timezone.now()
    publish(
        Happened(event_type="order.held", order_id=n, order_number=7000 + n, occurred_at=now)
        for n in order_ids
    )


def test_every_malformed_answer_is_listed_here():
    assert set(OUTCOMES) | {"huge_body"} == set(ANSWERS)


@pytest.mark.parametrize("answer", sorted(OUTCOMES))
def test_the_worker_survives_a_malformed_receiver_and_sends_the_mails(bad_receivers, answer):
    receiver = bad_receivers(answer)
    make_integration("bad", events=["order.held"], endpoint_url=receiver.url)
    orders = [OrderFactory(status=OrderStatus.CONFIRMED) for _ in range(2)]  # two mails owed
    owe_held(range(3))

    started = time.monotonic()
    report = delivery.deliver_due()
    elapsed = time.monotonic() - started

    assert (report.claimed, report.delivered, report.retrying) == (5, 2, 3)
    assert elapsed < 5  # cut at the 1 s timeout, not at the receiver's leisure
    assert sorted(m.to[0] for m in sent_mail.outbox) == sorted(o.customer_email for o in orders)
    hooks = OutboxMessage.objects.filter(integration__name="bad")
    for message in hooks:
        assert message.last_error.startswith(OUTCOMES[answer])
        assert message.attempts == 1 and message.failed_at is None
        # Released: back off like any failure, not left leased.
        assert message.next_attempt_at < timezone.now() + delivery.LEASE / 2
    assert receiver.requests == 1  # one POST for the three events


def test_a_ten_megabyte_body_is_not_read(bad_receivers):
    receiver = bad_receivers("huge_body")
    make_integration("big", events=["order.held"], endpoint_url=receiver.url)
    owe_held(range(3))
    started = time.monotonic()
    assert delivery.deliver_due().delivered == 3
    assert time.monotonic() - started < 5


def test_any_exception_from_a_delivery_is_a_failed_attempt(loopback_webhooks, monkeypatch):
    make_integration("erp", events=["order.held"], endpoint_url="http://127.0.0.1:9/")
    OrderFactory(status=OrderStatus.CONFIRMED)
    owe_held([1])

    def explode(integration, batch):
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr(webhooks, "post_batch", explode)
    report = delivery.deliver_due()
    assert (report.delivered, report.retrying) == (1, 1)
    failed = OutboxMessage.objects.get(integration__name="erp")
    assert failed.last_error == "The delivery failed: RuntimeError: something unexpected."
    assert len(sent_mail.outbox) == 1


def test_a_mail_that_raises_does_not_stop_the_webhooks(receiver, monkeypatch):
    from integrations import mail

    make_integration(
        "wms", events=["order.held"], endpoint_url=receiver.url, signing_secret=receiver.secret
    )
    OrderFactory(status=OrderStatus.CONFIRMED)
    owe_held([1, 2])

    def broken_template(message, order):
        raise KeyError("grand_total")

    monkeypatch.setattr(mail, "render", broken_template)
    report = delivery.deliver_due()
    assert (report.delivered, report.retrying) == (2, 1)
    assert len(receiver.unique) == 2
    assert OutboxMessage.objects.get(channel="email").last_error == (
        "The delivery failed: KeyError: 'grand_total'."
    )


def test_deliver_events_lives_through_all_of_them_at_once(bad_receivers):
    for answer in ANSWERS:
        receiver = bad_receivers(answer)
        make_integration(answer.replace("_", "-"), events=["order.held"], endpoint_url=receiver.url)
    orders = [OrderFactory(status=OrderStatus.CONFIRMED) for _ in range(3)]
    owe_held(range(2))
    out = io.StringIO()
    call_command("deliver_events", "--once", stdout=out)
    owed = 2 * len(ANSWERS)
    assert out.getvalue().strip() == (
        f"Delivered 5, retrying {owed - 2}, failed 0 (of {owed + 3} claimed)."
    )
    assert len(sent_mail.outbox) == len(orders)
    assert not OutboxMessage.objects.filter(last_error="", delivered_at__isnull=True).exists()
