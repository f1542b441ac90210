"""The order lock, where every service that changes an order's world begins.

The one lock order, for every service of every app:

    order → shipment → return → stock rows (by primary key) → payment

Two writers on one order therefore queue on the order row before they touch
anything under it, and two writers on overlapping stock take the rows in the
same order, so they wait for each other instead of deadlocking. A service that
locks out of this order is a bug, however rare the race that shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from core.errors import DomainError
from orders.models import Order

Row = TypeVar("Row", bound=models.Model)


def lock_order(order_id: int) -> Order:
    """The order row, locked until the transaction ends; a clear error if it is gone."""
    try:
        return Order.objects.select_for_update().get(pk=order_id)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise DomainError(
            _("Order #%(id)s does not exist (it may have been deleted).") % {"id": order_id}
        ) from None


def lock_with_order(
    rows: models.QuerySet[Row],
    *,
    gone: str | Callable[[Order], str],
    pk: object = None,
    order_id: int | None = None,
) -> Row:
    """Lock a row that belongs to an order the one way: the order first, then the row.

    The row is the one of `rows` with primary key `pk` (its order is looked up
    first, without a lock), or the one row of order `order_id` (a payment). It
    comes back with the locked order as `row.order`. `gone` is the sentence when
    the row does not exist; with `order_id` it may be a function of the locked
    order, to name it ("Order 1042 has no payment.").
    """
    if order_id is None:
        order_id = _order_id_of(rows, pk, gone=str(gone))
    order = lock_order(order_id)
    locked = rows.select_for_update().filter(order=order)
    row = (locked if pk is None else locked.filter(pk=pk)).first()
    if row is None:
        raise DomainError(gone(order) if callable(gone) else gone)
    row.order = order
    return row


def _order_id_of(rows: models.QuerySet, pk: object, *, gone: str) -> int:
    try:
        order_id = rows.filter(pk=pk).values_list("order_id", flat=True).first()
    except (ValueError, TypeError):
        order_id = None
    if order_id is None:
        raise DomainError(gone)
    return order_id
