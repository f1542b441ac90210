"""Each receiver gets an order's events in order, in as few POSTs as the batch allows;
a deactivated integration's messages are dropped or kept; old ones are purged."""

from __future__ import annotations

import io
import itertools
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from core.roles import BACKOFFICE_ADMIN
from integrations import delivery
from integrations.housekeeping import DROPPED
from outbox.models import OutboxMessage
from outbox.publish import Happened, publish
from tests.admin_support import messages_of, role_user
from tests.helpers import race
from tests.integration_support import make_integration, start_receiver

SECRET = "test-signing-secret"
# None of them sends a customer e-mail.
TYPES = ["order.created", "order.held", "order.resumed", "order.archived"]


def hook(receiver, name="wms", *, event_types=TYPES, **fields):
    return make_integration(
        name, events=event_types, endpoint_url=receiver.url, signing_secret=SECRET, **fields
    )


def happen(*events: tuple[int, str]) -> None:
    """(order, event type) pairs, in this order, as the services would publish them."""
    now = timezone.now()
    publish(
        Happened(event_type=kind, order_id=order, order_number=9000 + order, occurred_at=now)
        for order, kind in events
    )


def come_due() -> None:
    OutboxMessage.objects.filter(delivered_at=None).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def arrivals(receiver, integration) -> dict[int, list[str]]:
    """Per order, the event types as the receiver accepted them."""
    by_id = {
        str(m.event_id): (m.order_id, m.event_type)
        for m in OutboxMessage.objects.filter(integration=integration)
    }
    seen: dict[int, list[str]] = {}
    for event_id in receiver.received:
        order, kind = by_id[event_id]
        seen.setdefault(order, []).append(kind)
    return seen


@pytest.mark.django_db
def test_a_failed_event_is_not_overtaken_by_a_later_one_of_its_order(receiver):
    wms = hook(receiver)
    happen((1, "order.created"), (2, "order.created"))
    receiver.answer = 500
    assert delivery.deliver_due().retrying == 2  # both wait out their backoff

    receiver.answer = 200
    happen((1, "order.held"), (3, "order.created"), (2, "order.held"), (1, "order.resumed"))
    report = delivery.deliver_due()
    # Order 3 is new and goes; orders 1 and 2 wait behind their failed "confirmed".
    assert report.delivered == 1 and arrivals(receiver, wms) == {3: ["order.created"]}
    assert delivery.deliver_due().claimed == 0

    come_due()
    assert delivery.deliver_due().delivered == 5
    assert receiver.posts == 3  # the failed one, order 3's, then the rest in one batch
    assert arrivals(receiver, wms) == {
        1: ["order.created", "order.held", "order.resumed"],
        2: ["order.created", "order.held"],
        3: ["order.created"],
    }


@pytest.mark.django_db
def test_a_given_up_event_holds_its_order_back_until_redelivered(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    wms = hook(receiver)
    happen((1, "order.created"))
    receiver.answer = 500
    assert delivery.deliver_due().failed == 1
    receiver.answer = 200
    happen((1, "order.held"), (2, "order.held"))
    assert delivery.deliver_due().delivered == 1  # order 2 only
    assert delivery.redeliver(OutboxMessage.objects.filter(failed_at__isnull=False)) == 1
    assert delivery.deliver_due().delivered == 2
    assert arrivals(receiver, wms)[1] == ["order.created", "order.held"]


@pytest.mark.django_db
def test_ten_events_are_one_post_per_receiver_whatever_lies_between(receiver):
    other, server = start_receiver(SECRET)
    try:
        wms = hook(receiver, "wms", event_types=["order.confirmed"])
        erp = hook(other, "erp", event_types=["order.confirmed"])
        # order.confirmed also owes a customer e-mail: rows interleave wms, erp, e-mail.
        happen(*[(n, "order.confirmed") for n in range(10)])
        kinds = list(OutboxMessage.objects.order_by("id").values_list("channel", flat=True))
        assert kinds[:3] == ["webhook", "webhook", "email"]

        report = delivery.deliver_due()

        assert report.delivered == 30
        assert (receiver.posts, other.posts) == (1, 1)
        assert len(receiver.unique) == len(other.unique) == 10
        assert arrivals(receiver, wms) == arrivals(other, erp)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.django_db
def test_a_failed_batch_keeps_the_later_batches_of_its_receiver_back(receiver, monkeypatch):
    monkeypatch.setattr(delivery.webhooks, "MAX_BATCH", 2)
    wms = hook(receiver)
    happen((1, "order.created"), (2, "order.created"), (1, "order.held"))
    answers = itertools.chain([500], itertools.repeat(200))
    receiver.answer = lambda: next(answers)
    report = delivery.deliver_due()
    assert (report.delivered, report.retrying) == (0, 3)
    later = OutboxMessage.objects.get(order_id=1, event_type="order.held")
    assert (
        later.last_error == "Not sent: the batch before it failed. The receiver answered HTTP 500."
    )
    come_due()
    assert delivery.deliver_due().delivered == 3
    assert arrivals(receiver, wms)[1] == ["order.created", "order.held"]


@pytest.mark.django_db
def test_an_order_leased_to_another_worker_waits_for_it(receiver):
    hook(receiver)
    happen((1, "order.created"), (2, "order.created"))
    first = delivery.claim(limit=1)  # a worker holds order 1's first message
    assert [m.order_id for m in first] == [1]
    happen((1, "order.held"))
    assert [m.order_id for m in delivery.claim()] == [2]  # not order 1's second


def deactivate(client, integration, *, keep: bool):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    data = {
        "name": integration.name,
        "kind": integration.kind,
        "endpoint_url": integration.endpoint_url,
        "signing_secret": integration.signing_secret,
        "event_types": integration.event_types,
        **({"keep_while_inactive": "on"} if keep else {}),
    }
    return client.post(f"/admin/outbox/integration/{integration.pk}/change/", data)


def reactivate(integration) -> None:
    integration.refresh_from_db()
    integration.is_active = True
    integration.save()


@pytest.mark.django_db
def test_deactivating_drops_the_undelivered_messages(client, receiver):
    wms = hook(receiver)
    happen((1, "order.created"), (2, "order.held"))
    response = deactivate(client, wms, keep=False)
    assert messages_of(response)[0] == "2 undelivered messages were dropped."
    assert set(OutboxMessage.objects.filter(integration=wms).values_list("note", flat=True)) == {
        DROPPED
    }
    reactivate(wms)
    assert delivery.deliver_due().claimed == 0 and receiver.posts == 0
    page = client.get(f"/admin/outbox/integration/{wms.pk}/change/").content.decode()
    assert "0 delivered, 0 pending, 0 failed, 2 dropped" in page


@pytest.mark.django_db
def test_kept_messages_wait_and_are_sent_in_order_on_reactivation(client, receiver):
    wms = hook(receiver)
    happen((1, "order.created"), (2, "order.held"), (1, "order.held"))
    deactivate(client, wms, keep=True)
    assert delivery.deliver_due().claimed == 0  # skipped while inactive
    assert OutboxMessage.objects.filter(integration=wms).undelivered().count() == 3
    reactivate(wms)
    assert delivery.deliver_due().delivered == 3
    assert receiver.posts == 1
    assert arrivals(receiver, wms) == {1: ["order.created", "order.held"], 2: ["order.held"]}


@pytest.mark.django_db
def test_purge_outbox_deletes_old_settled_messages_of_integrations_only(receiver):
    wms = hook(receiver, event_types=["order.confirmed"])
    happen(*[(n, "order.confirmed") for n in range(5)])  # five webhooks, five e-mails
    delivery.deliver_due()
    old = timezone.now() - timedelta(days=40)
    OutboxMessage.objects.filter(order_id__in=[0, 1, 2]).update(delivered_at=old)
    OutboxMessage.objects.filter(order_id=3, integration=wms).update(delivered_at=None)  # owed
    out = io.StringIO()
    call_command("purge_outbox", "--days", "30", "--batch-size", "2", stdout=out)
    assert out.getvalue().startswith("Deleted 3 delivered or dropped messages older than 30 days")
    remaining = OutboxMessage.objects.filter(integration=wms)
    assert sorted(remaining.values_list("order_id", flat=True)) == [3, 4]
    assert OutboxMessage.objects.filter(channel="email").count() == 5  # the order pages' mails
    with pytest.raises(CommandError, match="--days must be between 0 and 36500"):
        call_command("purge_outbox", "--days", "-1")
    with pytest.raises(CommandError, match="--batch-size must be between 1 and 100000"):
        call_command("purge_outbox", "--batch-size", "0")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_keep_every_order_in_order_while_the_receiver_fails_now_and_then(receiver):
    wms = hook(receiver)
    counter = itertools.count()
    lock = threading.Lock()

    def every_third_fails():
        with lock:
            return 500 if next(counter) % 3 == 0 else 200

    receiver.answer = every_third_fails
    for round_number in range(6):
        happen(*[(n, TYPES[round_number % len(TYPES)]) for n in range(12)])

    def worker():
        while delivery.deliver_due(limit=5).claimed:
            pass

    for _ in range(40):
        race(worker, worker)
        if not OutboxMessage.objects.filter(delivered_at=None).exists():
            break
        come_due()
    assert not OutboxMessage.objects.filter(delivered_at=None).exists()
    expected = [TYPES[r % len(TYPES)] for r in range(6)]
    assert arrivals(receiver, wms) == {n: expected for n in range(12)}


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_claim_reads_through_indexes():
    wms = make_integration("wms", events=TYPES, endpoint_url="https://receiver.example/")
    happen(*[(n % 50, TYPES[n % 4]) for n in range(2000)])
    OutboxMessage.objects.filter(id__lt=OutboxMessage.objects.order_by("id")[1000].pk).update(
        delivered_at=timezone.now()
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE outbox_outboxmessage")
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = claim_plan(cursor, [wms.pk])
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "Seq Scan" not in plan
    assert "outbox_due_idx" in plan and "outbox_unsettled_order_idx" in plan


def claim_plan(cursor, integration_ids: list[int]) -> str:
    query = delivery.claimable(timezone.now(), integration_ids).select_for_update(skip_locked=True)
    sql, params = query[:200].query.sql_with_params()
    cursor.execute(f"EXPLAIN {sql}", params)
    return "\n".join(row[0] for row in cursor.fetchall())
