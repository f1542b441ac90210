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
computed by `core.money` as everywhere else (an order's totals by
`compute_totals`, whose line totals are also the lines' "line total" cells);
dates are local time, and the file starts with a byte-order mark so Excel
reads names like "Åsa Öberg" as UTF-8.

Rows are made from plain tuples of the columns the file needs and written as
they are made; why, and the figures: `docs/benchmarks.md`.
"""

from __future__ import annotations

import csv
import io
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db.models import DateTimeField, F, Func, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.lookups import In
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import override

from core.money import compute_totals, quantize
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

# An order's columns, in the order `_order_cells` unpacks them.
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
DATE_FIELDS = {"placed_at", "completed_at", "cancelled_at"}
ORDER_PK = ORDER_FIELDS.index("pk")
ORDER_CURRENCY = ORDER_FIELDS.index("currency")
# What a line's cells and its order's totals read (compute_totals reads quantity,
# quantity_cancelled, unit_price, tax_percent and discount).
LINE_FIELDS = [
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
LINE_ORDER_ID = LINE_FIELDS.index("order_id")
# A line as `core.money` reads it, by attribute.
Line = namedtuple("Line", LINE_FIELDS)


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
    return _inert(value) if isinstance(value, str) else value


def _inert(text: str) -> str:
    """`neutralised`, for a column that is always text (the rows call it directly)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def headers(*, per_line: bool) -> list[str]:
    return ORDER_HEADERS + (LINE_HEADERS if per_line else [])


def rows(
    queryset: QuerySet[Order], *, per_line: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[list[Any]]:
    """The rows of every order in `queryset` (newest first), text made inert."""
    for batch_rows in _row_batches(queryset, per_line, batch_size):
        yield from batch_rows


def csv_chunks(
    queryset: QuerySet[Order], *, per_line: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[str]:
    """The CSV file as text chunks, one per batch of orders."""
    buffer = _Buffer()
    writer = csv.writer(buffer)
    buffer.write(BYTE_ORDER_MARK)
    writer.writerow(headers(per_line=per_line))
    for batch_rows in _row_batches(queryset, per_line, batch_size):
        writer.writerows(batch_rows)
        yield buffer.take()
    if rest := buffer.take():  # no orders: the header alone
        yield rest


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


def _row_batches(queryset, per_line: bool, batch_size: int) -> Iterator[Iterator[list[Any]]]:
    """Each batch's rows, made one at a time as they are written."""
    local = _local_time(timezone.get_current_timezone())
    lines = _lines_query()
    for batch in _batches(queryset, batch_size):
        ids = [order[ORDER_PK] for order in batch]
        batch_lines = list(lines.filter(_AnyOf(F("order_id"), ids)))
        yield _rows_of(batch, batch_lines, per_line, local)


def _batches(queryset: QuerySet[Order], size: int) -> Iterator[list[tuple]]:
    # Only these columns: the list's own annotations (shipment progress,
    # comment counts) are not computed for an export.
    columns = [_UTCWallTime(field) if field in DATE_FIELDS else field for field in ORDER_FIELDS]
    base = queryset.order_by("-pk").values_list(*columns)
    last_pk = None
    while True:
        page = base if last_pk is None else base.filter(pk__lt=last_pk)
        batch = list(page[:size])
        if not batch:
            return
        yield batch
        last_pk = batch[-1][ORDER_PK]


def _lines_query() -> QuerySet[OrderLine]:
    """Lines with their units shipped, newest order first like the batches."""
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
    units_shipped = _UnitsShipped(Subquery(shipped, output_field=IntegerField()), 0)
    return (
        OrderLine.objects.annotate(units_shipped=units_shipped)
        .order_by("-order_id", "pk")
        .values_list(*LINE_FIELDS)
    )


def _with_lines(batch: list[tuple], lines: list[tuple]) -> Iterator[tuple[tuple, list[Line]]]:
    """Each order of the batch with its lines. Both come newest order first, so an
    order's lines are the next ones. They become `Line`s only in their order's turn:
    the garbage collector never untracks a named tuple (it does a plain one), and a
    batch's worth living through the batch made it run full collections."""
    start = 0
    for order in batch:
        end = start
        while end < len(lines) and lines[end][LINE_ORDER_ID] == order[ORDER_PK]:
            end += 1
        yield order, [Line._make(line) for line in lines[start:end]]
        start = end


class _UTCWallTime(Func):
    """On PostgreSQL, a moment as its UTC wall-clock time (no time zone): psycopg
    reads those in C, Django's loader for zone-aware ones is Python. The same
    moment; `_local_time` puts the zone back. Elsewhere the column as it is."""

    template = "(%(expressions)s AT TIME ZONE 'UTC')"
    output_field = DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, **extra_context)


class _AnyOf(In):
    """`IN` for a batch's ids, sent to PostgreSQL as one array parameter: not a
    thousand placeholders to prepare, interpolate and parse per batch."""

    def get_prep_lookup(self):
        return [int(pk) for pk in self.rhs]  # only digits go into the array's text

    def as_postgresql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        # The array as its text, '{3,2,1}': psycopg would run a regex per element
        # of a list to see if it needs quotes.
        ids = "{" + ",".join(map(str, self.rhs)) + "}"
        return f"{column} = ANY(%s::bigint[])", (*params, ids)


class _UnitsShipped(Coalesce):
    """Coalesce without the int() per line an integer expression gets: the SUM of an
    integer column is one already."""

    def get_db_converters(self, connection):
        return self.output_field.get_db_converters(connection)


# Cells -------------------------------------------------------------------------


def _rows_of(batch, lines, per_line: bool, local) -> Iterator[list[Any]]:
    labels = _labels()
    for order, order_lines in _with_lines(batch, lines):
        cells, line_totals = _order_cells(order, order_lines, local, labels)
        if not per_line:
            yield cells
            continue
        currency = order[ORDER_CURRENCY]
        for line, total in zip(order_lines, line_totals, strict=True):
            yield cells + _line_cells(line, total, currency)


def _order_cells(order: tuple, lines: list[Line], local, labels) -> tuple[list[Any], tuple]:
    """An order's cells, and its lines' totals (the "line total" of their rows)."""
    (
        _pk,
        number,
        placed_at,
        completed_at,
        cancelled_at,
        customer_name,
        customer_email,
        shipping_country,
        market,
        currency,
        shipping_price,
        grand_total,
        status,
        on_hold,
        hold_kind,
        payment_status,
        captured,
        refunded,
    ) = order
    status_labels, hold_labels, payment_labels = labels
    totals = compute_totals(lines, shipping=shipping_price, currency=currency)
    cells = [
        number,
        local(placed_at),
        local(completed_at),
        local(cancelled_at),
        _inert(customer_name),
        _inert(customer_email),
        _inert(shipping_country),
        _inert(market),
        _inert(currency),
        totals.subtotal,
        totals.discount,
        totals.shipping,
        totals.tax,
        # The stored grand total: the figure the list shows and filters on.
        quantize(grand_total, currency),
        status_labels[status],
        "yes" if on_hold else "no",
        hold_labels[hold_kind] if hold_kind else "",
        payment_labels[payment_status] if payment_status else "",
        "" if captured is None else quantize(captured, currency),
        "" if refunded is None else quantize(refunded, currency),
        sum(line.units_shipped for line in lines),
    ]
    return cells, totals.lines


def _line_cells(line: Line, total: Decimal, currency: str) -> list[Any]:
    return [
        _inert(line.sku),
        _inert(line.product_name),
        _inert(line.variant),
        line.quantity,
        line.quantity_cancelled,
        quantize(line.unit_price, currency),
        line.tax_percent,
        quantize(line.discount, currency),
        total,  # line_amount of its active units, as compute_totals made it
        line.units_shipped,
    ]


def _local_time(zone) -> Callable[[datetime | None], str]:
    """A moment as the site's local time, "2026-03-01 14:05:09" ("" for none)."""
    in_utc = zone is UTC or getattr(zone, "key", None) == "UTC"

    def local(moment: datetime | None) -> str:
        if moment is None:
            return ""
        if moment.tzinfo is None:  # a UTC wall-clock time (`_UTCWallTime`)
            if not in_utc:
                moment = moment.replace(tzinfo=UTC).astimezone(zone)
        else:
            moment = moment.astimezone(zone)
        # isoformat: several times faster than strftime, and like it drops the
        # microseconds; but a year before 1000 stays strftime's ("999-…", no zeros).
        if moment.year < 1000:
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        return moment.isoformat(" ", "seconds")[:19]

    return local


class _Buffer(io.StringIO):
    """Where the csv writer writes; taken out once per batch, so memory stays flat."""

    def take(self) -> str:
        text = self.getvalue()
        self.seek(0)
        self.truncate()
        return text


def write_csv(chunks: Iterable[str], out) -> None:
    for chunk in chunks:
        out.write(chunk)
