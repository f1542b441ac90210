"""Reading returns without changing them."""

from __future__ import annotations

from django.db.models import Prefetch, Sum, Value
from django.db.models.functions import Coalesce

from orders.models import Order
from returns.models import Return, ReturnLine
from shipments.models import Shipment, ShipmentLine


def returnable_quantities(shipment: Shipment) -> dict[int, int]:
    """Shipment line id → units that can still be returned (shipped − returned), one query,
    or none when the shipment's lines were read with their return lines (the order
    page reads every shipment's at once: `RETURNED_WITH_SHIPMENTS`).

    Deleted returns are gone, so they give their units back; every other return
    (pending, refunded, completed) holds its units.
    """
    if _return_lines_read(shipment):
        return {
            line.pk: line.quantity - sum(taken.quantity for taken in line.return_lines.all())
            for line in shipment.lines.all()
        }
    rows = (
        ShipmentLine.objects.filter(shipment=shipment)
        .annotate(returned=Coalesce(Sum("return_lines__quantity"), Value(0)))
        .values_list("pk", "quantity", "returned")
    )
    return {pk: quantity - returned for pk, quantity, returned in rows}


# What to prefetch with shipments for `returnable_quantities` to read no more. In
# id order: the model's own order joins four tables only to sort, and a sum needs none.
RETURNED_WITH_SHIPMENTS = Prefetch(
    "lines__return_lines", queryset=ReturnLine.objects.order_by("pk")
)


def _return_lines_read(shipment: Shipment) -> bool:
    lines = getattr(shipment, "_prefetched_objects_cache", {}).get("lines")
    return lines is not None and all(
        "return_lines" in getattr(line, "_prefetched_objects_cache", {}) for line in lines
    )


def returns_of_order(order: Order) -> list[Return]:
    """The order's returns in number order, each with its lines, their SKUs, its
    shipment, warehouse and exchange order: two queries however many there are.
    Each return's order and its shipment's order are `order` itself, not read again."""
    lines = ReturnLine.objects.select_related("shipment_line__order_line").order_by(
        # A return's lines share its shipment: the model's order, without its joins.
        "order_return_id",
        "shipment_line__order_line_id",
    )
    returns = list(
        Return.objects.filter(order=order)
        .select_related("shipment", "warehouse", "exchange_order")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("sequence")
    )
    for return_ in returns:
        return_.order = order
        return_.shipment.order = order
    return returns
