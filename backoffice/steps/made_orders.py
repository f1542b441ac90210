"""What the steps that make an order of an earlier one's (an exchange, a resend)
share: the new order is priced from the catalogue, in the earlier order's market."""

from __future__ import annotations

from catalog.selectors import market_of
from core.errors import DomainError
from orders.models import Order

# Kept on the order read for one page: its returns and shipments share it, so the
# order page asks the catalogue once, however many of them it lists.
CACHED = "_made_orders_market_refusal"


def market_refusal(order: Order) -> str | None:
    """Why no order can be priced for `order`'s customer: its market is not in the
    catalogue (an order imported before the catalogue, or of a market since removed)."""
    if not hasattr(order, CACHED):
        try:
            market_of(order.market)
        except DomainError as error:
            setattr(order, CACHED, str(error))
        else:
            setattr(order, CACHED, None)
    return getattr(order, CACHED)
