"""Orders as CSV, for finance and customer service: one row per order, or per line.

The admin's action and "Export" link and `manage.py export_orders` all stream
the same bytes from here. Constant memory however many orders match: the
queryset is walked in keyset batches by primary key, newest first (no OFFSET,
no list of every id), each batch two queries (the orders with their payment,
and their lines with the units shipped), and each batch is written out before
the next is read. Batches are separate queries, not one snapshot: an order
changed during a long export shows as it was when its batch was read.

Cells a spreadsheet would run as a formula (text starting with =, +, -, @, a
tab or a carriage return) are prefixed with an apostrophe: OWASP's advice
against CSV injection. Amounts are plain decimals in the currency's places,
dates are local time, and the file starts with a byte-order mark so Excel
reads names like "Åsa Öberg" as UTF-8.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import override

from core.money import compute_totals, line_amount, quantize
from orders.models import HoldKind, Order, OrderLine, OrderStatus
from payments.models import PaymentStatus
from shipments.models import ShipmentLine, ShipmentStatus

BATCH_SIZE = 1000
BYTE_ORDER_MARK = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ORDER_HEADERS = [
    "order number",
    "placed",
    "completed",
    "cancelled",
    "customer name",
    "customer email",
    "shipping country",
    "market",
    "currency",
    "subtotal",
    "discount",
    "shipping",
    "tax included",
    "grand total",
    "status",
    "on hold",
    "hold kind",
    "payment",
    "captured",
    "refunded",
    "shipped units",
]
LINE_HEADERS = [
    "sku",
    "product",
    "variant",
    "quantity",
    "cancelled units",
    "unit price",
    "tax percent",
    "line discount",
    "line total",
    "line shipped units",
]

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
    "payment__status",
    "payment__captured_amount",
    "payment__refunded_amount",
]
# What a line's cells and its order's totals read (compute_totals reads quantity,
# quantity_cancelled, unit_price, tax_percent and discount).
LINE_FIELDS = [
    "pk",
    "order_id",
    "sku",
    "product_name",
    "variant",
    "quantity",
    "quantity_cancelled",
    "unit_price",
    "tax_percent",
    "discount",
    "units_shipped",
]


@cache
def _labels() -> tuple[dict, dict, dict]:
    """The choices' labels the cells show: English in every language, like the
    headers (scripts read the file), read once, when the first file is written."""
    with override("en"):
        return (
            {value: str(label) for value, label in OrderStatus.choices},
            {value: str(label) for value, label in HoldKind.choices},
            {value: str(label) for value, label in PaymentStatus.choices},
        )


def neutralised(value: Any) -> Any:
    """Text a spreadsheet would execute, made inert; numbers and dates pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def headers(*, per_line: bool) -> list[str]:
    return ORDER_HEADERS + (LINE_HEADERS if per_line else [])


def rows(
    queryset: QuerySet[Order], *, per_line: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[list[Any]]:
    """The rows of every order in `queryset` (newest first), batch by batch, text
    made inert (`neutralised`)."""
    local = _local_time(timezone.get_current_timezone())
    for batch in _batches(queryset, batch_size):
        lines = _lines_of([order.pk for order in batch])
        for order in batch:
            order_lines = lines.get(order.pk, ())
            cells = _order_cells(order, order_lines, local)
            if not per_line:
                yield cells
                continue
            for line in order_lines:
                yield cells + _line_cells(line, order.currency)


def csv_chunks(
    queryset: QuerySet[Order], *, per_line: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[str]:
    """The CSV file as text chunks, about one batch each."""
    buffer = _Buffer()
    writer = csv.writer(buffer)
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow(headers(per_line=per_line))
    for count, row in enumerate(rows(queryset, per_line=per_line, batch_size=batch_size), 1):
        writer.writerow(row)
        if count % batch_size == 0:
            yield buffer.take()
    yield buffer.take()


def filename(*, per_line: bool) -> str:
    kind = "order-lines" if per_line else "orders"
    return f"{kind}-{timezone.localdate():%Y-%m-%d}.csv"


def streaming_response(queryset: QuerySet[Order], *, per_line: bool) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(queryset, per_line=per_line), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(per_line=per_line)}"'
    return response


# Reading, a batch at a time ----------------------------------------------------
# Tuples of the columns the file needs, never model instances: an export of
# 200,000 orders builds no Order or OrderLine and runs two queries per batch.


def _batches(queryset: QuerySet[Order], size: int) -> Iterator[list[tuple]]:
    # Only these columns: the list's own annotations (shipment progress,
    # comment counts) are not computed for an export.
    base = queryset.order_by("-pk").values_list(*ORDER_FIELDS, named=True)
    last_pk = None
    while True:
        page = base if last_pk is None else base.filter(pk__lt=last_pk)
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last_pk = batch[-1].pk


def _lines_of(order_ids: list[int]) -> dict[int, list[tuple]]:
    # Units shipped as a subquery per line on the shipment lines' index: no
    # GROUP BY and no sort of the batch's lines joined to every shipment line.
    shipped = (
        ShipmentLine.objects.filter(
            order_line=OuterRef("pk"), shipment__status=ShipmentStatus.COMPLETED
        )
        .order_by()
        .values("order_line")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    lines = (
        OrderLine.objects.filter(order_id__in=order_ids)
        .annotate(units_shipped=Coalesce(Subquery(shipped, output_field=IntegerField()), 0))
        .order_by("order_id", "pk")
        .values_list(*LINE_FIELDS, named=True)
    )
    by_order: dict[int, list[tuple]] = defaultdict(list)
    for line in lines:
        by_order[line.order_id].append(line)
    return by_order


# Cells -------------------------------------------------------------------------


def _order_cells(order, lines, local) -> list[Any]:
    currency = order.currency
    status_labels, hold_labels, payment_labels = _labels()
    totals = compute_totals(lines, shipping=order.shipping_price, currency=currency)
    return [
        order.number,
        local(order.placed_at),
        local(order.completed_at),
        local(order.cancelled_at),
        neutralised(order.customer_name),
        neutralised(order.customer_email),
        neutralised(order.shipping_country),
        neutralised(order.market),
        neutralised(currency),
        totals.subtotal,
        totals.discount,
        totals.shipping,
        totals.tax,
        # The stored grand total: the figure the list shows and filters on.
        quantize(order.grand_total, currency),
        status_labels[order.status],
        "yes" if order.on_hold else "no",
        hold_labels[order.hold_kind] if order.hold_kind else "",
        payment_labels[order.payment__status] if order.payment__status else "",
        _money(order.payment__captured_amount, currency),
        _money(order.payment__refunded_amount, currency),
        sum(line.units_shipped for line in lines),
    ]


def _line_cells(line, currency: str) -> list[Any]:
    return [
        neutralised(line.sku),
        neutralised(line.product_name),
        neutralised(line.variant),
        line.quantity,
        line.quantity_cancelled,
        quantize(line.unit_price, currency),
        line.tax_percent,
        quantize(line.discount, currency),
        line_amount(line, line.quantity - line.quantity_cancelled, currency),
        line.units_shipped,
    ]


def _money(amount: Decimal | None, currency: str) -> Decimal | str:
    return "" if amount is None else quantize(amount, currency)


def _local_time(zone) -> Callable[[datetime | None], str]:
    """A moment as the site's local time, "2026-03-01 14:05:09" ("" for none)."""

    def local(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    return local


class _Buffer:
    """Where the csv writer writes; taken out once per batch, so memory stays flat."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, text: str) -> None:
        self._parts.append(text)

    def take(self) -> str:
        text, self._parts = "".join(self._parts), []
        return text


def write_csv(chunks: Iterable[str], out) -> None:
    for chunk in chunks:
        out.write(chunk)
