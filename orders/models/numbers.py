"""Human order numbers."""

from __future__ import annotations

from django.db import connection


def next_order_number() -> int:
    """The next human order number.

    PostgreSQL hands them out from a sequence (no lock, no hot row); SQLite, the
    local default, serializes writers anyway, so MAX + 1 is safe there.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval('orders_order_number_seq')")
        else:
            cursor.execute("SELECT COALESCE(MAX(number), 1000) + 1 FROM orders_order")
        return cursor.fetchone()[0]
