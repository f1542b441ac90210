"""The CSV export as it was written before it read tuples (model instances and
dicts per row): the reference the export's file must match byte for byte
(tests/test_export_same_file.py). Not used by the application.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from backoffice.export import BATCH_SIZE, BYTE_ORDER_MARK, _Buffer, headers, neutralised
from core.money import compute_totals, line_amount, quantize
from orders.models import HoldKind, Order, OrderLine, OrderStatus
from payments.models import PaymentStatus
from shipments.models import ShipmentStatus

ORDER_FIELDS = [
    "pk",
    "number",
    "placed_at",
    "completed_at",
    "cancelled_at",
    "customer_name",
    "customer_email",
    "shipping_country",
    "market",
    "currency",
    "shipping_price",
    "grand_total",
    "status",
    "on_hold",
    "hold_kind",
]


def rows(
    queryset: QuerySet[Order], *, per_line: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[list[Any]]:
    """The rows of every order in `queryset` (newest first), batch by batch."""
    for batch in _batches(queryset, batch_size):
        lines = _lines_of([order["pk"] for order in batch])
        for order in batch:
            order_lines = lines.get(order["pk"], [])
            cells = _order_cells(order, order_lines)
            if not per_line:
                yield cells
                continue
            for line in order_lines:
                yield cells + _line_cells(line, order["currency"])


def reference_csv(
    queryset: QuerySet[Order], *, per_line: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[str]:
    """The CSV file as text chunks, about one batch each."""
    buffer = _Buffer()
    writer = csv.writer(buffer)
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow(headers(per_line=per_line))
    for count, row in enumerate(rows(queryset, per_line=per_line, batch_size=batch_size), 1):
        writer.writerow([neutralised(cell) for cell in row])
        if count % batch_size == 0:
            yield buffer.take()
    yield buffer.take()


# Reading, a batch at a time ----------------------------------------------------


def _batches(queryset: QuerySet[Order], size: int) -> Iterator[list[dict]]:
    # `values()` keeps only these columns: the list's own annotations (shipment
    # progress, comment counts) are not computed for an export.
    base = queryset.order_by("-pk").values(
        *ORDER_FIELDS,
        payment_status=F("payment__status"),
        captured=F("payment__captured_amount"),
        refunded=F("payment__refunded_amount"),
    )
    last_pk = None
    while True:
        page = base if last_pk is None else base.filter(pk__lt=last_pk)
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last_pk = batch[-1]["pk"]


def _lines_of(order_ids: list[int]) -> dict[int, list[OrderLine]]:
    shipped = Sum(
        "shipment_lines__quantity",
        filter=Q(shipment_lines__shipment__status=ShipmentStatus.COMPLETED),
    )
    lines = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .annotate(units_shipped=Coalesce(shipped, 0))
        .order_by("order_id", "pk")
    )
    by_order: dict[int, list[OrderLine]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    return by_order


# Cells -------------------------------------------------------------------------


def _order_cells(order: dict, lines: list[OrderLine]) -> list[Any]:
    currency = order["currency"]
    totals = compute_totals(lines, shipping=order["shipping_price"], currency=currency)
    return [
        order["number"],
        _local(order["placed_at"]),
        _local(order["completed_at"]),
        _local(order["cancelled_at"]),
        order["customer_name"],
        order["customer_email"],
        order["shipping_country"],
        order["market"],
        currency,
        totals.subtotal,
        totals.discount,
        totals.shipping,
        totals.tax,
        # The stored grand total: the figure the list shows and filters on.
        quantize(order["grand_total"], currency),
        OrderStatus(order["status"]).label,
        "yes" if order["on_hold"] else "no",
        HoldKind(order["hold_kind"]).label if order["hold_kind"] else "",
        PaymentStatus(order["payment_status"]).label if order["payment_status"] else "",
        _money(order["captured"], currency),
        _money(order["refunded"], currency),
        sum(line.units_shipped for line in lines),
    ]


def _line_cells(line: OrderLine, currency: str) -> list[Any]:
    return [
        line.sku,
        line.product_name,
        line.variant,
        line.quantity,
        line.quantity_cancelled,
        quantize(line.unit_price, currency),
        line.tax_percent,
        quantize(line.discount, currency),
        line_amount(line, line.quantity_active, currency),
        line.units_shipped,
    ]


def _money(amount: Decimal | None, currency: str) -> Decimal | str:
    return "" if amount is None else quantize(amount, currency)


def _local(moment: datetime | None) -> str:
    return "" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S}"
