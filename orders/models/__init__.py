"""The orders app's models; import them from here."""

from orders.models.anonymized import AnonymizedCustomer
from orders.models.choices import (
    ADDRESS_FIELDS,
    OPEN_STATUSES,
    HoldKind,
    OrderOrigin,
    OrderStatus,
)
from orders.models.history import DeletedOrder, OrderEvent
from orders.models.line import OrderLine
from orders.models.numbers import next_order_number
from orders.models.order import Order
from orders.models.store import StoreSettings

__all__ = [
    "ADDRESS_FIELDS",
    "OPEN_STATUSES",
    "AnonymizedCustomer",
    "DeletedOrder",
    "HoldKind",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderOrigin",
    "OrderStatus",
    "StoreSettings",
    "next_order_number",
]
