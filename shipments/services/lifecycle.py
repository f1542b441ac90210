"""Shipment lifecycle: create (expedite, split), good-to-go, complete, delete.

Every service takes the locks in the order `shipments.services.common` sets out,
runs the model's transition (state, conditions, permission), saves, and writes
one `OrderEvent` (subject "shipment", ref "1042-1") in the same transaction;
when the step moves the order too, the order's transition writes its own event.
Under the order lock the quantities already in shipments cannot change, which is
what keeps a line from being shipped twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.actors import Actor, process
from core.errors import DomainError
from core.fsm import ensure_allowed, ensure_permitted, run_transition, state_refusal
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderEvent, OrderLine
from orders.services import complete_when_fully_shipped
from outbox.event_types import EventType
from payments import services as payments
from payments.errors import unless_declined
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Warehouse
from shipments.selectors import propose_split
from shipments.services.allocation import (
    allocate_for_shipment,
    held_rows,
    lock_stock_at,
    reserve_shipment_units,
    reserves_at_placement,
)
from shipments.services.common import (
    SHIPMENT,
    lock_shipment,
    move_order,
    record_order_move,
    record_shipment_event,
)
from shipments.services.paying import pay_shipment
from shipments.services.stock import active_warehouse, lock_stock, release_stock, units_by_sku

# Deleting the shipments of an order being cancelled is part of the cancel,
# under the cancel's permission.
FOR_CANCEL = process("system", "cancel_order")


def create_shipment(
    *, order_id: int, warehouse_id: int, quantities: Mapping[int, int], by: Actor
) -> Shipment:
    """A shipment of `quantities` (order line id → units) from a warehouse; allocates stock.

    The order's first shipment moves it from Confirmed to Processing.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        return create_shipment_under_lock(
            order=order, warehouse=active_warehouse(warehouse_id), quantities=quantities, by=by
        )


def expedite_order(*, order_id: int, by: Actor) -> Shipment:
    """One shipment of everything available now, from the warehouse that can ship
    the most of it (the first by priority on a tie).

    The order is locked before anything is read, so its unshipped quantities
    cannot change; the chosen warehouse's stock rows are locked before its
    proposal is taken again, so the shipment holds what was proposed.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        ensure_allowed(order.start_processing, by=by)
        warehouse = _warehouse_shipping_most(order)
        quantities = _proposal_under_lock(order, warehouse) if warehouse else {}
        if not quantities:
            raise DomainError(
                _("%(order)s has nothing available to ship in any warehouse.") % {"order": order}
            )
        return create_shipment_under_lock(
            order=order, warehouse=warehouse, quantities=quantities, by=by
        )


def _warehouse_shipping_most(order: Order) -> Warehouse | None:
    """The active warehouse that can ship the most units of the order now, if any can."""
    best, best_units = None, 0
    for warehouse in Warehouse.objects.filter(is_active=True):
        units = sum(propose_split(order=order, warehouse=warehouse).quantities.values())
        if units > best_units:
            best, best_units = warehouse, units
    return best


def _proposal_under_lock(order: Order, warehouse: Warehouse) -> dict[int, int]:
    """The warehouse's proposal taken again with its stock rows locked (line id → units)."""
    lock_stock(warehouse.pk, order.lines.values_list("sku", flat=True))
    return propose_split(order=order, warehouse=warehouse).quantities


def create_shipment_under_lock(
    *, order: Order, warehouse: Warehouse, quantities: Mapping[int, int], by: Actor
) -> Shipment:
    """Create it under the order lock the caller holds."""
    from_status = order.status
    run_transition(order.start_processing, by=by)
    wanted = _checked_quantities(order, quantities)
    allocate_for_shipment(order, warehouse, wanted)

    shipment = Shipment.objects.create(
        order=order, sequence=_next_sequence(order), warehouse=warehouse
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=quantity)
        for line, quantity in wanted.items()
    )
    units = ", ".join(f"{quantity} × {line.sku}" for line, quantity in wanted.items())
    record_shipment_event(
        shipment,
        by=by,
        transition="create",
        publishes=EventType.SHIPMENT_CREATED,
        from_state="",
        message=_("Shipment %(ref)s created from %(warehouse)s: %(units)s.")
        % {"ref": shipment.ref, "warehouse": warehouse, "units": units},
        warehouse=warehouse.name,
        lines={str(line.pk): quantity for line, quantity in wanted.items()},
    )
    if order.status != from_status:
        order.save()
        record_event(
            order=order,
            by=by,
            transition="start_processing",
            publishes=None,  # "shipment.created" says it
            from_state=from_status,
            to_state=order.status,
            message=_("Processing: shipment %(ref)s created.") % {"ref": shipment.ref},
            data={"shipment": shipment.ref},
        )
    return shipment


def _checked_quantities(order: Order, quantities: Mapping[int, int]) -> dict[OrderLine, int]:
    """The positive quantities asked for, each within what its line has left to ship.

    Runs under the order lock: no other shipment of this order can appear
    between this check and the insert.
    """
    if not isinstance(quantities, Mapping):
        raise DomainError(_("Give the quantity to ship for each line."))
    lines = {line.pk: line for line in order.lines_with_shipped()}
    wanted: dict[OrderLine, int] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            raise DomainError(
                _("Line #%(id)s is not a line of %(order)s.") % {"id": line_id, "order": order}
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise DomainError(
                _("The quantity for %(sku)s must be a whole number.") % {"sku": line.sku}
            )
        if quantity < 0:
            raise DomainError(_("The quantity for %(sku)s cannot be negative.") % {"sku": line.sku})
        if quantity > line.quantity_unshipped:
            raise DomainError(
                _("Only %(left)s of %(sku)s are left to ship in %(order)s, not %(quantity)s.")
                % {
                    "left": line.quantity_unshipped,
                    "sku": line.sku,
                    "order": order,
                    "quantity": quantity,
                }
            )
        if quantity:
            wanted[line] = quantity
    if not wanted:
        raise DomainError(_("Choose at least one unit to ship."))
    return wanted


def _next_sequence(order: Order) -> int:
    # Numbers are never reused, even after a deletion, so "1042-2" in the event
    # log, the payment ledger or an email always means one shipment. Each
    # creation writes exactly one "create" event, under the order lock.
    created = OrderEvent.objects.filter(order=order, subject=SHIPMENT, transition="create")
    return created.count() + 1


def _step(*, shipment_id: int, by: Actor, action: str, publishes: str, message: str) -> Shipment:
    """Lock, transition, save, record: the body of every simple shipment step."""
    _order, shipment = lock_shipment(shipment_id)
    from_state, _to_state = run_transition(getattr(shipment, action), by=by)
    shipment.save()
    record_shipment_event(
        shipment,
        by=by,
        transition=action,
        publishes=publishes,
        from_state=from_state,
        message=message % {"ref": shipment.ref},
    )
    return shipment


def mark_good_to_go(*, shipment_id: int, by: Actor) -> Shipment:
    """Packed and ready to go."""
    with transaction.atomic():
        shipment = _step(
            shipment_id=shipment_id,
            by=by,
            action="good_to_go",
            publishes=EventType.SHIPMENT_GOOD_TO_GO,
            message=_("Shipment %(ref)s is good-to-go."),
        )
    return shipment


def mark_not_good_to_go(*, shipment_id: int, by: Actor) -> Shipment:
    with transaction.atomic():
        shipment = _step(
            shipment_id=shipment_id,
            by=by,
            action="not_good_to_go",
            publishes=EventType.SHIPMENT_UPDATED,
            message=_("Shipment %(ref)s is no longer good-to-go."),
        )
    return shipment


def complete_shipment(
    *,
    shipment_id: int,
    tracking_number: str,
    carrier: str,
    shipped_date: date | None = None,
    by: Actor,
) -> Shipment:
    """Ship it: record tracking, consume its stock; capture first if it is not paid yet.

    Completing the order's last open shipment completes the order when every
    line is shipped or cancelled. A declined capture leaves it Good-to-go.
    """
    tracking_number, carrier = tracking_number.strip(), carrier.strip()
    shipped_date = shipped_date or timezone.localdate()
    if not tracking_number:
        raise DomainError(_("Give the tracking number."))
    if not carrier:
        raise DomainError(_("Give the carrier."))
    if shipped_date > timezone.localdate():
        raise DomainError(_("The shipped date cannot be in the future."))
    with transaction.atomic():
        order, shipment = lock_shipment(shipment_id)
        placed = timezone.localdate(order.placed_at) if order.placed_at else None
        if placed and shipped_date < placed:
            raise DomainError(
                _("The shipped date cannot be before %(order)s was placed (%(placed)s).")
                % {"order": order, "placed": f"{placed:%Y-%m-%d}"}
            )
        declined = waiting = None
        if shipment.status == ShipmentStatus.GOOD_TO_GO:
            # Know before the money moves that the completion is theirs to do.
            ensure_permitted(shipment.complete, by=by)
            declined = unless_declined(lambda: pay_shipment(order, shipment, by=by, manually=False))
            waiting = waits_for_capture(shipment)
        if not declined and not waiting:
            _complete(order, shipment, by=by, tracking=(tracking_number, carrier, shipped_date))
    # After the block, so the capture request it made is kept (as a decline's row is).
    if declined or waiting:
        raise declined or waiting
    return shipment


def waits_for_capture(shipment: Shipment) -> DomainError | None:
    """A capture just requested that the store will not complete on: say so, keep it."""
    if shipment.status != ShipmentStatus.CAPTURE_REQUESTED:
        return None
    if state_refusal(shipment.complete) is None:
        return None
    return DomainError(
        _(
            "Shipment %(ref)s was not completed: its capture is requested and it "
            "completes once the payment provider confirms it."
        )
        % {"ref": shipment.ref}
    )


def _complete(order: Order, shipment: Shipment, *, by: Actor, tracking) -> None:
    tracking_number, carrier, shipped_date = tracking
    from_state, _to_state = run_transition(
        shipment.complete,
        by=by,
        tracking_number=tracking_number,
        carrier=carrier,
        shipped_date=shipped_date,
    )
    release_stock(shipment, consume=True)
    shipment.save()
    record_shipment_event(
        shipment,
        by=by,
        transition="complete",
        publishes=EventType.SHIPMENT_COMPLETED,
        from_state=from_state,
        message=(
            # The site's one date format ("7 Dec 2026"), as the timeline shows dates.
            _(
                "Shipment %(ref)s completed: shipped %(date)s with %(carrier)s, "
                "tracking %(tracking)s."
            )
            % {
                "ref": shipment.ref,
                "date": date_format(shipped_date),
                "carrier": carrier,
                "tracking": tracking_number,
            }
        ),
        tracking_number=tracking_number,
        carrier=carrier,
        shipped_date=shipped_date.isoformat(),
    )
    from_status = order.status
    if complete_when_fully_shipped(order=order, by=by):
        record_order_move(
            order,
            "complete",
            by=by,
            publishes=EventType.ORDER_COMPLETED,
            from_status=from_status,
            message=_("Completed: every line is shipped or cancelled (%(ref)s was last).")
            % {"ref": shipment.ref},
            data={"shipment": shipment.ref},
        )
        # What was authorized and never captured (cancelled products, a rounding
        # cent) goes back now; a decline keeps its ledger row and the completion.
        payments.release_when_settled(order)


def delete_shipment(*, shipment_id: int, by: Actor) -> Order:
    """Remove an unpaid shipment and release its stock; its lines can be shipped again.

    Deleting the order's last shipment moves it back to Confirmed. Allowed on a
    held order: it undoes work rather than letting the order proceed.
    """
    with transaction.atomic():
        order, shipment = lock_shipment(shipment_id)
        from_state, _to_state = run_transition(shipment.delete_shipment, by=by)
        ref = shipment.ref
        if reserves_at_placement(order):
            reserve_shipment_units(shipment)
            message = _("Shipment %(ref)s deleted; its units are reserved for the order again.")
        else:
            release_stock(shipment)
            message = _("Shipment %(ref)s deleted; its stock is released.")
        record_shipment_event(
            shipment,
            by=by,
            transition="delete",
            publishes=EventType.SHIPMENT_DELETED,
            from_state=from_state,
            to_state="deleted",
            message=message % {"ref": ref},
        )
        shipment.delete()
        if not order.shipments.exists():
            move_order(
                order,
                order.return_to_confirmed,
                by=by,
                publishes=None,  # "shipment.deleted" says it
                message=_("Back to Confirmed: its last shipment, %(ref)s, was deleted.")
                % {"ref": ref},
                data={"shipment": ref},
            )
    return order


def delete_open_shipments(*, order: Order, by: Actor) -> list[str]:
    """Delete the order's unpaid shipments and release their stock and whatever the
    order reserved at placement, for its cancellation.

    The caller holds the order lock and has run the order's cancel transition,
    whose permission covers this; each deleted shipment gets its own event.
    """
    shipments = list(order.shipments.open().select_for_update().order_by("pk"))
    units = {shipment.pk: units_by_sku(shipment) for shipment in shipments}
    reserved = [row for row in held_rows(order) if row.quantity]
    # All the stock rows, of every warehouse, locked in one statement in primary-key
    # order: locking them shipment by shipment would take them out of that order
    # and deadlock against a shipment being created for the same SKUs.
    stock = lock_stock_at(
        {(shipment.warehouse_id, sku) for shipment in shipments for sku in units[shipment.pk]}
        | {(row.warehouse_id, row.order_line.sku) for row in reserved}
    )
    refs = []
    for shipment in shipments:
        shipment.order = order
        from_state, _to_state = run_transition(shipment.delete_shipment, by=FOR_CANCEL)
        for sku, quantity in units[shipment.pk].items():
            stock[shipment.warehouse_id, sku].allocated -= quantity
        record_shipment_event(
            shipment,
            by=by,
            transition="delete",
            publishes=EventType.SHIPMENT_DELETED,
            from_state=from_state,
            to_state="deleted",
            message=_(
                "Shipment %(ref)s deleted with the order's cancellation; its stock is released."
            )
            % {"ref": shipment.ref},
        )
        refs.append(shipment.ref)
        shipment.delete()
    for row in reserved:
        stock[row.warehouse_id, row.order_line.sku].allocated -= row.quantity
        row.quantity = 0
        row.save(update_fields=["quantity"])
    for row in stock.values():
        row.save(update_fields=["allocated"])
    return refs
