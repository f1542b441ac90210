"""The maintenance commands: archive_orders, purge_cancelled_orders, cleanup_selections."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.utils import timezone

from backoffice.filters import OrderFilterSet
from backoffice.management.filter_options import DEST_PREFIX
from orders import bulk
from orders.models import DeletedOrder, Order, OrderEvent, OrderLine, OrderStatus, StoreSettings
from tests.factories import OrderFactory
from tests.helpers import race, snapshot

S = OrderStatus
ARCHIVER = "command:archive_orders"


def aged(orders, *, days: int, field: str) -> list[Order]:
    """Move the orders' `field` timestamp `days` into the past (only time, never status)."""
    orders = orders if isinstance(orders, list) else [orders]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        **{field: timezone.now() - timedelta(days=days)}
    )
    return orders


def completed(n=1, *, days=40, **fields) -> list[Order]:
    return aged(
        [OrderFactory(status=S.COMPLETED, **fields) for _ in range(n)],
        days=days,
        field="completed_at",
    )


def run(name: str, *args, **options) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, **options)
    return out.getvalue()


def statuses(orders) -> list[int]:
    return [Order.objects.get(pk=o.pk).status for o in orders]


def archive_events(order) -> list[tuple]:
    return list(
        OrderEvent.objects.filter(order=order, transition="archive").values_list(
            "actor", "user", "from_state", "to_state", "message", "data"
        )
    )


# archive_orders


@pytest.mark.django_db
def test_archive_takes_old_completed_orders_only_and_writes_one_event_each():
    old = completed(3, days=40)
    recent = completed(1, days=5)
    still_open = aged(OrderFactory(status=S.CONFIRMED), days=40, field="placed_at")

    output = run("archive_orders", days=30)

    assert statuses(old) == [S.ARCHIVED] * 3
    assert statuses(recent + still_open) == [S.COMPLETED, S.CONFIRMED]
    for order in old:
        assert archive_events(order) == [(ARCHIVER, None, "4", "5", "Archived.", {})]
        assert Order.objects.get(pk=order.pk).archived_at is not None
    assert "Archived 3 orders older than 30 days" in output


@pytest.mark.django_db
def test_archive_defaults_to_the_store_settings_days():
    StoreSettings.objects.update_or_create(pk=1, defaults={"archive_after_days": 10})
    eleven_days, nine_days = completed(days=11)[0], completed(days=9)[0]

    run("archive_orders")

    assert statuses([eleven_days, nine_days]) == [S.ARCHIVED, S.COMPLETED]


@pytest.mark.django_db
def test_archive_dry_run_changes_nothing():
    orders = completed(3)
    before = [snapshot(o) for o in orders]

    output = run("archive_orders", days=30, dry_run=True)

    assert [snapshot(o) for o in orders] == before
    assert "Would archive 3 orders" in output and "nothing was changed" in output


@pytest.mark.django_db
def test_archive_respects_the_filterset_options():
    us = completed(2, market="US", shipping_country="US")
    eu_se = completed(1, market="EU", shipping_country="SE")
    eu_de = completed(1, market="EU", shipping_country="DE")

    output = run("archive_orders", days=30, market="EU", country="de")

    assert statuses(us + eu_se + eu_de) == [S.COMPLETED, S.COMPLETED, S.COMPLETED, S.ARCHIVED]
    assert "--market=EU, --country=de" in output

    run("archive_orders", "--days=30", "--market=US")  # as cron would pass it
    assert statuses(us) == [S.ARCHIVED, S.ARCHIVED]


@pytest.mark.django_db
def test_archive_range_filter_from_the_filterset():
    long_ago = completed(days=400)
    a_while_ago = completed(days=40)
    cutoff = (timezone.localdate() - timedelta(days=100)).isoformat()

    run("archive_orders", "--days=30", f"--completed-after={cutoff}")

    assert statuses(long_ago + a_while_ago) == [S.COMPLETED, S.ARCHIVED]


@pytest.mark.django_db
def test_archive_rejects_an_invalid_filter_value_and_changes_nothing():
    order = completed()[0]
    before = snapshot(order)

    with pytest.raises(CommandError, match="--completed: Enter a valid date"):
        run("archive_orders", "--days=30", "--completed-after=yesterday")
    assert snapshot(order) == before


@pytest.mark.django_db
def test_second_archive_run_archives_nothing():
    orders = completed(2)
    run("archive_orders", days=30)
    events_after_first = OrderEvent.objects.count()

    output = run("archive_orders", days=30)

    assert "Archived 0 orders" in output
    assert OrderEvent.objects.count() == events_after_first
    assert statuses(orders) == [S.ARCHIVED, S.ARCHIVED]


@pytest.mark.django_db
def test_archive_in_batches_with_a_limit_and_progress(django_assert_max_num_queries):
    orders = completed(30)

    # 3 batches (7 + 7 + 6) of: savepoint, claim, update, insert events, release.
    with django_assert_max_num_queries(3 * 5 + 2):
        output = run("archive_orders", days=30, batch_size=7, limit=20, verbosity=2)

    assert sorted(statuses(orders)).count(S.ARCHIVED) == 20
    assert "Batch 3: archived 6 orders (20 so far" in output
    assert "Archived 20 orders" in output
    assert "Archived 10 orders" in run("archive_orders", days=30, batch_size=7)


@pytest.mark.django_db
def test_archive_failure_is_a_command_error_and_keeps_finished_batches(monkeypatch):
    orders = completed(10)
    real = bulk.transition_batch
    calls = []

    def fail_on_second_batch(claim, guard, **kwargs):
        calls.append(claim)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real(claim, guard, **kwargs)

    monkeypatch.setattr(bulk, "transition_batch", fail_on_second_batch)

    with pytest.raises(CommandError, match=r"Failed after 4 orders archived .*connection lost"):
        run("archive_orders", days=30, batch_size=4)
    assert sorted(statuses(orders)) == [S.COMPLETED] * 6 + [S.ARCHIVED] * 4
    assert OrderEvent.objects.filter(transition="archive").count() == 4


@pytest.mark.parametrize("command", ["archive_orders", "purge_cancelled_orders"])
def test_every_filter_of_the_filterset_is_an_option(command):
    parser = load_command_class("backoffice", command).create_parser("manage.py", command)
    options = {action.dest.removeprefix(DEST_PREFIX) for action in parser._actions}
    for name, filter_ in OrderFilterSet.base_filters.items():
        if name == "status":  # the transition's guard decides the status
            continue
        suffixes = getattr(filter_.field.widget, "suffixes", None) or [None]
        for suffix in suffixes:
            assert (f"{name}_{suffix}" if suffix else name) in options


@pytest.mark.django_db
def test_archive_refuses_to_run_if_the_transition_gains_a_condition(monkeypatch):
    order = completed()[0]
    before = snapshot(order)
    (transition,) = Order.archive._django_fsm.transitions.values()
    monkeypatch.setattr(transition, "conditions", [lambda order: not order.on_hold])

    with pytest.raises(CommandError, match="the transition has conditions"):
        run("archive_orders", days=30)
    assert snapshot(order) == before


@pytest.mark.postgres("SKIP LOCKED between two concurrent runs")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_archive_runs_at_once_archive_each_order_exactly_once():
    orders = completed(60)

    outputs = race(
        lambda: run("archive_orders", days=30, batch_size=5),
        lambda: run("archive_orders", days=30, batch_size=5),
    )

    assert all(isinstance(output, str) for output in outputs), outputs
    counts = [int(output.split("Archived ")[1].split(" ")[0]) for output in outputs]
    assert sum(counts) == 60
    assert statuses(orders) == [S.ARCHIVED] * 60
    for order in orders:
        assert len(archive_events(order)) == 1


# purge_cancelled_orders


def cancelled(n=1, *, days=100, **fields) -> list[Order]:
    return aged(
        [OrderFactory(status=S.CANCELLED, **fields) for _ in range(n)],
        days=days,
        field="cancelled_at",
    )


@pytest.mark.django_db
def test_purge_refuses_without_yes_and_changes_nothing():
    order = cancelled()[0]
    before = snapshot(order)

    with pytest.raises(CommandError, match="permanently deletes cancelled orders: run with"):
        run("purge_cancelled_orders", days=90)
    assert snapshot(order) == before
    assert not DeletedOrder.objects.exists()


def test_a_refusal_exits_non_zero_for_cron():
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "purge_cancelled_orders"], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "CommandError: This permanently deletes cancelled orders" in result.stderr


@pytest.mark.postgres("SKIP LOCKED between two concurrent runs")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_purge_runs_at_once_delete_each_order_once_with_one_tombstone():
    orders = cancelled(30)

    outputs = race(
        lambda: run("purge_cancelled_orders", days=90, yes=True, batch_size=4),
        lambda: run("purge_cancelled_orders", days=90, yes=True, batch_size=4),
    )

    assert all(isinstance(output, str) for output in outputs), outputs
    assert not Order.objects.filter(pk__in=[o.pk for o in orders]).exists()
    tombstones = list(DeletedOrder.objects.values_list("order_id", flat=True))
    assert sorted(tombstones) == sorted(o.pk for o in orders)


@pytest.mark.django_db
def test_purge_dry_run_changes_nothing():
    order = cancelled()[0]
    before = snapshot(order)

    output = run("purge_cancelled_orders", days=90, dry_run=True)

    assert snapshot(order) == before
    assert not DeletedOrder.objects.exists()
    assert "Would delete 1 orders" in output


@pytest.mark.django_db
def test_purge_deletes_old_cancelled_orders_and_leaves_tombstones():
    old = cancelled(2, days=100)
    recent = cancelled(1, days=10)[0]
    old_completed = completed(days=200)[0]

    output = run("purge_cancelled_orders", days=90, yes=True)

    assert not Order.objects.filter(pk__in=[o.pk for o in old]).exists()
    assert not OrderLine.objects.filter(order_id__in=[o.pk for o in old]).exists()
    assert not OrderEvent.objects.filter(order_id__in=[o.pk for o in old]).exists()
    assert statuses([recent, old_completed]) == [S.CANCELLED, S.COMPLETED]
    assert set(
        DeletedOrder.objects.values_list("order_number", "order_id", "actor", "user", "reason")
    ) == {
        (
            o.number,
            o.pk,
            "command:purge_cancelled_orders",
            None,
            "Purged: cancelled more than 90 days ago.",
        )
        for o in old
    }
    assert "Deleted 2 orders older than 90 days" in output
    assert "Deleted 0 orders" in run("purge_cancelled_orders", days=90, yes=True)


@pytest.mark.django_db
def test_purge_defaults_to_the_store_settings_days_and_respects_filters():
    StoreSettings.objects.update_or_create(pk=1, defaults={"purge_cancelled_after_days": 20})
    us, eu = cancelled(days=21, market="US")[0], cancelled(days=21, market="EU")[0]

    run("purge_cancelled_orders", "--yes", "--market=US")

    assert list(DeletedOrder.objects.values_list("order_number", flat=True)) == [us.number]
    assert Order.objects.filter(pk=eu.pk).exists()


# cleanup_selections


def selections(n=1, *, days=40) -> list[Order]:
    return aged([OrderFactory() for _ in range(n)], days=days, field="created_at")


@pytest.mark.django_db
def test_cleanup_deletes_old_selections_only_with_tombstones():
    old = selections(2, days=40)
    recent = selections(1, days=3)[0]
    old_pending = aged(OrderFactory(status=S.PENDING), days=40, field="created_at")[0]

    output = run("cleanup_selections", days=30)

    assert not Order.objects.filter(pk__in=[o.pk for o in old]).exists()
    assert statuses([recent, old_pending]) == [S.INCOMPLETE, S.PENDING]
    assert sorted(DeletedOrder.objects.values_list("order_number", flat=True)) == sorted(
        o.number for o in old
    )
    assert "Deleted 2 selections older than 30 days" in output
    assert "Deleted 0 selections" in run("cleanup_selections", days=30)


@pytest.mark.django_db
def test_cleanup_dry_run_changes_nothing_and_defaults_to_settings():
    StoreSettings.objects.update_or_create(pk=1, defaults={"cleanup_selections_after_days": 5})
    order = selections(days=6)[0]
    before = snapshot(order)

    output = run("cleanup_selections", dry_run=True, verbosity=2)

    assert snapshot(order) == before
    assert "Batch 1: would delete 1 selections" in output
    assert "Would delete 1 selections older than 5 days" in output


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", ["archive_orders", "purge_cancelled_orders", "cleanup_selections"]
)
def test_commands_reject_nonsense_numbers(command):
    confirm = {"yes": True} if command == "purge_cancelled_orders" else {}
    with pytest.raises(CommandError, match="--batch-size must be between 1 and 100000"):
        run(command, days=30, batch_size=0, **confirm)
