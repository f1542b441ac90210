"""The export reads tuples of the columns it needs instead of model instances; its
file is the same as before, byte for byte (tests/export_reference.py is the
export as it was), on orders of every kind: formula-like and odd text, currencies
with 0 and 3 decimal places, discounts, cancelled units, shipments, holds."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice import export
from orders.models import HoldKind, Order, OrderLine, OrderStatus
from orders.services import hold_order
from tests.export_reference import reference_csv
from tests.factories import FACTORY, LineDataFactory, OrderFactory

S = OrderStatus
pytestmark = pytest.mark.django_db

ODD_NAMES = [
    '=HYPERLINK("http://evil.example","x")',
    '+46 Åsa Öberg, "Quoted"',
    "-minus; semi",
    "@sum",
    "\tTab",
    "\rReturn",
    "Line\nbreak",
    "Zoë 😀 中文",
]


def odd_lines(n: int) -> list[dict]:
    return [
        LineDataFactory(
            sku=f"=SKU,{n}",
            product_name='Shirt "crew", blue',
            variant="\r=1",
            discount=Decimal("3.33"),
            quantity=3,
            unit_price=Decimal("19.99"),
            tax_percent=Decimal("12.50"),
        ),
        LineDataFactory(sku=f"SKU-{n}", product_name="Plain - not a formula", variant="M"),
        LineDataFactory(sku=f"@{n}", product_name="Ünïcödé\nsecond line", quantity=2),
    ]


@pytest.fixture
def varied_orders():
    statuses = [S.INCOMPLETE, S.PENDING, S.CONFIRMED, S.PROCESSING, S.COMPLETED, S.ARCHIVED]
    currencies = [("EUR", "EU"), ("JPY", "JP"), ("BHD", "BH"), ("USD", "+US")]
    made = []
    for n, name in enumerate(ODD_NAMES):
        currency, market = currencies[n % len(currencies)]
        made.append(
            OrderFactory(
                status=statuses[n % len(statuses)],
                customer_name=name,
                customer_email=f"=odd{n}@example.com",
                market=market,
                currency=currency,
                shipping_price=Decimal("7") if currency == "JPY" else Decimal("4.50"),
                lines=odd_lines(n),
            )
        )
    made.append(OrderFactory(status=S.CANCELLED, lines=odd_lines(99)))
    made.append(OrderFactory(status=S.INCOMPLETE, lines=[]))
    held = made[1]
    hold_order(order_id=held.pk, by=FACTORY, kind=HoldKind.FRAUD_CHECK, reason="Card check")
    # A line with units cancelled (the export charges only the active ones).
    OrderLine.objects.filter(order=made[2], sku="SKU-2").update(quantity_cancelled=1)
    return made


@pytest.mark.parametrize("per_line", [False, True])
@pytest.mark.parametrize("batch_size", [3, 1000])
def test_the_file_is_the_same_as_the_reference_byte_for_byte(varied_orders, per_line, batch_size):
    everything = Order.objects.all()
    new = "".join(export.csv_chunks(everything, per_line=per_line, batch_size=batch_size))
    old = "".join(reference_csv(everything, per_line=per_line, batch_size=batch_size))
    assert new.encode() == old.encode()
    # The data does reach every odd case the comparison is meant to cover.
    assert "'=HYPERLINK" in new and "Zoë 😀" in new and "'@sum" in new
    assert ("'=SKU,0" in new) == per_line


def test_a_filtered_selection_is_the_same_file_too(varied_orders):
    selection = Order.objects.filter(currency__in=["JPY", "BHD"]).exclude(status=S.ARCHIVED)
    for per_line in (False, True):
        new = "".join(export.csv_chunks(selection, per_line=per_line, batch_size=2))
        old = "".join(reference_csv(selection, per_line=per_line, batch_size=2))
        assert new == old and new.count("\n") > 2


# Moments at the edges of local time: clock changes, the last microsecond of a
# second, a year strftime writes without leading zeros.
EDGES = [
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # Stockholm: 01:59:59 winter time
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # and 03:00:00 summer time
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 summer time
    datetime(2026, 10, 25, 1, 30, 0, 500000, tzinfo=UTC),  # 02:30 again, winter time
    datetime(2026, 11, 1, 4, 29, 59, 999999, tzinfo=UTC),  # St. John's (-2:30): 01:59:59
    datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Stockholm", "America/St_Johns"])
def test_local_times_at_the_edges_are_the_same_file(varied_orders, settings, zone):
    settings.TIME_ZONE = zone
    for order, moment in zip(varied_orders, EDGES, strict=False):
        Order.objects.filter(pk=order.pk).update(
            placed_at=moment, completed_at=moment + timedelta(microseconds=1), cancelled_at=None
        )
    everything = Order.objects.all()
    new = "".join(export.csv_chunks(everything, per_line=True, batch_size=4))
    assert new == "".join(reference_csv(everything, per_line=True, batch_size=4))
    expected = {
        "UTC": ["2026-03-29 00:59:59", "2026-03-29 01:00:00", "999-12-31 23:59:59"],
        "Europe/Stockholm": ["2026-03-29 01:59:59", "2026-03-29 03:00:00", "2026-10-25 02:30:00"],
        "America/St_Johns": ["2026-11-01 01:59:59"],
    }[zone]
    assert all(text in new for text in expected)


def test_no_row_builds_a_model_or_runs_a_query(varied_orders, monkeypatch):
    built = []
    original = OrderLine.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(OrderLine, "__init__", counting_init)
    with CaptureQueriesContext(connection) as queries:
        rows = list(export.rows(Order.objects.all(), per_line=True, batch_size=1000))
    assert built == []
    # One batch: the orders, their lines, then the empty read that ends the walk.
    assert len(queries) == 3
    assert len(rows) == OrderLine.objects.count()
