"""A line edit from a page loaded before a split, raced against the split, on PostgreSQL.

Each round: the page is loaded (its version read), then the edit and a new
shipment go at the same moment from two connections. Every edit is either made
and logged, or refused with the stale-page sentence (or, when the split came
first and was seen, the lines' refusal); none is lost under a success.
"""

from decimal import Decimal
from functools import partial

import pytest

from backoffice import services as backoffice
from core.errors import DomainError
from orders.models import Order, OrderEvent, OrderStatus
from shipments import services as shipping
from tests.factories import FACTORY, LineDataFactory, OrderFactory, WarehouseFactory, stock_for
from tests.helpers import race

ROUNDS = 20

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def edit(order_id: int, version: str, line_id: int) -> Order:
    return backoffice.edit_order(
        order_id=order_id,
        loaded_version=version,
        details={},
        lines=backoffice.LineEdits(changed={line_id: {"quantity": 1}}),
        by=FACTORY,
    )


def split(order_id: int, warehouse_id: int, line_id: int):
    return shipping.create_shipment(
        order_id=order_id, warehouse_id=warehouse_id, quantities={line_id: 1}, by=FACTORY
    )


def test_a_stale_edit_against_a_split_is_made_or_refused_never_lost():
    warehouse = WarehouseFactory()
    outcomes = set()
    for _ in range(ROUNDS):
        order = OrderFactory(
            status=OrderStatus.CONFIRMED,
            lines=[LineDataFactory(quantity=3, unit_price=Decimal("10.00"))],
        )
        stock_for(order, warehouse)
        line = order.lines.get()
        edited, shipped = race(
            partial(edit, order.pk, order.version, line.pk),
            partial(split, order.pk, warehouse.pk, line.pk),
        )
        line.refresh_from_db()
        edits = OrderEvent.objects.filter(order=order, transition="edit_lines")
        if isinstance(edited, Order):
            outcomes.add("edited")
            assert (line.quantity, edits.count()) == (1, 1)
        else:
            assert isinstance(edited, DomainError), edited
            outcomes.add("refused")
            assert str(edited) in {
                f"{order} changed since you opened it: reload and try again.",
                f"{order} has shipments: its lines can no longer change; cancel products instead.",
            }
            assert (line.quantity, edits.count()) == (3, 0)
        # The split never ships more than the line has, whichever went first.
        assert not isinstance(shipped, Exception) or isinstance(shipped, DomainError), shipped
    # Both interleavings are possible; the assertions above hold for each.
    assert outcomes
