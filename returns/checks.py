"""What a new return is made of, checked: its units, where they go, and its money.

Each function reads what staff asked for and either gives it back typed and
within bounds or raises one sentence (`DomainError`). They run under the order
lock `returns.services.create_return` holds, so what was returned before cannot
change between the check and the insert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from core.errors import DomainError
from core.money import ZERO, exact_amount, format_money, quantize, returned_slice
from orders.models import Order, OrderStatus, StoreSettings
from returns.models import Return, ReturnLine, ReturnReason, StockAction
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Warehouse
from shipments.services.stock import active_warehouse


def refuse_unless_returnable(order: Order, shipment: Shipment) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise DomainError(f"{order} is cancelled: nothing of it can be returned.")
    if shipment.status != ShipmentStatus.COMPLETED:
        raise DomainError(
            f"Shipment {shipment.ref} is {shipment.state_label}: only a completed shipment "
            "can be returned."
        )


@dataclass(frozen=True)
class Returned:
    """What earlier returns of a shipment line took back: units and amount."""

    units: int = 0
    amount: Decimal = ZERO


def returned_so_far(shipment: Shipment) -> dict[int, Returned]:
    """Shipment line id → what the shipment's returns hold of it (deleted ones are gone)."""
    rows = (
        ReturnLine.objects.filter(shipment_line__shipment=shipment)
        .order_by()
        .values("shipment_line")
        .annotate(units=Sum("quantity"), amount=Sum("amount"))
    )
    return {row["shipment_line"]: Returned(row["units"], row["amount"]) for row in rows}


def checked_quantities(
    shipment: Shipment, quantities: Mapping[int, int], returned: Mapping[int, Returned]
) -> dict[ShipmentLine, int]:
    """The positive quantities asked for, each within what is still returnable."""
    if not isinstance(quantities, Mapping):
        raise DomainError("Give the quantity to return for each line.")
    lines = {line.pk: line for line in shipment.lines.select_related("order_line")}
    wanted: dict[ShipmentLine, int] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            raise DomainError(f"Line #{line_id} is not a line of shipment {shipment.ref}.")
        sku = line.order_line.sku
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise DomainError(f"The quantity of {sku} to return must be a whole number.")
        if quantity < 0:
            raise DomainError(f"The quantity of {sku} to return cannot be negative.")
        returnable = line.quantity - returned.get(line.pk, Returned()).units
        if quantity > returnable:
            raise DomainError(
                f"Only {returnable} of {line.quantity} × {sku} can still be returned."
            )
        if quantity:
            wanted[line] = quantity
    if not wanted:
        raise DomainError("Choose at least one unit to return.")
    return wanted


def line_amounts(
    wanted: Mapping[ShipmentLine, int], returned: Mapping[int, Returned], currency: str
) -> dict[ShipmentLine, Decimal]:
    """Each line's share of what its shipment line was charged (`core.money.returned_slice`)."""
    amounts = {}
    for line, quantity in wanted.items():
        before = returned.get(line.pk, Returned())
        amounts[line] = returned_slice(
            charged=line.amount,
            shipped=line.quantity,
            returned_before=before.units,
            quantity=quantity,
            currency=currency,
            amount_returned_before=before.amount,
        )
    return amounts


def checked_warehouse(
    shipment: Shipment, stock_action: str, warehouse_id: int | None
) -> Warehouse | None:
    """Where the goods go back: the shipment's warehouse, another active one, or nowhere."""
    if stock_action == StockAction.BACK_TO_ORIGIN:
        return origin_warehouse(shipment)
    if stock_action == StockAction.TO_WAREHOUSE:
        if warehouse_id is None:
            raise DomainError("Choose the warehouse the returned goods go into.")
        return active_warehouse(warehouse_id)
    if stock_action == StockAction.REMOVE:
        return None
    choices = ", ".join(f"“{value}”" for value in StockAction.values)
    raise DomainError(f"“{stock_action}” is not a stock action: choose one of {choices}.")


def origin_warehouse(shipment: Shipment) -> Warehouse:
    """The shipment's own warehouse, while it is active: goods never go back into a
    warehouse that was closed, whichever way it was chosen."""
    warehouse = shipment.warehouse
    if not warehouse.is_active:
        raise DomainError(
            f"Warehouse {warehouse}, where shipment {shipment.ref} came from, is not active: "
            "put the goods into another warehouse, or remove them from stock."
        )
    return warehouse


def refuse_inactive_warehouse(return_: Return) -> None:
    """Completing puts the goods into the return's warehouse: refused once it was closed."""
    if not return_.moves_stock:
        return
    if not Warehouse.objects.filter(pk=return_.warehouse_id, is_active=True).exists():
        raise DomainError(
            f"Warehouse {return_.warehouse} is not active, so return {return_.number}'s goods "
            "cannot go back into it: activate it again, or delete the return and create it "
            "into another warehouse."
        )


def checked_amount(value: object, *, what: str, currency: str) -> Decimal:
    """An amount staff typed: exact in the currency (never rounded), zero or more."""
    try:
        amount = exact_amount(value, currency)
    except ValueError as error:
        raise DomainError(f"The {what}: {error}") from None
    if amount < 0:
        raise DomainError(f"The {what} cannot be negative.")
    return amount


def checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if reason and reason not in ReturnReason.values:
        choices = ", ".join(f"“{value}”" for value in ReturnReason.values)
        raise DomainError(f"“{reason}” is not a return reason: choose one of {choices}.")
    return reason


def shipping_to_refund(shipment: Shipment) -> Decimal:
    """The shipping the shipment charged, refunded once, by one of its returns."""
    claimed = Return.objects.filter(shipment=shipment, refund_shipping=True).first()
    if claimed is not None:
        claimed.order = shipment.order
        raise DomainError(
            f"Return {claimed.number} already refunds the shipping of shipment {shipment.ref}."
        )
    if not shipment.shipping_amount:
        raise DomainError(f"Shipment {shipment.ref} charged no shipping, so none is refunded.")
    return quantize(shipment.shipping_amount, shipment.order.currency)


def refuse_negative_refund(return_: Return) -> None:
    if return_.suggested_refund < 0:
        deducted = return_.return_fee + return_.voucher_value
        value = return_.lines_amount + return_.shipping_amount + return_.handling_cost
        raise DomainError(
            f"The return fee and the voucher ({format_money(deducted, return_.currency)}) are "
            f"more than the return is worth ({format_money(value, return_.currency)})."
        )


# What a return may pay out (docs/architecture.md, "Returns"): what its shipment
# charged for lines and shipping, less what its other returns refunded of that,
# plus its own handling up to the store's limit. Anything more is a goodwill refund.


def handling_limit() -> Decimal:
    return StoreSettings.load().return_handling_limit


def checked_handling(value: object, *, currency: str, limit: Decimal) -> Decimal:
    """The handling cost asked for, never above the store's limit (default 0)."""
    handling = checked_amount(value, what="handling cost", currency=currency)
    if handling > limit:
        raise DomainError(
            f"The handling cost, {format_money(handling, currency)}, is above the store's "
            f"limit of {format_money(limit, currency)} for a return; anything more is a "
            "goodwill refund (Back-office admin)."
        )
    return handling


@dataclass(frozen=True)
class RefundCap:
    """The most a return may refund, and what it is made of."""

    charged: Decimal  # what the shipment charged: its lines and its shipping
    refunded: Decimal  # of that, refunded through the shipment's other returns
    handling: Decimal  # this return's handling, up to the store's limit
    currency: str

    @property
    def most(self) -> Decimal:
        return quantize(self.charged - self.refunded + self.handling, self.currency)

    def explained(self) -> str:
        money = format_money
        return (
            f"what the shipment charged ({money(self.charged, self.currency)}) less what its "
            f"returns refunded ({money(self.refunded, self.currency)}), plus handling up to "
            f"the store's limit ({money(self.handling, self.currency)})"
        )


def refund_caps(returns: Iterable[Return], *, limit: Decimal | None = None) -> dict:
    """Return pk → its `RefundCap`, in one query for all (the shipments loaded).

    A refunded return's handling is not lines or shipping: it is left out of what
    its shipment has refunded, so handling never eats into another return's goods.
    """
    returns = list(returns)
    limit = handling_limit() if limit is None else limit
    rows = (
        Return.objects.filter(
            shipment_id__in={r.shipment_id for r in returns}, refunded_at__isnull=False
        )
        .order_by()
        .values("shipment_id")
        .annotate(refunded=Sum("refund_amount"), handling=Sum("handling_cost"))
    )
    refunded = {row["shipment_id"]: row["refunded"] - row["handling"] for row in rows}
    caps = {}
    for return_ in returns:
        currency = return_.order.currency
        caps[return_.pk] = RefundCap(
            charged=quantize(return_.shipment.amount, currency),
            # Quantized: SQLite sums decimals in floating point.
            refunded=quantize(refunded.get(return_.shipment_id, ZERO), currency),
            handling=min(return_.handling_cost, limit),
            currency=currency,
        )
    return caps


def refuse_above_cap(return_: Return, amount: Decimal, cap: RefundCap) -> None:
    if amount > cap.most:
        currency = return_.order.currency
        which = (
            f"Return {return_.number}"
            if return_.sequence
            else f"A return of shipment {return_.shipment.ref}"
        )
        raise DomainError(
            f"{which} may refund at most {format_money(cap.most, currency)}, "
            f"{cap.explained()}, not {format_money(amount, currency)}; anything more is a "
            "goodwill refund (Back-office admin)."
        )
