"""Reading shipments and stock without changing them: what can ship now, from where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from orders.models import Order, OrderLine
from shipments.models import Allocation, ShipmentLine, Stock, Warehouse


def lines_with_order_lines() -> QuerySet[ShipmentLine]:
    """Shipment lines with their order lines, to prefetch under shipments: within a
    shipment in the order lines' order, as the model orders them, without the joins
    its ordering (shipment, then its order's number) adds only to sort."""
    return ShipmentLine.objects.select_related("order_line").order_by(
        "shipment_id", "order_line_id"
    )


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
    # What the order reserved in the warehouse at placement is its own to ship.
    for sku, quantity in held_by_sku(order, warehouse).items():
        left[sku] = left.get(sku, 0) + quantity
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


def held_by_sku(order: Order, warehouse: Warehouse) -> Counter[str]:
    """What the order reserved in the warehouse and holds still, per SKU."""
    held: Counter[str] = Counter()
    rows = Allocation.objects.filter(order_line__order=order, warehouse=warehouse, quantity__gt=0)
    for sku, quantity in rows.values_list("order_line__sku", "quantity"):
        held[sku] += quantity
    return held


def reserved_by_line(order: Order) -> dict[int, list[tuple[Warehouse, int]]]:
    """Per order line, where its units are reserved since placement (first choice
    first); empty when the order does not reserve at placement."""
    reserved: dict[int, list[tuple[Warehouse, int]]] = {}
    rows = Allocation.objects.filter(order_line__order=order).select_related("warehouse")
    for row in rows.order_by("pk"):
        reserved.setdefault(row.order_line_id, [])
        if row.quantity:
            reserved[row.order_line_id].append((row.warehouse, row.quantity))
    return reserved
