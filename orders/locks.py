"""The order lock, where every service that changes an order's world begins.

The one lock order, for every service of every app:

    order → shipment → return → stock rows (by primary key) → payment

Two writers on one order therefore queue on the order row before they touch
anything under it, and two writers on overlapping stock take the rows in the
same order, so they wait for each other instead of deadlocking. A service that
locks out of this order is a bug, however rare the race that shows it.
"""

from __future__ import annotations

from core.errors import DomainError
from orders.models import Order


def lock_order(order_id: int) -> Order:
    """The order row, locked until the transaction ends; a clear error if it is gone."""
    try:
        return Order.objects.select_for_update().get(pk=order_id)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise DomainError(f"Order #{order_id} does not exist (it may have been deleted).") from None
