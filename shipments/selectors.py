"""Reading shipments and stock without changing them: what can ship now, from where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orders.models import Order, OrderLine
from shipments.models import Stock, Warehouse


@dataclass(frozen=True)
class ProposedLine:
    line: OrderLine
    unshipped: int
    available: int
    quantity: int


@dataclass(frozen=True)
class SplitProposal:
    warehouse: Warehouse
    lines: tuple[ProposedLine, ...]

    @property
    def quantities(self) -> dict[int, int]:
        """What `create_shipment(quantities=...)` takes: line id → units to ship now."""
        return {p.line.pk: p.quantity for p in self.lines if p.quantity}

    @property
    def ships_everything(self) -> bool:
        return all(p.quantity == p.unshipped for p in self.lines)


def propose_split(*, order: Order, warehouse: Warehouse) -> SplitProposal:
    """Per line, the largest quantity `warehouse` can ship now: min(unshipped, available).

    Lines sharing a SKU share its stock, in line order. Reads without locking:
    `create_shipment` checks again under its locks.
    """
    lines = [line for line in order.lines_with_shipped() if line.quantity_unshipped > 0]
    left = available_by_sku(warehouse=warehouse, skus={line.sku for line in lines})
    proposed = []
    for line in lines:
        available = left.get(line.sku, 0)
        quantity = min(line.quantity_unshipped, available)
        left[line.sku] = available - quantity
        proposed.append(ProposedLine(line, line.quantity_unshipped, available, quantity))
    return SplitProposal(warehouse=warehouse, lines=tuple(proposed))


def available_by_sku(*, warehouse: Warehouse, skus: Iterable[str]) -> dict[str, int]:
    rows = Stock.objects.filter(warehouse=warehouse, sku__in=list(skus))
    return {row.sku: row.available for row in rows}
