"""Moving an order's reserved units to another warehouse: the service, its
refusals (each changing nothing) and the split page's form."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from orders.models import OrderEvent
from shipments import services as shipping
from shipments.models import Allocation
from tests import test_allocation
from tests.factories import FACTORY, StockFactory, UserFactory
from tests.helpers import snapshot, stock_snapshot
from tests.test_allocation import checkout, confirmed, counts, reserved, selection

pytestmark = pytest.mark.django_db


# The allocation tests' warehouses and market: Stockholm first, then Berlin.
first = pytest.fixture(test_allocation.first.__wrapped__, name="first")
second = pytest.fixture(test_allocation.second.__wrapped__, name="second")
market = pytest.fixture(test_allocation.market.__wrapped__, name="market")


@pytest.fixture
def order(market, first, second):
    """Two units of TEE-M reserved in Stockholm; Berlin has three on the shelf."""
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=3)
    return confirmed(checkout(selection(2)))


def held_in(order, warehouse) -> Allocation:
    return Allocation.objects.get(order_line__order=order, warehouse=warehouse)


def move(order, row, to, quantity, by=FACTORY):
    return shipping.move_reservation(
        order_id=order.pk, allocation_id=row.pk, to_warehouse_id=to.pk, quantity=quantity, by=by
    )


def test_moving_units_reserves_them_in_the_other_warehouse(order, first, second):
    move(order, held_in(order, first), second, 1)

    assert reserved(order) == {"Stockholm": 1, "Berlin": 1}
    assert counts(first) == (2, 1)
    assert counts(second) == (3, 1)
    event = OrderEvent.objects.filter(order=order, transition="move_reservation").get()
    assert event.message == "Moved the reservation of 1 × TEE-M from Stockholm to Berlin."
    # The split proposes what is now reserved in Berlin, with what Berlin has free.
    proposal = shipping.propose_split(order=order, warehouse=second)
    assert proposal.quantities == {order.lines.get().pk: 2}


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ("too_many", "Move 1 to 2 units of TEE-M: that is what Stockholm holds."),
        ("zero", "Move 1 to 2 units of TEE-M: that is what Stockholm holds."),
        ("same_place", "The units of TEE-M are reserved in Stockholm already."),
        ("short_there", "Only 0 of TEE-M are available in Berlin, not the 1 to move."),
        ("foreign_row", "holds no such reservation: the page is out of date, reload it."),
        ("not_permitted", "You do not have permission to"),
        ("on_hold", "is on hold"),
    ],
)
def test_a_refused_move_says_why_and_changes_nothing(order, first, second, change, sentence):
    row, to, quantity, by = held_in(order, first), second, 1, FACTORY
    if change == "too_many":
        quantity = 3
    elif change == "zero":
        quantity = 0
    elif change == "same_place":
        to = first
    elif change == "short_there":
        second_stock = second.stock.get(sku="TEE-M")
        shipping.set_stock_on_hand(stock_id=second_stock.pk, on_hand=0, by=FACTORY)
    elif change == "foreign_row":
        other = confirmed(checkout(selection(1, sku="TEE-M")))
        row = held_in(other, first) if reserved(other).get("Stockholm") else held_in(other, second)
    elif change == "not_permitted":
        by = UserFactory(is_staff=True)
    elif change == "on_hold":
        from orders import services as orders

        orders.hold_order(order_id=order.pk, kind="fraud_check", reason="Check", by=FACTORY)
    before, stock_before = snapshot(order), stock_snapshot()
    allocations = list(Allocation.objects.values_list("pk", "warehouse_id", "quantity"))

    with pytest.raises(DomainError) as refused:
        move(order, row, to, quantity, by=by)

    assert sentence in str(refused.value)
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before
    assert list(Allocation.objects.values_list("pk", "warehouse_id", "quantity")) == allocations


def test_the_split_page_moves_a_reservation(admin_client, order, first, second):
    page = admin_client.get(f"/admin/orders/order/{order.pk}/split/").content.decode()
    assert "Move a reservation" in page
    assert "2 × TEE-M in Stockholm" in page

    answer = admin_client.post(
        f"/admin/orders/order/{order.pk}/split/move/",
        {"allocation": held_in(order, first).pk, "to_warehouse": second.pk, "quantity": "2"},
        follow=True,
    )

    assert "2 × TEE-M now reserved in Berlin." in answer.content.decode()
    assert reserved(order) == {"Berlin": 2}


def test_the_split_page_refuses_a_bad_move_with_one_sentence(admin_client, order, first, second):
    before = stock_snapshot()
    answer = admin_client.post(
        f"/admin/orders/order/{order.pk}/split/move/",
        {"allocation": held_in(order, first).pk, "to_warehouse": second.pk, "quantity": "1.5"},
        follow=True,
    )

    assert answer.status_code == 200
    assert "Units:" in answer.content.decode()
    assert stock_snapshot() == before
    assert reserved(order) == {"Stockholm": 2}


def test_the_move_form_is_not_offered_when_nothing_is_reserved(admin_client, market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    order = confirmed(checkout(selection(2)))
    shipping.create_shipment(
        order_id=order.pk, warehouse_id=first.pk, quantities={order.lines.get().pk: 1}, by=FACTORY
    )
    page = admin_client.get(f"/admin/orders/order/{order.pk}/split/").content.decode()
    assert "Move a reservation" in page  # one unit still waits in Stockholm

    shipping.create_shipment(
        order_id=order.pk, warehouse_id=first.pk, quantities={order.lines.get().pk: 1}, by=FACTORY
    )
    assert admin_client.get(f"/admin/orders/order/{order.pk}/split/").status_code == 302
