"""Shipment services: the only way a shipment, the stock it holds and its order move.

Every service locks the order row FIRST, then the shipment, then the stock rows
it touches in primary-key order. Two writers on one order therefore queue on the
order row, and two writers on overlapping stock take the rows in the same order,
so they wait for each other instead of deadlocking. Under the order lock the
quantities already in shipments cannot change, which is what keeps a line from
being shipped twice; under the stock locks `available` cannot change between the
check and the allocation.

Each step runs the model's transition (state, conditions, permission), saves,
and writes one `OrderEvent` (subject "shipment", ref "1042-1") in the same
transaction; when the step moves the order too, the order's transition writes
its own event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from orders.errors import DomainError
from orders.events import record_event
from orders.fsm import Actor, ensure_allowed, permission_refusal, run_transition
from orders.locks import lock_order
from orders.models import Order, OrderEvent, OrderLine
from orders.money import ZERO, line_amount, line_amount_between, quantize
from payments import services as payments
from payments.errors import PaymentDeclined
from payments.models import Payment
from shipments.models import PAID_STATUSES, Shipment, ShipmentLine, ShipmentStatus, Stock, Warehouse

SHIPMENT = OrderEvent.Subject.SHIPMENT

# The store options act on their own authority (the checkout's actor may be a
# storefront user without shipment rights); events name the option.
DIRECT_TO_SHIPMENT = "store option: Direct to Shipment"


# ---------------------------------------------------------------- reading


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


# ---------------------------------------------------------------- locking


def _lock_shipment(shipment_id: int) -> tuple[Order, Shipment]:
    """Lock the shipment's order, then the shipment; a clear error if it is gone."""
    gone = DomainError(f"Shipment #{shipment_id} does not exist (it may have been deleted).")
    try:
        order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    except (Shipment.DoesNotExist, ValueError, TypeError):
        raise gone from None
    order = lock_order(order_id)
    shipment = Shipment.objects.select_for_update().filter(pk=shipment_id, order=order).first()
    if shipment is None:
        raise gone
    shipment.order = order
    return order, shipment


def _lock_stock(warehouse_id: int, skus: Iterable[str]) -> dict[str, Stock]:
    """The warehouse's stock rows for these SKUs, locked in primary-key order."""
    rows = Stock.objects.select_for_update().filter(warehouse_id=warehouse_id, sku__in=list(skus))
    return {row.sku: row for row in rows.order_by("pk")}


def _units_by_sku(shipment: Shipment) -> Counter[str]:
    units: Counter[str] = Counter()
    for sku, quantity in shipment.lines.values_list("order_line__sku", "quantity"):
        units[sku] += quantity
    return units


def _release_stock(shipment: Shipment, *, consume: bool = False) -> None:
    """Give back (or, on completion, consume) what the shipment allocated."""
    units = _units_by_sku(shipment)
    stock = _lock_stock(shipment.warehouse_id, units)
    for sku, quantity in units.items():
        row = stock[sku]
        row.allocated -= quantity
        if consume:
            row.on_hand -= quantity
        row.save(update_fields=["allocated", "on_hand"])


# ---------------------------------------------------------------- events


def _record(
    shipment: Shipment,
    *,
    by: Actor,
    transition: str,
    from_state,
    message: str,
    to_state=None,
    **data,
) -> None:
    record_event(
        order=shipment.order,
        by=by,
        subject=SHIPMENT,
        subject_ref=shipment.ref,
        transition=transition,
        from_state=from_state,
        to_state=shipment.status if to_state is None else to_state,
        message=message,
        data={"shipment_id": shipment.pk, **data},
    )


def _move_order(order: Order, method, *, by: Actor, message: str, data: dict) -> None:
    """Run an order transition the shipments drive, save it, and record it."""
    from_status, to_status = run_transition(method, by=by)
    order.save()
    record_event(
        order=order,
        by=by,
        transition=method.__name__,
        from_state=from_status,
        to_state=to_status,
        message=message,
        data=data,
    )


# ---------------------------------------------------------------- creating


def create_shipment(
    *, order_id: int, warehouse_id: int, quantities: Mapping[int, int], by: Actor
) -> Shipment:
    """A shipment of `quantities` (order line id → units) from a warehouse; allocates stock.

    The order's first shipment moves it from Confirmed to Processing.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        return _create_shipment(
            order=order, warehouse=_warehouse(warehouse_id), quantities=quantities, by=by
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
            raise DomainError(f"{order} has nothing available to ship in any warehouse.")
        return _create_shipment(order=order, warehouse=warehouse, quantities=quantities, by=by)


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
    _lock_stock(warehouse.pk, order.lines.values_list("sku", flat=True))
    return propose_split(order=order, warehouse=warehouse).quantities


def _warehouse(warehouse_id: int) -> Warehouse:
    try:
        warehouse = Warehouse.objects.get(pk=warehouse_id)
    except (Warehouse.DoesNotExist, ValueError, TypeError):
        raise DomainError(f"Warehouse #{warehouse_id} does not exist.") from None
    if not warehouse.is_active:
        raise DomainError(f"Warehouse {warehouse} is not active.")
    return warehouse


def _create_shipment(
    *, order: Order, warehouse: Warehouse, quantities: Mapping[int, int], by: Actor
) -> Shipment:
    """Create it under the order lock the caller holds."""
    from_status = order.status
    run_transition(order.start_processing, by=by)
    wanted = _checked_quantities(order, quantities)
    _allocate(warehouse, wanted)

    shipment = Shipment.objects.create(
        order=order, sequence=_next_sequence(order), warehouse=warehouse
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, order_line=line, quantity=quantity)
        for line, quantity in wanted.items()
    )
    units = ", ".join(f"{quantity} × {line.sku}" for line, quantity in wanted.items())
    _record(
        shipment,
        by=by,
        transition="create",
        from_state="",
        message=f"Shipment {shipment.ref} created from {warehouse}: {units}.",
        warehouse=warehouse.name,
        lines={str(line.pk): quantity for line, quantity in wanted.items()},
    )
    if order.status != from_status:
        order.save()
        record_event(
            order=order,
            by=by,
            transition="start_processing",
            from_state=from_status,
            to_state=order.status,
            message=f"Processing: shipment {shipment.ref} created.",
            data={"shipment": shipment.ref},
        )
    return shipment


def _checked_quantities(order: Order, quantities: Mapping[int, int]) -> dict[OrderLine, int]:
    """The positive quantities asked for, each within what its line has left to ship.

    Runs under the order lock: no other shipment of this order can appear
    between this check and the insert.
    """
    if not isinstance(quantities, Mapping):
        raise DomainError("Give the quantity to ship for each line.")
    lines = {line.pk: line for line in order.lines_with_shipped()}
    wanted: dict[OrderLine, int] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            raise DomainError(f"Line #{line_id} is not a line of {order}.")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise DomainError(f"The quantity for {line.sku} must be a whole number.")
        if quantity < 0:
            raise DomainError(f"The quantity for {line.sku} cannot be negative.")
        if quantity > line.quantity_unshipped:
            raise DomainError(
                f"Only {line.quantity_unshipped} of {line.sku} are left to ship in {order}, "
                f"not {quantity}."
            )
        if quantity:
            wanted[line] = quantity
    if not wanted:
        raise DomainError("Choose at least one unit to ship.")
    return wanted


def _allocate(warehouse: Warehouse, wanted: Mapping[OrderLine, int]) -> None:
    units: Counter[str] = Counter()
    for line, quantity in wanted.items():
        units[line.sku] += quantity
    stock = _lock_stock(warehouse.pk, units)
    for sku, quantity in units.items():
        available = stock[sku].available if sku in stock else 0
        if quantity > available:
            raise DomainError(
                f"{warehouse} has {available} of {sku} available, not the {quantity} asked for."
            )
    for sku, quantity in units.items():
        row = stock[sku]
        row.allocated += quantity
        row.save(update_fields=["allocated"])


def _next_sequence(order: Order) -> int:
    # Numbers are never reused, even after a deletion, so "1042-2" in the event
    # log, the payment ledger or an email always means one shipment. Each
    # creation writes exactly one "create" event, under the order lock.
    created = OrderEvent.objects.filter(order=order, subject=SHIPMENT, transition="create")
    return created.count() + 1


# ---------------------------------------------------------------- stepping


def _step(*, shipment_id: int, by: Actor, action: str, message: str) -> Shipment:
    """Lock, transition, save, record: the body of every simple shipment step."""
    _, shipment = _lock_shipment(shipment_id)
    from_state, _ = run_transition(getattr(shipment, action), by=by)
    shipment.save()
    _record(
        shipment,
        by=by,
        transition=action,
        from_state=from_state,
        message=message.format(ref=shipment.ref),
    )
    return shipment


def mark_good_to_go(*, shipment_id: int, by: Actor) -> Shipment:
    """Packed and ready to go."""
    with transaction.atomic():
        shipment = _step(
            shipment_id=shipment_id,
            by=by,
            action="good_to_go",
            message="Shipment {ref} is good-to-go.",
        )
    return shipment


def mark_not_good_to_go(*, shipment_id: int, by: Actor) -> Shipment:
    with transaction.atomic():
        shipment = _step(
            shipment_id=shipment_id,
            by=by,
            action="not_good_to_go",
            message="Shipment {ref} is no longer good-to-go.",
        )
    return shipment


# ---------------------------------------------------------------- paying


def shipment_amounts(shipment: Shipment) -> tuple[dict[int, Decimal], Decimal]:
    """What paying this shipment charges: per shipment line id, and for shipping.

    Each line's units are charged as consecutive slices (`line_amount_between`
    the units its paid shipments hold and those plus this one's), so the
    shipments of a line add up to the line's total to the cent. The order's
    shipping cost goes with the first shipment paid.
    """
    order = shipment.order
    others = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status__in=PAID_STATUSES)
        .exclude(shipment=shipment)
        .order_by()
        .values("order_line")
        .annotate(units=Sum("quantity"), charged=Sum("amount"))
    )
    before = {row["order_line"]: (row["units"], row["charged"]) for row in others}
    lines = {}
    for shipment_line in shipment.lines.select_related("order_line"):
        line, currency = shipment_line.order_line, order.currency
        units, charged = before.get(line.pk, (0, ZERO))
        # Zero unless a shipment of this line was marked unpaid out of turn,
        # leaving the others a cent off their units' cumulative amount; taking
        # it here keeps the line's total exact.
        drift = line_amount(line, units, currency) - charged
        lines[shipment_line.pk] = (
            line_amount_between(line, units, units + shipment_line.quantity, currency) + drift
        )
    shipping_charged = (
        Shipment.objects.filter(order=order, status__in=PAID_STATUSES)
        .exclude(pk=shipment.pk)
        .aggregate(total=Sum("shipping_amount"))["total"]
    )
    shipping = quantize(order.shipping_price, order.currency) - (shipping_charged or ZERO)
    return lines, shipping


def _captured_for_no_shipment(order: Order) -> Decimal:
    """Money captured for the order that no paid shipment accounts for yet.

    Direct Capture without Direct to Shipment captures the grand total at
    checkout; the shipments then draw on it instead of capturing again. Stable
    under the order lock, which the payment services take first too.
    """
    payment = Payment.objects.filter(order=order).first()
    captured = payment.captured_amount if payment else ZERO
    accounted = Shipment.objects.filter(order=order, status__in=PAID_STATUSES).aggregate(
        total=Sum("amount")
    )["total"]
    return max(ZERO, captured - (accounted or ZERO))


def _pay(
    order: Order, shipment: Shipment, *, by: Actor, manually: bool, reference: str = ""
) -> None:
    """Move the shipment to Paid, capturing (or recording by hand) what it costs.

    The transition is checked before any money moves, and nothing is saved
    before the provider said yes: a `PaymentDeclined` leaves only the payment's
    failed ledger row behind (see `_unless_declined`).
    """
    method = shipment.mark_paid if manually else shipment.capture
    from_state, _ = run_transition(method, by=by)
    line_amounts, shipping = shipment_amounts(shipment)
    amount = sum(line_amounts.values(), ZERO) + shipping
    to_take = max(ZERO, amount - _captured_for_no_shipment(order))
    if to_take and manually:
        payments.record_manual_payment(
            order_id=order.pk, amount=to_take, by=by, shipment_ref=shipment.ref, reference=reference
        )
    elif to_take:
        payments.capture_payment(
            order_id=order.pk, amount=to_take, by=by, shipment_ref=shipment.ref
        )
    shipment.amount, shipment.shipping_amount = amount, shipping
    shipment.save()
    ShipmentLine.objects.bulk_update(
        [ShipmentLine(pk=pk, amount=line_amount) for pk, line_amount in line_amounts.items()],
        ["amount"],
    )
    how = "marked paid by hand" if manually else "captured"
    already = f" ({amount - to_take} of it captured before)" if to_take != amount else ""
    _record(
        shipment,
        by=by,
        transition=method.__name__,
        from_state=from_state,
        message=f"Shipment {shipment.ref} {how}: {amount} {order.currency}{already}.",
        amount=str(amount),
        shipping=str(shipping),
        taken=str(to_take),
    )


def _unless_declined(step: Callable[[], object]) -> PaymentDeclined | None:
    """Run a step that calls the payment provider, returning its decline instead of raising.

    The caller's transaction block must exit normally so the failed ledger row
    the payment service wrote is kept (nothing else was saved), and raise the
    decline afterwards.
    """
    try:
        step()
    except PaymentDeclined as declined:
        return declined
    return None


def capture_shipment(*, shipment_id: int, by: Actor) -> Shipment:
    """Capture the shipment's amount through the provider: Good-to-go → Paid.

    When the provider declines, the shipment stays Good-to-go, the failed
    capture is in the payment's ledger, and the provider's sentence is raised.
    """
    with transaction.atomic():
        order, shipment = _lock_shipment(shipment_id)
        declined = _unless_declined(lambda: _pay(order, shipment, by=by, manually=False))
    if declined:
        raise declined
    return shipment


def mark_shipment_paid(*, shipment_id: int, by: Actor, reference: str = "") -> Shipment:
    """Record the shipment's amount as received by hand (invoice, bank transfer)."""
    with transaction.atomic():
        order, shipment = _lock_shipment(shipment_id)
        _pay(order, shipment, by=by, manually=True, reference=reference.strip())
    return shipment


def mark_shipment_unpaid(*, shipment_id: int, by: Actor) -> Shipment:
    """Undo a hand-marked payment: Paid → Good-to-go. Never for a provider's capture."""
    with transaction.atomic():
        order, shipment = _lock_shipment(shipment_id)
        from_state, _ = run_transition(shipment.mark_unpaid, by=by)
        if payments.capture_for_shipment(order_id=order.pk, shipment_ref=shipment.ref):
            payments.reverse_manual_payment(order_id=order.pk, shipment_ref=shipment.ref, by=by)
        amount = shipment.amount
        shipment.amount = shipment.shipping_amount = ZERO
        shipment.save()
        shipment.lines.update(amount=ZERO)
        _record(
            shipment,
            by=by,
            transition="mark_unpaid",
            from_state=from_state,
            message=f"Shipment {shipment.ref} marked unpaid ({amount} {order.currency}).",
            amount=str(amount),
        )
    return shipment


# ---------------------------------------------------------------- completing


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
        raise DomainError("Give the tracking number.")
    if not carrier:
        raise DomainError("Give the carrier.")
    if shipped_date > timezone.localdate():
        raise DomainError("The shipped date cannot be in the future.")
    with transaction.atomic():
        order, shipment = _lock_shipment(shipment_id)
        declined = None
        if shipment.status == ShipmentStatus.GOOD_TO_GO:
            # Know before the money moves that the completion is theirs to do.
            sentence = permission_refusal(shipment.complete, by=by)
            if sentence:
                raise DomainError(sentence)
            declined = _unless_declined(lambda: _pay(order, shipment, by=by, manually=False))
        if not declined:
            _complete(order, shipment, by=by, tracking=(tracking_number, carrier, shipped_date))
    if declined:
        raise declined
    return shipment


def _complete(order: Order, shipment: Shipment, *, by: Actor, tracking) -> None:
    tracking_number, carrier, shipped_date = tracking
    from_state, _ = run_transition(
        shipment.complete,
        by=by,
        tracking_number=tracking_number,
        carrier=carrier,
        shipped_date=shipped_date,
    )
    _release_stock(shipment, consume=True)
    shipment.save()
    _record(
        shipment,
        by=by,
        transition="complete",
        from_state=from_state,
        message=(
            f"Shipment {shipment.ref} completed: shipped {shipped_date:%Y-%m-%d} "
            f"with {carrier}, tracking {tracking_number}."
        ),
        tracking_number=tracking_number,
        carrier=carrier,
        shipped_date=shipped_date.isoformat(),
    )
    if order.is_fully_shipped():
        _move_order(
            order,
            order.complete,
            by=by,
            message=f"Completed: every line is shipped or cancelled ({shipment.ref} was last).",
            data={"shipment": shipment.ref},
        )


# ---------------------------------------------------------------- deleting


def delete_shipment(*, shipment_id: int, by: Actor) -> Order:
    """Remove an unpaid shipment and release its stock; its lines can be shipped again.

    Deleting the order's last shipment moves it back to Confirmed. Allowed on a
    held order: it undoes work rather than letting the order proceed.
    """
    with transaction.atomic():
        order, shipment = _lock_shipment(shipment_id)
        from_state, _ = run_transition(shipment.delete_shipment, by=by)
        ref = shipment.ref
        _release_stock(shipment)
        _record(
            shipment,
            by=by,
            transition="delete",
            from_state=from_state,
            to_state="deleted",
            message=f"Shipment {ref} deleted; its stock is released.",
        )
        shipment.delete()
        if not order.shipments.exists():
            _move_order(
                order,
                order.return_to_confirmed,
                by=by,
                message=f"Back to Confirmed: its last shipment, {ref}, was deleted.",
                data={"shipment": ref},
            )
    return order


def delete_open_shipments(*, order: Order, by: Actor) -> list[str]:
    """Delete the order's unpaid shipments and release their stock, for its cancellation.

    The caller holds the order lock and has run the order's cancel transition,
    whose permission covers this; each deleted shipment gets its own event.
    """
    shipments = list(order.shipments.open().select_for_update().order_by("pk"))
    units = {shipment.pk: _units_by_sku(shipment) for shipment in shipments}
    # All the stock rows, of every warehouse, locked in one statement in primary-key
    # order: locking them shipment by shipment would take them out of that order
    # and deadlock against a shipment being created for the same SKUs.
    held = Q(pk__in=[])
    for shipment in shipments:
        held |= Q(warehouse_id=shipment.warehouse_id, sku__in=list(units[shipment.pk]))
    stock = {
        (row.warehouse_id, row.sku): row
        for row in Stock.objects.select_for_update().filter(held).order_by("pk")
    }
    refs = []
    for shipment in shipments:
        shipment.order = order
        from_state, _ = run_transition(shipment.delete_shipment, by="system:cancel_order")
        for sku, quantity in units[shipment.pk].items():
            stock[shipment.warehouse_id, sku].allocated -= quantity
        _record(
            shipment,
            by=by,
            transition="delete",
            from_state=from_state,
            to_state="deleted",
            message=f"Shipment {shipment.ref} deleted with the order's cancellation; "
            "its stock is released.",
        )
        refs.append(shipment.ref)
        shipment.delete()
    for row in stock.values():
        row.save(update_fields=["allocated"])
    return refs


# ---------------------------------------------------------------- store options


def ship_at_checkout(*, order: Order, capture: bool) -> Shipment | None:
    """Direct to Shipment: one good-to-go shipment holding every line, paid with `capture`.

    Runs inside the checkout's transaction, which holds the order lock and has
    just confirmed the order and authorized its payment. Ships from the first
    active warehouse (by priority) that has every line in stock; when none has,
    nothing is created and the order waits in Confirmed for staff to split it.
    With Direct Capture the shipment is captured at once; a declined capture
    leaves it Good-to-go (the failed row is in the ledger) and the checkout stands.
    """
    for warehouse in Warehouse.objects.filter(is_active=True):
        proposal = propose_split(order=order, warehouse=warehouse)
        if not proposal.lines or not proposal.ships_everything:
            continue
        try:
            with transaction.atomic():
                shipment = _create_shipment(
                    order=order,
                    warehouse=warehouse,
                    quantities=proposal.quantities,
                    by=DIRECT_TO_SHIPMENT,
                )
        except DomainError:
            # The stock went between the proposal and the locked check: the
            # savepoint undid the attempt; undo the order's in-memory move too.
            order.refresh_from_db()
            continue
        from_state, _ = run_transition(shipment.good_to_go, by=DIRECT_TO_SHIPMENT)
        shipment.save()
        _record(
            shipment,
            by=DIRECT_TO_SHIPMENT,
            transition="good_to_go",
            from_state=from_state,
            message=f"Shipment {shipment.ref} is good-to-go.",
        )
        if capture:
            _capture_at_checkout(order, shipment)
        return shipment
    record_event(
        order=order,
        by=DIRECT_TO_SHIPMENT,
        transition="note",
        from_state=order.status,
        to_state=order.status,
        message="No active warehouse has every line in stock: the order waits in Confirmed.",
    )
    return None


def _capture_at_checkout(order: Order, shipment: Shipment) -> None:
    declined = _unless_declined(
        lambda: _pay(order, shipment, by=DIRECT_TO_SHIPMENT, manually=False)
    )
    if declined:
        # The checkout stands; staff capture the good-to-go shipment later.
        shipment.refresh_from_db()


# ---------------------------------------------------------------- stock


def _lock_stock_row(stock_id: int) -> Stock:
    try:
        return Stock.objects.select_for_update().select_related("warehouse").get(pk=stock_id)
    except (Stock.DoesNotExist, ValueError, TypeError):
        raise DomainError("That stock row does not exist (it may have been deleted).") from None


def _refuse_below_allocated(stock: Stock, on_hand: int) -> None:
    if on_hand < stock.allocated:
        raise DomainError(
            f"{stock.sku} in {stock.warehouse} has {stock.allocated} units allocated to "
            f"shipments: on hand cannot go below that."
        )


def set_stock_on_hand(*, stock_id: int, on_hand: int, by: Actor) -> Stock:
    """A stock count: set what is on the shelf, never below what shipments hold."""
    if isinstance(on_hand, bool) or not isinstance(on_hand, int) or on_hand < 0:
        raise DomainError("On hand must be a whole number, zero or more.")
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
        raise DomainError("The quantity received must be a whole number above zero.")
    warehouse = _warehouse(warehouse_id)
    with transaction.atomic():
        Stock.objects.get_or_create(warehouse=warehouse, sku=sku)
        row = _lock_stock(warehouse.pk, [sku])[sku]
        row.on_hand += quantity
        row.save(update_fields=["on_hand"])
    return row
