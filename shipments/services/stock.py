"""Stock services: allocating, releasing and counting units per warehouse and SKU.

Stock rows are always locked in primary-key order (`lock_stock`), in the one
lock order of `orders.locks`, so `available` cannot change between a check and
the allocation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError
from orders.models import OrderLine
from shipments.models import Shipment, Stock, Warehouse


def lock_stock(warehouse_id: int, skus: Iterable[str]) -> dict[str, Stock]:
    """The warehouse's stock rows for these SKUs, locked in primary-key order."""
    rows = Stock.objects.select_for_update().filter(warehouse_id=warehouse_id, sku__in=list(skus))
    return {row.sku: row for row in rows.order_by("pk")}


def units_by_sku(shipment: Shipment) -> Counter[str]:
    units: Counter[str] = Counter()
    for sku, quantity in shipment.lines.values_list("order_line__sku", "quantity"):
        units[sku] += quantity
    return units


def release_stock(shipment: Shipment, *, consume: bool = False) -> None:
    """Give back (or, on completion, consume) what the shipment allocated."""
    units = units_by_sku(shipment)
    stock = lock_stock(shipment.warehouse_id, units)
    for sku, quantity in units.items():
        row = stock[sku]
        row.allocated -= quantity
        if consume:
            row.on_hand -= quantity
        row.save(update_fields=["allocated", "on_hand"])


def allocate(warehouse: Warehouse, wanted: Mapping[OrderLine, int]) -> None:
    units = units_of(wanted)
    allocate_locked(warehouse, lock_stock(warehouse.pk, units), units)


def units_of(wanted: Mapping[OrderLine, int]) -> Counter[str]:
    units: Counter[str] = Counter()
    for line, quantity in wanted.items():
        units[line.sku] += quantity
    return units


def allocate_locked(warehouse: Warehouse, stock: Mapping[str, Stock], units: Counter[str]) -> None:
    """Allocate `units` per SKU on the warehouse's locked rows, or refuse and change nothing."""
    for sku, quantity in units.items():
        available = stock[sku].available if sku in stock else 0
        if quantity > available:
            raise DomainError(
                _(
                    "%(warehouse)s has %(available)s of %(sku)s available, "
                    "not the %(quantity)s asked for."
                )
                % {"warehouse": warehouse, "available": available, "sku": sku, "quantity": quantity}
            )
    for sku, quantity in units.items():
        row = stock[sku]
        row.allocated += quantity
        row.save(update_fields=["allocated"])


def active_warehouse(warehouse_id: int) -> Warehouse:
    try:
        warehouse = Warehouse.objects.get(pk=warehouse_id)
    except (Warehouse.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("Warehouse #%(id)s does not exist.") % {"id": warehouse_id}) from None
    if not warehouse.is_active:
        raise DomainError(_("Warehouse %(warehouse)s is not active.") % {"warehouse": warehouse})
    return warehouse


def _lock_stock_row(stock_id: int) -> Stock:
    try:
        return Stock.objects.select_for_update().select_related("warehouse").get(pk=stock_id)
    except (Stock.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("That stock row does not exist (it may have been deleted).")) from None


def _refuse_below_allocated(stock: Stock, on_hand: int) -> None:
    if on_hand < stock.allocated:
        raise DomainError(
            _(
                "%(sku)s in %(warehouse)s has %(allocated)s units allocated to "
                "shipments and orders: on hand cannot go below that."
            )
            % {"sku": stock.sku, "warehouse": stock.warehouse, "allocated": stock.allocated}
        )


def set_stock_on_hand(*, stock_id: int, on_hand: int, by: Actor) -> Stock:
    """A stock count: set what is on the shelf, never below what shipments hold."""
    if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
        raise DomainError(_("On hand must be a whole number, zero or more."))
    with transaction.atomic():
        stock = _lock_stock_row(stock_id)
        _refuse_below_allocated(stock, on_hand)
        stock.on_hand = on_hand
        # Only this column: `allocated` belongs to the shipment services.
        stock.save(update_fields=["on_hand"])
    return stock


def remove_stock(*, stock_id: int, by: Actor) -> None:
    """Forget a SKU in a warehouse; refused while shipments hold any of it."""
    with transaction.atomic():
        stock = _lock_stock_row(stock_id)
        _refuse_below_allocated(stock, 0)
        stock.delete()


def receive_stock(*, warehouse_id: int, sku: str, quantity: int) -> Stock:
    """Add `quantity` units of `sku` to a warehouse's stock (a delivery)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise DomainError(_("The quantity received must be a whole number above zero."))
    warehouse = active_warehouse(warehouse_id)
    with transaction.atomic():
        Stock.objects.get_or_create(warehouse=warehouse, sku=sku)
        row = lock_stock(warehouse.pk, [sku])[sku]
        row.on_hand += quantity
        row.save(update_fields=["on_hand"])
    return row


def put_back(warehouse_id: int, units: Mapping[str, int]) -> None:
    """Returned goods back on the shelf: on hand + units per SKU, rows made if missing.

    For a caller holding the order lock in its transaction (a return completed);
    the rows are locked in primary-key order like every other stock change.
    """
    for sku in units:
        Stock.objects.get_or_create(warehouse_id=warehouse_id, sku=sku)
    stock = lock_stock(warehouse_id, units)
    for sku, quantity in units.items():
        row = stock[sku]
        row.on_hand += quantity
        row.save(update_fields=["on_hand"])


def take_back(warehouse_id: int, units: Mapping[str, int]) -> None:
    """Undo `put_back`: refused, changing nothing, where shipments hold what would go.

    For a caller holding the order lock in its transaction (a return uncompleted).
    """
    stock = lock_stock(warehouse_id, units)
    for sku, quantity in units.items():
        row = stock.get(sku)
        if row is None or row.on_hand - quantity < row.allocated:
            on_hand, allocated = (row.on_hand, row.allocated) if row else (0, 0)
            warehouse = row.warehouse if row else Warehouse.objects.get(pk=warehouse_id)
            raise DomainError(
                _(
                    "%(sku)s in %(warehouse)s has %(on_hand)s on hand and %(allocated)s "
                    "allocated to shipments and orders: taking %(quantity)s back out would "
                    "leave too few."
                )
                % {
                    "sku": sku,
                    "warehouse": warehouse,
                    "on_hand": on_hand,
                    "allocated": allocated,
                    "quantity": quantity,
                }
            )
    for sku, quantity in units.items():
        row = stock[sku]
        row.on_hand -= quantity
        row.save(update_fields=["on_hand"])
