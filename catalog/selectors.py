"""Reading the catalogue: a market's allocation rule, an item's price and tax."""

from __future__ import annotations

from catalog.models import Market
from shipments.models import Warehouse


def allocation_rule_for(market_code: str) -> list[Warehouse]:
    """The warehouses an order of this market reserves stock from, first choice first;
    empty when the market is unknown or has no rule (stock is then taken when a
    shipment is created)."""
    market = Market.objects.filter(code=market_code).first() if market_code else None
    return market.allocation_rule() if market else []
