"""Stock reserved for an order from the moment it is placed (`Allocation` rows).

An order whose market has an allocation rule reserves every unit at checkout,
from the rule's warehouses in priority order, so two buyers never both get the
last unit. From then on each line holds what it still needs (its active units in
no shipment): a shipment consumes the line's reservation in its warehouse,
cancelling units releases it, a deleted shipment's units are reserved again.
`Stock.allocated` counts every unit once, reserved or in an open shipment.

Orders without a rule never get a row, and keep the older behaviour: stock is
allocated when a shipment is created. Callers hold the order lock; stock rows
are locked in primary-key order in one statement (`lock_stock_at`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError
from core.fsm import ensure_allowed
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderLine
from shipments.models import Allocation, Shipment, Stock, Warehouse
from shipments.services.stock import active_warehouse, allocate, allocate_locked, units_of

StockKey = tuple[int, str]  # (warehouse id, SKU)


def lock_stock_at(keys: set[StockKey]) -> dict[StockKey, Stock]:
    """The stock rows at these (warehouse, SKU) places, locked in primary-key order."""
    where = Q(pk__in=[])
    by_warehouse: dict[int, set[str]] = defaultdict(set)
    for warehouse_id, sku in keys:
        by_warehouse[warehouse_id].add(sku)
    for warehouse_id, skus in by_warehouse.items():
        where |= Q(warehouse_id=warehouse_id, sku__in=list(skus))
    rows = Stock.objects.select_for_update().filter(where).order_by("pk")
    return {(row.warehouse_id, row.sku): row for row in rows}


def reserves_at_placement(order: Order) -> bool:
    return Allocation.objects.filter(order_line__order=order).exists()


def held_rows(order: Order) -> list[Allocation]:
    """The order's reservations, first choice first (rows are made in priority order)."""
    return list(
        Allocation.objects.filter(order_line__order=order)
        .select_related("order_line", "warehouse")
        .order_by("pk")
    )


def reserve(*, order: Order, warehouses: Sequence[Warehouse]) -> None:
    """Bring every line's reservation to what it still needs, from `warehouses` in order.

    Releases what a line holds beyond its need (the last choice first) and reserves
    what it lacks; refused with one sentence, changing nothing, when the warehouses
    hold too few (no backorders).
    """
    lines = list(order.lines_with_shipped())
    held = held_rows(order)
    keys = {(row.warehouse_id, row.order_line.sku) for row in held}
    keys |= {(warehouse.pk, line.sku) for warehouse in warehouses for line in lines}
    stock = lock_stock_at(keys)
    rows = {(row.order_line_id, row.warehouse_id): row for row in held}
    need = {line.pk: line.quantity_unshipped for line in lines}
    _release_beyond_need(held, need, stock)
    _refuse_short(lines, held, need, warehouses, stock)
    for line in lines:
        _reserve_missing(line, need[line.pk] - _holding(held, line.pk), warehouses, stock, rows)
    _save(stock, rows.values())


def _reserve_missing(line, missing: int, warehouses, stock, rows) -> None:
    """Take the line's missing units from the warehouses, first choice first."""
    for warehouse in warehouses:
        row = stock.get((warehouse.pk, line.sku))
        taken = min(missing, row.available) if row else 0
        if taken > 0:
            row.allocated += taken
            allocation = rows.setdefault(
                (line.pk, warehouse.pk), Allocation(order_line=line, warehouse=warehouse)
            )
            allocation.quantity += taken
            missing -= taken


def _holding(held: list[Allocation], line_id: int) -> int:
    return sum(row.quantity for row in held if row.order_line_id == line_id)


def _refuse_short(lines, held, need, warehouses, stock) -> None:
    missing: Counter[str] = Counter()
    for line in lines:
        missing[line.sku] += max(0, need[line.pk] - _holding(held, line.pk))
    for sku, units in missing.items():
        in_stock = sum(
            stock[warehouse.pk, sku].available
            for warehouse in warehouses
            if (warehouse.pk, sku) in stock
        )
        if units > in_stock:
            raise DomainError(
                _("Only %(in_stock)s of %(sku)s are in stock, not the %(units)s wanted.")
                % {"in_stock": in_stock, "sku": sku, "units": units}
            )


def _release_beyond_need(
    held: list[Allocation], need: Mapping[int, int], stock: dict[StockKey, Stock]
) -> None:
    for row in reversed(held):  # the last choice gives back first
        excess = _holding(held, row.order_line_id) - need.get(row.order_line_id, 0)
        released = min(excess, row.quantity)
        if released > 0:
            row.quantity -= released
            stock[row.warehouse_id, row.order_line.sku].allocated -= released


def _save(stock: dict[StockKey, Stock], allocations) -> None:
    for row in stock.values():
        row.save(update_fields=["allocated"])
    for allocation in allocations:
        allocation.save()


def release_reservation(order: Order, *, forget: bool = False) -> None:
    """Give back every unit the order holds; with `forget`, as if it never reserved
    (a checkout that did not go through)."""
    held = held_rows(order)
    stock = lock_stock_at({(row.warehouse_id, row.order_line.sku) for row in held})
    for row in held:
        stock[row.warehouse_id, row.order_line.sku].allocated -= row.quantity
        row.quantity = 0
    _save(stock, [] if forget else held)
    if forget:
        Allocation.objects.filter(pk__in=[row.pk for row in held]).delete()


def allocate_for_shipment(
    order: Order, warehouse: Warehouse, wanted: Mapping[OrderLine, int]
) -> None:
    """Stock for a new shipment: the lines' reservations in its warehouse first, the
    rest allocated now; what the lines then hold elsewhere beyond their need is
    released (the units ship from here instead)."""
    held = [row for row in held_rows(order) if row.quantity]
    if not held:
        allocate(warehouse, wanted)
        return
    here = {row.order_line_id: row for row in held if row.warehouse_id == warehouse.pk}
    fresh: dict[OrderLine, int] = {}
    for line, quantity in wanted.items():
        row = here.get(line.pk)
        consumed = min(quantity, row.quantity) if row else 0
        if consumed:
            row.quantity -= consumed
        if quantity - consumed:
            fresh[line] = quantity - consumed
    # One statement locks every row this touches, in primary-key order.
    units = units_of(fresh)
    stock = lock_stock_at(
        {(warehouse.pk, sku) for sku in units}
        | {(row.warehouse_id, row.order_line.sku) for row in held}
    )
    rows_here = {
        sku: row for (warehouse_id, sku), row in stock.items() if warehouse_id == warehouse.pk
    }
    allocate_locked(warehouse, rows_here, units)
    # `wanted`'s lines were read before the shipment: their need drops by its units.
    need = {line.pk: line.quantity_unshipped - quantity for line, quantity in wanted.items()}
    _release_beyond_need([row for row in held if row.order_line_id in need], need, stock)
    _save(stock, held)


def reserve_shipment_units(shipment: Shipment) -> None:
    """A deleted shipment's units stay counted, as its order's reservation again."""
    for line_id, quantity in shipment.lines.values_list("order_line_id", "quantity"):
        row, _created = Allocation.objects.get_or_create(
            order_line_id=line_id, warehouse_id=shipment.warehouse_id
        )
        row.quantity += quantity
        row.save(update_fields=["quantity"])


def move_reservation(
    *, order_id: int, allocation_id: int, to_warehouse_id: int, quantity: int, by: Actor
) -> Allocation:
    """Move `quantity` reserved units of a line to another warehouse, which must have
    them available: staff ship from where the rule did not reserve, or free a
    warehouse's stock for another order. Taken where a shipment could be created.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        ensure_allowed(order.start_processing, by=by)
        source = _held_row(order, allocation_id)
        target = active_warehouse(to_warehouse_id)
        sku = source.order_line.sku
        if target.pk == source.warehouse_id:
            raise DomainError(
                _("The units of %(sku)s are reserved in %(warehouse)s already.")
                % {"sku": sku, "warehouse": target}
            )
        if isinstance(quantity, bool) or not 1 <= quantity <= source.quantity:
            raise DomainError(
                _("Move 1 to %(most)s units of %(sku)s: that is what %(warehouse)s holds.")
                % {"most": source.quantity, "sku": sku, "warehouse": source.warehouse}
            )
        stock = lock_stock_at({(source.warehouse_id, sku), (target.pk, sku)})
        there = stock.get((target.pk, sku))
        available = there.available if there else 0
        if quantity > available:
            raise DomainError(
                _(
                    "Only %(available)s of %(sku)s are available in %(warehouse)s, "
                    "not the %(quantity)s to move."
                )
                % {"available": available, "sku": sku, "warehouse": target, "quantity": quantity}
            )
        stock[source.warehouse_id, sku].allocated -= quantity
        there.allocated += quantity
        source.quantity -= quantity
        moved, _created = Allocation.objects.get_or_create(
            order_line=source.order_line, warehouse=target
        )
        moved.quantity += quantity
        _save(stock, [source, moved])
        record_event(
            order=order,
            by=by,
            transition="move_reservation",
            # Where an order's units wait is the warehouses' business; integrations
            # hear of stock when a shipment is made.
            publishes=None,
            message=(
                _("Moved the reservation of %(quantity)s × %(sku)s from %(source)s to %(target)s.")
                % {"quantity": quantity, "sku": sku, "source": source.warehouse, "target": target}
            ),
            data={"sku": sku, "quantity": quantity, "from": source.warehouse_id, "to": target.pk},
        )
    return moved


def _held_row(order: Order, allocation_id: int) -> Allocation:
    row = (
        Allocation.objects.filter(pk=allocation_id, order_line__order=order, quantity__gt=0)
        .select_related("order_line", "warehouse")
        .first()
    )
    if row is None:
        raise DomainError(
            _("%(order)s holds no such reservation: the page is out of date, reload it.")
            % {"order": order}
        )
    return row
