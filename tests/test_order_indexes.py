"""The orders and events tables' indexes: archiving writes to as few as it can,
and the lists and commands that read by status still find theirs (orders
migrations 0013, 0014 and 0025)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderStatus

S = OrderStatus


def indexes_of(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


@pytest.mark.postgres("its partial indexes, read from pg_indexes")
@pytest.mark.django_db
def test_postgres_archived_orders_are_left_out_of_the_status_indexes_but_two():
    indexes = indexes_of("orders_order")
    on_status = {name: d for name, d in indexes.items() if "(status" in d or "status =" in d}
    assert set(on_status) == {
        "order_status_number_idx",
        "order_status_completed_idx",
        "order_cancelled_at_idx",
        "order_visible_number_idx",
        "order_visible_name_trgm_idx",
        "order_visible_placed_idx",
    }
    # The status filter's index holds every status: the Completed and Archived
    # lists read their first page from it, not from a walk of the number index.
    assert " WHERE " not in on_status["order_status_number_idx"]
    condition = on_status["order_cancelled_at_idx"].split(" WHERE ")[1]
    assert str(S.ARCHIVED) not in condition and str(S.COMPLETED) not in condition
    # The searches' indexes hold every order but the archived ones.
    for name in (
        "order_visible_number_idx",
        "order_visible_name_trgm_idx",
        "order_visible_placed_idx",
    ):
        visible = on_status[name].split(" WHERE ")[1]
        assert visible == f"(NOT (status = {S.ARCHIVED}))", name
    # Seventeen in all, ten of which an archived storefront order is written into (the two of
    # staff-made orders, origin and related order, hold only the few they made).
    assert len(indexes) == 17


def many_orders_in_the_statuses_archiving_leaves() -> None:
    """A few thousand orders, analyzed: the planner then weighs the indexes by
    real statistics, not by what earlier tests left in the catalog."""
    now = timezone.now()

    def order(i: int) -> Order:
        # As on a live store: few orders open, most completed, some cancelled.
        if i % 100 == 0:
            return Order(number=1_000_000 + i, status=S.CONFIRMED)
        if i % 3 == 0:
            return Order(number=1_000_000 + i, status=S.CANCELLED, cancelled_at=now - timedelta(i))
        return Order(number=1_000_000 + i, status=S.COMPLETED, completed_at=now - timedelta(i))

    Order.objects.bulk_create(order(i) for i in range(3000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")


@pytest.mark.postgres("query plans over its partial indexes")
@pytest.mark.django_db
def test_postgres_status_filters_and_the_commands_selections_use_the_partial_indexes():
    many_orders_in_the_statuses_archiving_leaves()
    now = timezone.now()
    queries = {
        # The list's first page of a status filter.
        "order_status_number_idx": Order.objects.filter(status=S.CONFIRMED).order_by("-number")[
            :100
        ],
        "order_status_completed_idx": Order.objects.filter(
            status=S.COMPLETED, completed_at__lt=now - timedelta(days=2900)
        ).order_by(),
        "order_cancelled_at_idx": Order.objects.filter(
            status=S.CANCELLED, cancelled_at__lt=now - timedelta(days=2900)
        ).order_by(),
    }
    with connection.cursor() as cursor:
        # Plain index scans only: a bitmap scan of any index on the status,
        # sorted afterwards, costs the same on a table this small.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for index, queryset in queries.items():
            assert index in queryset.explain(), index


@pytest.mark.postgres("its indexes, read from pg_indexes")
@pytest.mark.django_db
def test_postgres_an_archived_orders_event_is_written_into_two_indexes():
    """Every read of events is by order; the user's index holds staff events only
    (a command's or the system's have no user), for SET_NULL when a user goes."""
    indexes = indexes_of("orders_orderevent")
    assert set(indexes) == {"orders_orderevent_pkey", "event_order_time_idx", "event_user_idx"}
    assert indexes["event_user_idx"].endswith("WHERE (user_id IS NOT NULL)")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # What deleting a user runs (Django's collector, on_delete=SET_NULL).
        assert "event_user_idx" in OrderEvent.objects.filter(user_id__in=[1, 2]).explain()
