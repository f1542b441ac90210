"""Reading returns without changing them."""

from __future__ import annotations

from django.db.models import QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from orders.models import Order
from returns.models import Return
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


# What to prefetch with shipments for `returnable_quantities` to read no more.
RETURNED_WITH_SHIPMENTS = "lines__return_lines"


def _return_lines_read(shipment: Shipment) -> bool:
    lines = getattr(shipment, "_prefetched_objects_cache", {}).get("lines")
    return lines is not None and all(
        "return_lines" in getattr(line, "_prefetched_objects_cache", {}) for line in lines
    )


def returns_of_order(order: Order) -> QuerySet[Return]:
    """The order's returns in number order, each with its lines, their SKUs, its
    shipment, warehouse and exchange order, in a fixed number of queries."""
    return (
        Return.objects.filter(order=order)
        .select_related("order", "shipment__order", "warehouse", "exchange_order")
        .prefetch_related("lines__shipment_line__order_line")
        .order_by("sequence")
    )
