"""Row locks shared by the services of every app (payments and shipments lock the order first)."""

from __future__ import annotations

from core.errors import DomainError
from orders.models import Order


def lock_order(order_id: int) -> Order:
    """The order row, locked until the transaction ends; a clear error if it is gone."""
    try:
        return Order.objects.select_for_update().get(pk=order_id)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise DomainError(f"Order #{order_id} does not exist (it may have been deleted).") from None
