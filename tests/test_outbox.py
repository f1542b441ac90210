"""The outbox is written with the change, in its transaction, and only when owed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice import services as backoffice
from orders import bulk, services
from orders.models import HoldKind, Order, OrderEvent, OrderStatus
from outbox.models import OutboxMessage
from tests.factories import FACTORY, OrderFactory
from tests.helpers import snapshot
from tests.integration_support import make_integration

S = OrderStatus
pytestmark = pytest.mark.django_db


def test_the_message_commits_with_its_change_and_is_rolled_back_with_it(monkeypatch):
    erp = make_integration(kind="queue", events=["order.confirmed"])
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    real_record_event = services.record_event

    def record_then_fail(**kwargs):
        real_record_event(**kwargs)
        raise RuntimeError("the database went away after the transition")

    monkeypatch.setattr(services, "record_event", record_then_fail)
    with pytest.raises(RuntimeError):
        services.confirm_order(order_id=order.pk, by=FACTORY)
    assert snapshot(order) == before
    assert not OutboxMessage.objects.exists()

    monkeypatch.undo()
    services.confirm_order(order_id=order.pk, by=FACTORY)
    event = OrderEvent.objects.get(order=order, transition="confirm")
    owed = OutboxMessage.objects.filter(order_event_id=event.pk)
    assert {(m.integration_id, m.channel) for m in owed} == {(erp.pk, "queue"), (None, "email")}
    assert len({m.event_id for m in owed}) == 1  # one event, one id, for every target
    assert {m.order_number for m in owed} == {order.number}


def test_an_event_nobody_subscribes_to_costs_no_query():
    make_integration(kind="queue", events=["shipment.completed"])
    order = OrderFactory(status=S.PENDING)
    with CaptureQueriesContext(connection) as queries:
        services.hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Check")
    assert not any("outbox" in query["sql"] for query in queries.captured_queries)


def test_a_new_subscription_is_seen_at_once_in_the_process_that_saved_it():
    order = OrderFactory(status=S.PENDING)
    services.hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Check")
    assert not OutboxMessage.objects.exists()
    make_integration(kind="queue", events=["order.resumed"])
    services.resume_order(order_id=order.pk, by=FACTORY)
    assert list(OutboxMessage.objects.values_list("event_type", flat=True)) == ["order.resumed"]


def test_an_inactive_integration_is_owed_nothing():
    make_integration(kind="queue", events=["order.held"], is_active=False)
    order = OrderFactory(status=S.PENDING)
    services.hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Check")
    assert not OutboxMessage.objects.exists()


def test_autoconfirm_checkout_is_both_created_and_confirmed(store):
    store.autoconfirm = True
    store.save()
    make_integration(kind="queue", events=["order.created", "order.confirmed"])
    order = OrderFactory()
    backoffice.checkout_order(order_id=order.pk, by=FACTORY)
    queued = OutboxMessage.objects.filter(channel="queue").order_by("id")
    assert [m.event_type for m in queued] == ["order.created", "order.confirmed"]
    assert OutboxMessage.objects.filter(channel="email", event_type="order.confirmed").count() == 1


def test_bulk_archive_writes_one_message_per_order_and_subscriber_in_its_batch():
    erp = make_integration("erp", kind="queue", events=["order.archived"])
    bi = make_integration("bi", kind="queue", events=["order.archived", "order.completed"])
    orders = [OrderFactory(status=S.COMPLETED) for _ in range(3)]
    OutboxMessage.objects.all().delete()

    done = bulk.archive_orders(queryset=Order.objects.all(), by="command:archive_orders")

    assert done == 3
    archived = OutboxMessage.objects.filter(event_type="order.archived")
    assert archived.count() == 6
    events = {
        e.order_id: e.pk for e in OrderEvent.objects.filter(transition="archive", order__in=orders)
    }
    for order in orders:
        rows = archived.filter(order_id=order.pk)
        assert {r.integration_id for r in rows} == {erp.pk, bi.pk}
        assert {r.order_number for r in rows} == {order.number}
        assert {r.order_event_id for r in rows} == {events[order.pk]}
        assert len({r.event_id for r in rows}) == 1
    assert len({r.event_id for r in archived}) == 3


def test_bulk_archive_without_subscribers_writes_no_message():
    OrderFactory(status=S.COMPLETED)
    OutboxMessage.objects.all().delete()
    bulk.archive_orders(queryset=Order.objects.all(), by="command:archive_orders")
    assert not OutboxMessage.objects.exists()


def test_deleted_orders_are_announced_by_the_service_and_the_bulk_path():
    make_integration(kind="queue", events=["order.deleted"])
    one, two, three = (OrderFactory(status=S.CANCELLED) for _ in range(3))
    services.delete_order_permanently(order_id=one.pk, by=FACTORY, reason="Erasure")
    bulk.delete_orders_permanently(
        queryset=Order.objects.filter(pk__in=[two.pk, three.pk]),
        by="command:purge_cancelled_orders",
        reason="Old",
    )
    deleted = OutboxMessage.objects.filter(event_type="order.deleted")
    assert sorted(deleted.values_list("order_number", flat=True)) == sorted(
        [one.number, two.number, three.number]
    )
    assert not Order.objects.exists()
