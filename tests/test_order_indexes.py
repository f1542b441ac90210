"""The orders table's indexes: archiving writes to as few as it can, and the
lists and commands that read by status still find theirs (migration 0012)."""

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Order, OrderStatus

S = OrderStatus


def order_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders_order'"
        )
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_archived_orders_are_left_out_of_the_status_indexes_but_one():
    indexes = order_indexes()
    on_status = {name: d for name, d in indexes.items() if "(status" in d or "status =" in d}
    assert set(on_status) == {
        "order_unfinished_number_idx",
        "order_status_completed_idx",
        "order_cancelled_at_idx",
    }
    for name in ("order_unfinished_number_idx", "order_cancelled_at_idx"):
        condition = on_status[name].split(" WHERE ")[1]
        assert str(S.ARCHIVED) not in condition and str(S.COMPLETED) not in condition, name
    # Twelve in all, nine of which an archived order is written into (were 13 and 12).
    assert len(indexes) == 12


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_status_filters_and_the_commands_selections_use_the_partial_indexes():
    now = timezone.now()
    queries = {
        "order_unfinished_number_idx": Order.objects.filter(status=S.CONFIRMED).order_by("-number"),
        "order_status_completed_idx": Order.objects.filter(
            status=S.COMPLETED, completed_at__lt=now
        ).order_by(),
        "order_cancelled_at_idx": Order.objects.filter(
            status=S.CANCELLED, cancelled_at__lt=now
        ).order_by(),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for index, queryset in queries.items():
            assert index in queryset.explain(), index
