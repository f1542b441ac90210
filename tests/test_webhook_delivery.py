"""The delivery worker and signed webhooks, against a real receiver on loopback."""

from __future__ import annotations

import io
import os
import re
import signal
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from integrations import delivery, retry
from integrations.management.commands import deliver_events
from integrations.signing import HEADER, BadSignature, header_value, verify
from integrations.webhooks import MAX_BATCH
from outbox.models import OutboxMessage
from outbox.publish import Happened, publish
from tests.helpers import race
from tests.integration_support import make_integration

SECRET = "test-signing-secret"


def hook(receiver, **fields):
    return make_integration(
        "wms", events=["order.held"], endpoint_url=receiver.url, signing_secret=SECRET, **fields
    )


def owe(count: int, *, start: int = 0) -> None:
    """`count` held-order events (no customer mail), as the services would publish them."""
    now = timezone.now()
    publish(
        Happened(event_type="order.held", order_id=n, order_number=5000 + n, occurred_at=now)
        for n in range(start, start + count)
    )


def come_due() -> None:
    """Time passes: every retry and lease is over."""
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def post(url: str, body: bytes, signature: str) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers={HEADER: signature})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db
def test_a_signed_batch_reaches_the_receiver_and_is_marked_delivered(receiver):
    hook(receiver)
    owe(3)
    report = delivery.deliver_due()
    assert (report.claimed, report.delivered) == (3, 3)
    assert len(receiver.received) == 3 and not receiver.rejected
    assert set(receiver.received) == {str(m.event_id) for m in OutboxMessage.objects.all()}
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    assert delivery.deliver_due().claimed == 0


def test_the_receiver_rejects_a_tampered_body_and_an_old_timestamp(receiver):
    body = b'{"events":[{"id":"1","type":"order.held","order":5000}]}'
    assert post(receiver.url, body, header_value(SECRET, body)) == 200
    tampered = body.replace(b"5000", b"5001")
    assert post(receiver.url, tampered, header_value(SECRET, body)) == 400
    old = header_value(SECRET, body, timestamp=int(time.time()) - 3600)
    assert post(receiver.url, body, old) == 400
    assert post(receiver.url, body, header_value("another-secret", body)) == 400
    assert receiver.rejected == [
        "The signature does not match the body.",
        "The signature's timestamp is too old.",
        "The signature does not match the body.",
    ]


@pytest.mark.parametrize(
    "forged",
    ["v1=é" + "0" * 63, "v1=" + "²" * 64, "v1=" + "а" * 64, "v1=" + "\U0001f600" * 64],
    ids=["accent", "superscript", "cyrillic", "emoji"],
)
def test_verify_refuses_a_non_ascii_digest_instead_of_raising(forged):
    body = b'{"events":[]}'
    timestamp = int(time.time())
    with pytest.raises(BadSignature, match="malformed"):
        verify(SECRET, f"t={timestamp},{forged}", body)
    with pytest.raises(BadSignature, match="malformed"):
        verify(SECRET, "t=١٧٠٠٠٠٠٠٠٠,v1=00", body)  # non-ASCII digits in the timestamp
    verify(SECRET, header_value(SECRET, body, timestamp=timestamp), body)  # the real one passes


@pytest.mark.django_db
def test_batches_hold_at_most_a_hundred_events(receiver):
    hook(receiver)
    owe(MAX_BATCH + 5)
    requests = []
    real_post = delivery.webhooks.post_batch

    def counting(integration, batch):
        requests.append(len(batch))
        return real_post(integration, batch)

    delivery.webhooks.post_batch = counting
    try:
        delivery.deliver_due()
    finally:
        delivery.webhooks.post_batch = real_post
    assert requests == [MAX_BATCH, 5]
    assert len(receiver.unique) == MAX_BATCH + 5


@pytest.mark.django_db
def test_failures_back_off_exponentially_then_give_up_and_can_be_redelivered(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 30
    hook(receiver)
    owe(1)
    receiver.answer = 500
    waits = []
    for attempt in (1, 2, 3):
        started = timezone.now()
        report = delivery.deliver_due()
        message = OutboxMessage.objects.get()
        assert message.attempts == attempt
        assert message.last_error == "The receiver answered HTTP 500."
        if attempt < 3:
            assert report.retrying == 1 and message.failed_at is None
            waits.append((message.next_attempt_at - started).total_seconds())
            come_due()
    assert report.failed == 1 and message.failed_at is not None
    assert 15 <= waits[0] <= 31 and 30 <= waits[1] <= 61  # base × 2^(n-1), half of it jitter
    come_due()
    assert delivery.deliver_due().claimed == 0  # given up: no more tries
    assert receiver.rejected == ["answered 500"] * 3

    receiver.answer = 200
    assert delivery.redeliver(OutboxMessage.objects.all()) == 1
    assert delivery.deliver_due().delivered == 1
    assert len(receiver.received) == 1


def test_backoff_doubles_up_to_its_cap(settings):
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 10
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 100
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (12, 100)]:
        for _ in range(20):
            wait = retry.backoff(attempts).total_seconds()
            assert ceiling / 2 <= wait <= ceiling


@pytest.mark.django_db
def test_an_unreachable_receiver_is_a_failed_attempt(loopback_webhooks):
    make_integration("gone", events=["order.held"], endpoint_url="http://127.0.0.1:9/hooks")
    owe(1)
    assert delivery.deliver_due().retrying == 1
    assert "could not be reached" in OutboxMessage.objects.get().last_error


class Killed(BaseException):
    """The worker's process dies (not an error it could handle)."""


@pytest.mark.django_db
def test_a_worker_killed_mid_batch_has_its_batch_delivered_again(receiver, monkeypatch):
    hook(receiver)
    owe(5)

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(delivery, "mark_delivered", die)  # sent, then killed before recording
    with pytest.raises(Killed):
        delivery.deliver_due()
    monkeypatch.undo()
    assert len(receiver.received) == 5
    assert delivery.deliver_due().claimed == 0  # still leased to the dead worker

    come_due()  # the lease ends
    assert delivery.deliver_due().delivered == 5
    assert len(receiver.received) == 10  # at least once...
    assert len(receiver.unique) == 5  # ...and the deduplicating receiver sees each once
    assert set(receiver.unique) == {str(m.event_id) for m in OutboxMessage.objects.all()}


@pytest.mark.postgres("SKIP LOCKED between two concurrent workers")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_deliver_the_same_row(receiver):
    hook(receiver)

    def worker():
        while delivery.deliver_due(limit=3).claimed:
            pass

    for round_number in range(20):
        owe(10, start=round_number * 10)
        race(worker, worker)
        assert len(receiver.received) == len(receiver.unique) == (round_number + 1) * 10
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db
def test_deliver_events_once(receiver):
    hook(receiver)
    owe(2)
    out = io.StringIO()
    call_command("deliver_events", "--once", stdout=out)
    assert out.getvalue().strip() == "Delivered 2, retrying 0, failed 0 (of 2 claimed)."


@pytest.mark.django_db
def test_deliver_events_finishes_its_pass_and_stops_on_sigterm(receiver, monkeypatch):
    hook(receiver)
    owe(2)
    passes = []

    def deliver_then_terminated(limit):
        passes.append(limit)
        report = delivery.deliver_due(limit=limit)
        os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-pass
        return report

    monkeypatch.setattr(deliver_events, "deliver_due", deliver_then_terminated)
    before = signal.getsignal(signal.SIGTERM)
    out = io.StringIO()
    call_command("deliver_events", stdout=out)  # no --once: only the signal stops it
    assert len(passes) == 1
    started, the_pass, totals = out.getvalue().splitlines()
    assert started.startswith("Worker started: delivering the outbox and taking background steps")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d delivered 2, retrying 0, failed 0 \(of 2 claimed\); "
        r"background steps: 0 objects checked\.",
        the_pass,
    )
    assert totals == "Delivered 2, retrying 0, failed 0 (of 2 claimed)."
    assert signal.getsignal(signal.SIGTERM) == before


# Transactional: an idle pass lets go of its connection, as in production.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_running_worker_writes_nothing_while_idle(monkeypatch):
    passes = []

    def nothing_due_until_the_third_pass(limit):
        passes.append(limit)
        if len(passes) == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return delivery.deliver_due(limit=limit)

    monkeypatch.setattr(deliver_events, "deliver_due", nothing_due_until_the_third_pass)
    out = io.StringIO()
    call_command("deliver_events", "--idle-sleep", "0", stdout=out)
    assert len(passes) == 3
    started, totals = out.getvalue().splitlines()
    assert started.startswith("Worker started:")
    assert totals == "Delivered 0, retrying 0, failed 0 (of 0 claimed)."


def test_the_workers_help_names_both_jobs():
    parser = deliver_events.Command().create_parser("manage.py", "deliver_events")
    help_text = " ".join(parser.format_help().split())  # argparse wraps the lines
    assert "customer e-mails" in help_text
    assert "bulk step queued in the background" in help_text
