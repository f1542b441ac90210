"""Stock reserved at placement: by the market's allocation rule, consumed by shipments,
released by cancelling, refused when short; orders of markets without a rule keep
allocating at shipment creation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice import services as backoffice
from backoffice.services.line_edits import LineEdits
from core.errors import DomainError
from orders import services as orders
from orders.models import Order, OrderStatus, StoreSettings
from payments.models import PaymentTransaction
from shipments import services as shipping
from shipments.models import Allocation, Stock
from tests.catalog_support import make_market
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    StockFactory,
    UserFactory,
    WarehouseFactory,
)
from tests.helpers import snapshot, stock_snapshot

S = OrderStatus

pytestmark = pytest.mark.django_db

# The split page (session, user and permissions included): the order, its lines,
# warehouses, stock and reservations, each read a fixed number of times, and the
# reservations once more for the form that moves them.
SPLIT_PAGE_QUERIES = 18


@pytest.fixture
def first(db):
    return WarehouseFactory(name="Stockholm", priority=1)


@pytest.fixture
def second(db):
    return WarehouseFactory(name="Berlin", priority=2)


@pytest.fixture
def market(first, second):
    """WEB reserves from Stockholm, then Berlin."""
    return make_market(code="WEB", warehouses=(first, second))


def selection(*quantities: int, sku: str = "TEE-M", market: str = "WEB") -> Order:
    lines = [
        LineDataFactory(sku=sku, quantity=quantity, unit_price=Decimal("10.00"))
        for quantity in quantities
    ]
    return OrderFactory(market=market, lines=lines)


def checkout(order: Order) -> Order:
    return backoffice.checkout_order(order_id=order.pk, by=FACTORY)


def reserved(order: Order) -> dict[str, int]:
    """Warehouse name → units the order holds there."""
    held: dict[str, int] = {}
    for name, quantity in Allocation.objects.filter(order_line__order=order).values_list(
        "warehouse__name", "quantity"
    ):
        held[name] = held.get(name, 0) + quantity
    return {name: units for name, units in held.items() if units}


def counts(warehouse, sku: str = "TEE-M") -> tuple[int, int]:
    row = Stock.objects.get(warehouse=warehouse, sku=sku)
    return row.on_hand, row.allocated


def test_checkout_reserves_from_the_first_warehouse_then_the_next(market, first, second):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=5)
    order = checkout(selection(3))

    assert order.status == S.PENDING
    assert reserved(order) == {"Stockholm": 2, "Berlin": 1}
    assert counts(first) == (2, 2)
    assert counts(second) == (5, 1)


def test_checkout_refuses_when_the_rule_holds_too_few_and_changes_nothing(market, first, second):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=1)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=1)
    order = selection(2, 1)
    before, stock_before = snapshot(order), stock_snapshot()

    with pytest.raises(DomainError) as refused:
        checkout(order)

    assert str(refused.value) == "Only 2 of TEE-M are in stock, not the 3 wanted."
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before
    assert not Allocation.objects.exists()
    assert not PaymentTransaction.objects.filter(payment__order=order).exists()


def test_a_declined_checkout_reserves_nothing(market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=5)
    order = selection(1)
    # The test provider declines totals ending in .13.
    Order.objects.filter(pk=order.pk).update(shipping_price=Decimal("3.13"))
    stock_before = stock_snapshot()

    with pytest.raises(DomainError):
        checkout(order)

    assert Order.objects.get(pk=order.pk).status == S.INCOMPLETE
    assert stock_snapshot() == stock_before
    assert not Allocation.objects.exists()


def test_a_market_without_a_rule_allocates_at_shipment_as_before(first):
    make_market(code="EU")  # no warehouses: no rule
    StockFactory(warehouse=first, sku="TEE-M", on_hand=5)
    order = checkout(selection(2, market="EU"))

    assert not Allocation.objects.exists()
    assert counts(first) == (5, 0)
    orders.confirm_order(order_id=order.pk, by=FACTORY)
    shipping.create_shipment(
        order_id=order.pk,
        warehouse_id=first.pk,
        quantities={order.lines.get().pk: 2},
        by=FACTORY,
    )
    assert counts(first) == (5, 2)


def confirmed(order: Order) -> Order:
    return orders.confirm_order(order_id=order.pk, by=FACTORY)


def test_a_shipment_consumes_the_reservation_and_completion_takes_it_off_the_shelf(
    market, first, second
):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    order = confirmed(checkout(selection(2)))
    line = order.lines.get()

    shipment = shipping.create_shipment(
        order_id=order.pk, warehouse_id=first.pk, quantities={line.pk: 2}, by=FACTORY
    )

    assert counts(first) == (2, 2)  # the same two units, counted once
    assert reserved(order) == {}
    shipping.mark_good_to_go(shipment_id=shipment.pk, by=FACTORY)
    shipping.complete_shipment(
        shipment_id=shipment.pk, tracking_number="PN1", carrier="PostNord", by=FACTORY
    )
    assert counts(first) == (0, 0)


def test_shipping_from_another_warehouse_releases_the_reservation_there(market, first, second):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=3)
    order = confirmed(checkout(selection(2)))
    line = order.lines.get()

    shipping.create_shipment(
        order_id=order.pk, warehouse_id=second.pk, quantities={line.pk: 1}, by=FACTORY
    )

    # One unit ships from Berlin: the order needs one unit more, kept in Stockholm.
    assert reserved(order) == {"Stockholm": 1}
    assert counts(first) == (2, 1)
    assert counts(second) == (3, 1)


def test_deleting_a_shipment_reserves_its_units_again(market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    order = confirmed(checkout(selection(2)))
    shipment = shipping.create_shipment(
        order_id=order.pk,
        warehouse_id=first.pk,
        quantities={order.lines.get().pk: 2},
        by=FACTORY,
    )

    shipping.delete_shipment(shipment_id=shipment.pk, by=FACTORY)

    assert reserved(order) == {"Stockholm": 2}
    assert counts(first) == (2, 2)


def test_split_proposes_the_units_the_order_reserved(market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    order = confirmed(checkout(selection(2)))

    proposal = shipping.propose_split(order=order, warehouse=first)

    assert proposal.ships_everything
    assert shipping.expedite_order(order_id=order.pk, by=FACTORY).warehouse == first
    assert counts(first) == (2, 2)


def test_cancelling_products_releases_their_reservation_last_choice_first(market, first, second):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=2)
    order = checkout(selection(4))

    backoffice.cancel_products(
        order_id=order.pk, quantities={order.lines.get().pk: 3}, reason="Changed mind", by=FACTORY
    )

    assert reserved(order) == {"Stockholm": 1}
    assert counts(first) == (2, 1)
    assert counts(second) == (2, 0)


def test_restoring_a_cancelled_unit_reserves_it_and_refuses_when_gone(market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=3)
    order = checkout(selection(2, 1))
    a, _other_line = order.lines.order_by("pk")
    backoffice.cancel_products(order_id=order.pk, quantities={a.pk: 2}, reason="x", by=FACTORY)
    assert counts(first) == (3, 1)
    backoffice.restore_products(order_id=order.pk, quantities={a.pk: 1}, reason="y", by=FACTORY)
    assert counts(first) == (3, 2)
    # Someone else takes the last unit: restoring the other one is refused.
    other = checkout(selection(1))
    assert counts(first) == (3, 3)
    before, stock_before = snapshot(order), stock_snapshot()

    with pytest.raises(DomainError, match=r"Only 0 of TEE-M are in stock, not the 1 wanted\."):
        backoffice.restore_products(order_id=order.pk, quantities={a.pk: 1}, reason="z", by=FACTORY)

    assert snapshot(order) == before
    assert stock_snapshot() == stock_before
    assert reserved(other) == {"Stockholm": 1}


def test_cancelling_the_order_releases_everything(market, first, second):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=2)
    order = confirmed(checkout(selection(3)))
    shipping.create_shipment(
        order_id=order.pk,
        warehouse_id=first.pk,
        quantities={order.lines.get().pk: 1},
        by=FACTORY,
    )

    backoffice.cancel_order(order_id=order.pk, by=FACTORY, reason="Fraud")

    assert reserved(order) == {}
    assert counts(first) == (2, 0)
    assert counts(second) == (2, 0)


def test_editing_lines_moves_the_reservation_to_the_new_sku(market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    StockFactory(warehouse=first, sku="TEE-L", on_hand=2)
    order = checkout(selection(2))
    line = order.lines.get()

    backoffice.edit_order(
        order_id=order.pk,
        loaded_version=order.version,
        details={},
        lines=LineEdits(changed={line.pk: {"sku": "TEE-L", "quantity": 1}}),
        by=UserFactory(is_superuser=True),
    )

    assert counts(first, "TEE-M") == (2, 0)
    assert counts(first, "TEE-L") == (2, 1)


def split_page_queries(admin_client, order: Order) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(f"/admin/orders/order/{order.pk}/split/").status_code == 200
    return len(queries)


def test_split_page_shows_where_the_units_are_reserved(
    admin_client, market, first, second, django_assert_max_num_queries
):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=1)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=1)
    order = confirmed(checkout(selection(2)))

    with django_assert_max_num_queries(SPLIT_PAGE_QUERIES):
        page = admin_client.get(f"/admin/orders/order/{order.pk}/split/").content.decode()

    assert "Reserved at placement" in page
    assert "1 in Stockholm, 1 in Berlin" in page


def test_restoring_a_cancelled_order_reserves_again_or_is_refused(market, first):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=2)
    order = checkout(selection(2))
    backoffice.cancel_order(order_id=order.pk, by=FACTORY, reason="Asked to")
    assert counts(first) == (2, 0)

    backoffice.restore_order(order_id=order.pk, reason="Asked again.", by=FACTORY)
    assert reserved(order) == {"Stockholm": 2}
    assert counts(first) == (2, 2)

    backoffice.cancel_order(order_id=order.pk, by=FACTORY, reason="Asked to")
    other = checkout(selection(1))
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(DomainError, match=r"Only 1 of TEE-M are in stock, not the 2 wanted\."):
        backoffice.restore_order(order_id=order.pk, reason="Once more.", by=FACTORY)
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before
    assert reserved(other) == {"Stockholm": 1}


def test_the_split_page_reads_as_many_queries_for_many_reserved_lines(
    admin_client, market, first, second
):
    StockFactory(warehouse=first, sku="TEE-M", on_hand=20)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=20)
    one = confirmed(checkout(selection(2)))
    many = confirmed(checkout(selection(2, 3, 4, 5, 6)))
    split_page_queries(admin_client, one)  # the session and permissions read once

    assert split_page_queries(admin_client, many) == split_page_queries(admin_client, one)


def test_direct_to_shipment_ships_the_reserved_units_counting_them_once(market, first, second):
    StoreSettings.objects.update_or_create(pk=1, defaults={"direct_to_shipment": True})
    StockFactory(warehouse=first, sku="TEE-M", on_hand=1)
    StockFactory(warehouse=second, sku="TEE-M", on_hand=3)
    order = checkout(selection(2))

    # Stockholm (first by the rule) could not ship both; Berlin ships them all, and
    # what was reserved in Stockholm goes back.
    shipment = order.shipments.get()
    assert shipment.warehouse == second
    assert reserved(order) == {}
    assert counts(first) == (1, 0)
    assert counts(second) == (3, 2)
