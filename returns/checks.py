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
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import ZERO, exact_amount, format_money, quantize, returned_slice
from orders.models import Order, OrderStatus, StoreSettings
from returns.models import Return, ReturnLine, ReturnReason, StockAction
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Warehouse
from shipments.services.stock import active_warehouse


def refuse_unless_returnable(order: Order, shipment: Shipment) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise DomainError(
            _("%(order)s is cancelled: nothing of it can be returned.") % {"order": order}
        )
    if shipment.status != ShipmentStatus.COMPLETED:
        raise DomainError(
            _("Shipment %(ref)s is %(state)s: only a completed shipment can be returned.")
            % {"ref": shipment.ref, "state": shipment.state_label}
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
        raise DomainError(_("Give the quantity to return for each line."))
    lines = {line.pk: line for line in shipment.lines.select_related("order_line")}
    wanted: dict[ShipmentLine, int] = {}
    for line_id, quantity in quantities.items():
        line = lines.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            raise DomainError(
                _("Line #%(id)s is not a line of shipment %(ref)s.")
                % {"id": line_id, "ref": shipment.ref}
            )
        sku = line.order_line.sku
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise DomainError(
                _("The quantity of %(sku)s to return must be a whole number.") % {"sku": sku}
            )
        if quantity < 0:
            raise DomainError(
                _("The quantity of %(sku)s to return cannot be negative.") % {"sku": sku}
            )
        returnable = line.quantity - returned.get(line.pk, Returned()).units
        if quantity > returnable:
            raise DomainError(
                _("Only %(returnable)s of %(quantity)s × %(sku)s can still be returned.")
                % {"returnable": returnable, "quantity": line.quantity, "sku": sku}
            )
        if quantity:
            wanted[line] = quantity
    if not wanted:
        raise DomainError(_("Choose at least one unit to return."))
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
            raise DomainError(_("Choose the warehouse the returned goods go into."))
        return active_warehouse(warehouse_id)
    if stock_action == StockAction.REMOVE:
        return None
    choices = ", ".join(f"“{value}”" for value in StockAction.values)
    raise DomainError(
        _("“%(value)s” is not a stock action: choose one of %(choices)s.")
        % {"value": stock_action, "choices": choices}
    )


def origin_warehouse(shipment: Shipment) -> Warehouse:
    """The shipment's own warehouse, while it is active: goods never go back into a
    warehouse that was closed, whichever way it was chosen."""
    warehouse = shipment.warehouse
    if not warehouse.is_active:
        raise DomainError(
            _(
                "Warehouse %(warehouse)s, where shipment %(ref)s came from, is not active: "
                "put the goods into another warehouse, or remove them from stock."
            )
            % {"warehouse": warehouse, "ref": shipment.ref}
        )
    return warehouse


def refuse_inactive_warehouse(return_: Return) -> None:
    """Completing puts the goods into the return's warehouse: refused once it was closed."""
    if not return_.moves_stock:
        return
    if not Warehouse.objects.filter(pk=return_.warehouse_id, is_active=True).exists():
        raise DomainError(
            _(
                "Warehouse %(warehouse)s is not active, so return %(number)s's goods "
                "cannot go back into it: activate it again, or delete the return and create it "
                "into another warehouse."
            )
            % {"warehouse": return_.warehouse, "number": return_.number}
        )


def _amount_sentences(field: str) -> tuple[str, str]:
    """What to say of an amount staff typed that is not one, and of one below zero."""
    if field == "handling_cost":
        return _("The handling cost: %(error)s"), _("The handling cost cannot be negative.")
    if field == "return_fee":
        return _("The return fee: %(error)s"), _("The return fee cannot be negative.")
    if field == "voucher_value":
        return _("The voucher value: %(error)s"), _("The voucher value cannot be negative.")
    raise ValueError(f"No sentences for the amount {field!r}.")


def checked_amount(value: object, *, field: str, currency: str) -> Decimal:
    """An amount staff typed for the return's `field`: exact in the currency (never
    rounded), zero or more."""
    unreadable, negative = _amount_sentences(field)
    try:
        amount = exact_amount(value, currency)
    except ValueError as error:
        raise DomainError(unreadable % {"error": error}) from None
    if amount < 0:
        raise DomainError(negative)
    return amount


def checked_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if reason and reason not in ReturnReason.values:
        choices = ", ".join(f"“{value}”" for value in ReturnReason.values)
        raise DomainError(
            _("“%(value)s” is not a return reason: choose one of %(choices)s.")
            % {"value": reason, "choices": choices}
        )
    return reason


def shipping_to_refund(shipment: Shipment) -> Decimal:
    """The shipping the shipment charged, refunded once, by one of its returns."""
    claimed = Return.objects.filter(shipment=shipment, refund_shipping=True).first()
    if claimed is not None:
        claimed.order = shipment.order
        raise DomainError(
            _("Return %(number)s already refunds the shipping of shipment %(ref)s.")
            % {"number": claimed.number, "ref": shipment.ref}
        )
    if not shipment.shipping_amount:
        raise DomainError(
            _("Shipment %(ref)s charged no shipping, so none is refunded.") % {"ref": shipment.ref}
        )
    return quantize(shipment.shipping_amount, shipment.order.currency)


def refuse_negative_refund(return_: Return) -> None:
    if return_.suggested_refund < 0:
        deducted = return_.return_fee + return_.voucher_value
        value = return_.lines_amount + return_.shipping_amount + return_.handling_cost
        raise DomainError(
            _(
                "The return fee and the voucher (%(deducted)s) are more than the return is "
                "worth (%(value)s)."
            )
            % {
                "deducted": format_money(deducted, return_.currency),
                "value": format_money(value, return_.currency),
            }
        )


# What a return may pay out (docs/architecture.md, "Returns"): what its shipment
# charged for lines and shipping, less what its other returns refunded of that,
# plus its own handling up to the store's limit. Anything more is a goodwill refund.


def handling_limit() -> Decimal:
    return StoreSettings.load().return_handling_limit


def checked_handling(value: object, *, currency: str, limit: Decimal) -> Decimal:
    """The handling cost asked for, never above the store's limit (default 0)."""
    handling = checked_amount(value, field="handling_cost", currency=currency)
    if handling > limit:
        raise DomainError(
            _(
                "The handling cost, %(handling)s, is above the store's limit of %(limit)s "
                "for a return; anything more is a goodwill refund (Back-office admin)."
            )
            % {
                "handling": format_money(handling, currency),
                "limit": format_money(limit, currency),
            }
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
        return _(
            "what the shipment charged (%(charged)s) less what its returns refunded "
            "(%(refunded)s), plus handling up to the store's limit (%(handling)s)"
        ) % {
            "charged": format_money(self.charged, self.currency),
            "refunded": format_money(self.refunded, self.currency),
            "handling": format_money(self.handling, self.currency),
        }


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
        if return_.sequence:
            sentence = _(
                "Return %(number)s may refund at most %(most)s, %(explained)s, not "
                "%(amount)s; anything more is a goodwill refund (Back-office admin)."
            )
        else:
            sentence = _(
                "A return of shipment %(ref)s may refund at most %(most)s, %(explained)s, not "
                "%(amount)s; anything more is a goodwill refund (Back-office admin)."
            )
        raise DomainError(
            sentence
            % {
                "number": return_.number if return_.sequence else "",
                "ref": return_.shipment.ref,
                "most": format_money(cap.most, currency),
                "explained": cap.explained(),
                "amount": format_money(amount, currency),
            }
        )
