"""The export reads tuples of the columns it needs instead of model instances; its
file is the same as before, byte for byte (tests/export_reference.py is the
export as it was), on orders of every kind: formula-like and odd text, currencies
with 0 and 3 decimal places, discounts, cancelled units, shipments, holds."""

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
