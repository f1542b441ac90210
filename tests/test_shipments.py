"""Shipments: splitting, stock, good-to-go, deletion, and the order following them."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, models, transaction

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import HoldKind, Order, OrderEvent, OrderStatus
from shipments import services as shipping
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Stock
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    ShipmentLineFactory,
    StockFactory,
    UserFactory,
    WarehouseFactory,
    default_warehouse,
)
from tests.helpers import snapshot, stock_snapshot

S = OrderStatus
SS = ShipmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", is_superuser=True)


@pytest.fixture
def warehouse(db):
    return default_warehouse()


@pytest.fixture
def order(db):
    """Confirmed: 3 × SKU-A and 2 × SKU-B."""
    return OrderFactory(
        status=S.CONFIRMED,
        lines=[
            LineDataFactory(sku="SKU-A", quantity=3, unit_price=Decimal("10.00")),
            LineDataFactory(sku="SKU-B", quantity=2, unit_price=Decimal("25.00")),
        ],
    )


def lines_of(order):
    return list(order.lines.order_by("pk"))


def stock(warehouse, sku):
    return Stock.objects.get(warehouse=warehouse, sku=sku)


def create(order, warehouse, quantities, by="boss"):
    return shipping.create_shipment(
        order_id=order.pk, warehouse_id=warehouse.pk, quantities=quantities, by=by
    )


# ------------------------------------------------------------------ splitting


def test_propose_split_ships_what_the_warehouse_has(order, warehouse):
    a, b = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=2)
    proposal = shipping.propose_split(order=order, warehouse=warehouse)
    assert [(p.line, p.unshipped, p.available, p.quantity) for p in proposal.lines] == [
        (a, 3, 2, 2),
        (b, 2, 0, 0),
    ]
    assert proposal.quantities == {a.pk: 2}
    assert not proposal.ships_everything


def test_propose_split_shares_one_sku_between_lines_and_skips_shipped_units(warehouse):
    order = OrderFactory(
        status=S.CONFIRMED,
        lines=[LineDataFactory(sku="SKU-X", quantity=2), LineDataFactory(sku="SKU-X", quantity=2)],
    )
    first, second = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-X", on_hand=5)
    create(order, warehouse, {first.pk: 1})
    proposal = shipping.propose_split(order=order, warehouse=warehouse)
    # 4 left in stock after the allocation: 1 for the first line, 2 for the second.
    assert proposal.quantities == {first.pk: 1, second.pk: 2}
    assert proposal.ships_everything


def test_first_shipment_moves_the_order_to_processing_and_allocates(order, warehouse):
    a, b = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=5)
    StockFactory(warehouse=warehouse, sku="SKU-B", on_hand=5)
    events_before = OrderEvent.objects.filter(order=order).count()

    shipment = create(order, warehouse, {a.pk: 2, b.pk: 1})

    assert str(shipment) == f"Shipment {order.number}-1"
    assert shipment.status == SS.CREATED
    assert {(sl.order_line_id, sl.quantity) for sl in shipment.lines.all()} == {
        (a.pk, 2),
        (b.pk, 1),
    }
    assert (stock(warehouse, "SKU-A").allocated, stock(warehouse, "SKU-B").allocated) == (2, 1)
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING
    new_events = list(OrderEvent.objects.filter(order=order)[events_before:])
    assert [
        (e.subject, e.subject_ref, e.transition, e.from_state, e.to_state) for e in new_events
    ] == [
        ("shipment", f"{order.number}-1", "create", "", "created"),
        ("order", "", "start_processing", str(S.CONFIRMED), str(S.PROCESSING)),
    ]
    assert new_events[0].actor == "boss"


def test_second_shipment_keeps_processing_with_one_event(order, warehouse):
    a, b = lines_of(order)
    ShipmentFactory(order=order, quantities={a.pk: 3})
    events_before = OrderEvent.objects.filter(order=order).count()
    second = ShipmentFactory(order=order, quantities={b.pk: 2})
    assert second.ref == f"{order.number}-2"
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING
    assert OrderEvent.objects.filter(order=order).count() == events_before + 1


def test_shipment_numbers_are_never_reused(order, warehouse):
    a, b = lines_of(order)
    ShipmentFactory(order=order, quantities={a.pk: 1})
    second = ShipmentFactory(order=order, quantities={b.pk: 1})
    shipping.delete_shipment(shipment_id=second.pk, by="boss")
    third = ShipmentFactory(order=order, quantities={b.pk: 1})
    assert third.ref == f"{order.number}-3"


# ------------------------------------------------------------------ refusals


def other_orders_line(db):
    return OrderFactory(status=S.CONFIRMED).lines.first().pk


@pytest.mark.parametrize(
    ("quantities", "sentence"),
    [
        (lambda a, b: {a: 4}, r"^Only 3 of SKU-A are left to ship in Order \d+, not 4\.$"),
        (lambda a, b: {a: -1}, r"^The quantity for SKU-A cannot be negative\.$"),
        (lambda a, b: {a: 1.5}, r"^The quantity for SKU-A must be a whole number\.$"),
        (lambda a, b: {a: "2"}, r"^The quantity for SKU-A must be a whole number\.$"),
        (lambda a, b: {a: True}, r"^The quantity for SKU-A must be a whole number\.$"),
        (lambda a, b: {a: 0, b: 0}, r"^Choose at least one unit to ship\.$"),
        (lambda a, b: {}, r"^Choose at least one unit to ship\.$"),
        (lambda a, b: [(a, 1)], r"^Give the quantity to ship for each line\.$"),
        (lambda a, b: {str(a): 1}, r"^Line #\d+ is not a line of Order \d+\.$"),
        (lambda a, b: {a: 1, 999_999: 1}, r"^Line #999999 is not a line of Order \d+\.$"),
        (lambda a, b: {a: 3, b: 2}, r"^Main has 1 of SKU-B available, not the 2 asked for\.$"),
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(order, warehouse, quantities, sentence):
    a, b = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=5)
    StockFactory(warehouse=warehouse, sku="SKU-B", on_hand=1)
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(DomainError, match=sentence):
        create(order, warehouse, quantities(a.pk, b.pk))
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


def test_a_line_of_another_order_is_refused(order, warehouse):
    other_line = OrderFactory(status=S.CONFIRMED).lines.first()
    StockFactory(warehouse=warehouse, sku=other_line.sku, on_hand=5)
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(DomainError, match=rf"^Line #{other_line.pk} is not a line of Order"):
        create(order, warehouse, {other_line.pk: 1})
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


def test_missing_stock_row_counts_as_none_available(order, warehouse):
    a, _ = lines_of(order)
    before = snapshot(order)
    with pytest.raises(
        DomainError, match=r"^Main has 0 of SKU-A available, not the 1 asked for\.$"
    ):
        create(order, warehouse, {a.pk: 1})
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("warehouse_id", "sentence"),
    [(987654, r"^Warehouse #987654 does not exist\.$"), ("x", r"^Warehouse #x does not exist\.$")],
)
def test_unknown_warehouse_is_refused(order, warehouse_id, sentence):
    a, _ = lines_of(order)
    before = snapshot(order)
    with pytest.raises(DomainError, match=sentence):
        shipping.create_shipment(
            order_id=order.pk, warehouse_id=warehouse_id, quantities={a.pk: 1}, by="boss"
        )
    assert snapshot(order) == before


def test_inactive_warehouse_is_refused(order):
    closed = WarehouseFactory(name="Closed", is_active=False)
    a, _ = lines_of(order)
    StockFactory(warehouse=closed, sku="SKU-A")
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(DomainError, match=r"^Warehouse Closed is not active\.$"):
        create(order, closed, {a.pk: 1})
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


@pytest.mark.parametrize("status", [S.INCOMPLETE, S.PENDING, S.CANCELLED])
def test_orders_not_confirmed_cannot_be_shipped(status, warehouse):
    order = OrderFactory(status=status)
    line = order.lines.first()
    StockFactory(warehouse=warehouse, sku=line.sku)
    before = snapshot(order)
    with pytest.raises(
        DomainError,
        match=rf"^Order {order.number} is {S(status).label}, so it cannot be expedited\.$",
    ):
        create(order, warehouse, {line.pk: 1})
    assert snapshot(order) == before


def test_nothing_left_to_ship_is_refused(order, warehouse):
    ShipmentFactory(order=order)
    a, _ = lines_of(order)
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(DomainError, match=rf"^Order {order.number} has nothing left to ship\.$"):
        create(order, warehouse, {a.pk: 1})
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


def test_cancelled_units_cannot_be_shipped(warehouse):
    order = OrderFactory(
        status=S.CONFIRMED, lines=[LineDataFactory(sku="SKU-C", quantity=3, quantity_cancelled=2)]
    )
    line = order.lines.get()
    StockFactory(warehouse=warehouse, sku="SKU-C")
    with pytest.raises(DomainError, match="Only 1 of SKU-C are left to ship"):
        create(order, warehouse, {line.pk: 2})
    create(order, warehouse, {line.pk: 1})


def test_unknown_shipment_is_a_plain_refusal():
    with pytest.raises(DomainError, match=r"^Shipment #424242 does not exist"):
        shipping.mark_good_to_go(shipment_id=424242, by="boss")


# ------------------------------------------------------------------ hold


def held(order):
    return services.hold_order(order_id=order.pk, by="boss", kind=HoldKind.MANUAL, reason="Check")


def test_a_held_order_cannot_get_a_shipment(order, warehouse):
    a, _ = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A")
    held(order)
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(
        DomainError, match=rf"^Order {order.number} is on hold: resume it before shipping\.$"
    ):
        create(order, warehouse, {a.pk: 1})
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


def test_a_held_order_cannot_mark_good_to_go(order):
    shipment = ShipmentFactory(order=order)
    held(order)
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(
        DomainError, match=rf"^Order {order.number} is on hold: resume it before shipping\.$"
    ):
        shipping.mark_good_to_go(shipment_id=shipment.pk, by="boss")
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


def test_steps_back_stay_allowed_on_hold(order):
    a, b = lines_of(order)
    first = ShipmentFactory(order=order, quantities={a.pk: 3}, status=SS.GOOD_TO_GO)
    second = ShipmentFactory(order=order, quantities={b.pk: 2})
    held(order)
    assert shipping.mark_not_good_to_go(shipment_id=first.pk, by="boss").status == SS.CREATED
    shipping.delete_shipment(shipment_id=second.pk, by="boss")
    shipping.delete_shipment(shipment_id=first.pk, by="boss")
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.on_hold) == (S.CONFIRMED, True)


# ------------------------------------------------------------------ good-to-go, delete


def test_good_to_go_and_back(order):
    shipment = ShipmentFactory(order=order)
    ready = shipping.mark_good_to_go(shipment_id=shipment.pk, by="boss")
    assert (ready.status, ready.good_to_go_at is not None) == (SS.GOOD_TO_GO, True)
    with pytest.raises(DomainError, match=rf"^Shipment {shipment.ref} is Good-to-go, so it cannot"):
        shipping.mark_good_to_go(shipment_id=shipment.pk, by="boss")
    back = shipping.mark_not_good_to_go(shipment_id=shipment.pk, by="boss")
    assert (back.status, back.good_to_go_at) == (SS.CREATED, None)
    events = OrderEvent.objects.filter(order=order, subject="shipment").values_list(
        "transition", "from_state", "to_state", "subject_ref"
    )
    assert list(events)[-2:] == [
        ("good_to_go", "created", "good_to_go", shipment.ref),
        ("not_good_to_go", "good_to_go", "created", shipment.ref),
    ]


def test_deleting_the_last_shipment_releases_stock_and_returns_to_confirmed(order, warehouse):
    shipment = ShipmentFactory(order=order, status=SS.GOOD_TO_GO)
    assert stock(warehouse, "SKU-A").allocated == 3
    events_before = OrderEvent.objects.filter(order=order).count()

    shipping.delete_shipment(shipment_id=shipment.pk, by="boss")

    assert not Shipment.objects.filter(pk=shipment.pk).exists()
    assert not ShipmentLine.objects.filter(shipment_id=shipment.pk).exists()
    assert (stock(warehouse, "SKU-A").allocated, stock(warehouse, "SKU-B").allocated) == (0, 0)
    assert Order.objects.get(pk=order.pk).status == S.CONFIRMED
    new_events = OrderEvent.objects.filter(order=order)[events_before:]
    assert [(e.transition, e.from_state, e.to_state) for e in new_events] == [
        ("delete", "good_to_go", "deleted"),
        ("return_to_confirmed", str(S.PROCESSING), str(S.CONFIRMED)),
    ]
    # The lines are back in the unshipped pool.
    assert shipping.propose_split(order=order, warehouse=warehouse).ships_everything


def test_deleting_one_of_two_shipments_keeps_processing(order, warehouse):
    a, b = lines_of(order)
    ShipmentFactory(order=order, quantities={a.pk: 3})
    second = ShipmentFactory(order=order, quantities={b.pk: 2})
    shipping.delete_shipment(shipment_id=second.pk, by="boss")
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING
    assert stock(warehouse, "SKU-B").allocated == 0
    assert stock(warehouse, "SKU-A").allocated == 3


def test_cancel_deletes_open_shipments_and_releases_their_stock(order, warehouse):
    a, b = lines_of(order)
    ShipmentFactory(order=order, quantities={a.pk: 3}, status=SS.GOOD_TO_GO)
    ShipmentFactory(order=order, quantities={b.pk: 1})
    events_before = OrderEvent.objects.filter(order=order).exclude(subject="payment").count()

    backoffice.cancel_order(order_id=order.pk, by="boss", reason="Customer asked")

    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert not order.shipments.exists()
    assert not Stock.objects.filter(allocated__gt=0).exists()
    # One event per deleted shipment, then the order's (the void adds the payment's own).
    events = OrderEvent.objects.filter(order=order).exclude(subject="payment")
    assert events.count() == events_before + 3
    deletions = events.filter(subject="shipment", transition="delete")
    assert sorted(deletions.values_list("subject_ref", "from_state")) == [
        (f"{order.number}-1", SS.GOOD_TO_GO),
        (f"{order.number}-2", SS.CREATED),
    ]
    cancel = events.last()
    assert cancel.data["shipments_deleted"] == [f"{order.number}-1", f"{order.number}-2"]
    assert "Deleted shipments" in cancel.message


def test_a_held_order_with_shipments_can_still_be_cancelled(order, warehouse):
    ShipmentFactory(order=order)
    held(order)
    backoffice.cancel_order(order_id=order.pk, by="boss", reason="Fraud")
    assert (Order.objects.get(pk=order.pk).status, stock(warehouse, "SKU-A").allocated) == (
        S.CANCELLED,
        0,
    )


# ------------------------------------------------------------------ expediting


def expedite(order, by="boss"):
    return shipping.expedite_order(order_id=order.pk, by=by)


def test_expedite_ships_everything_available_from_the_warehouse_that_can_ship_most(
    order, warehouse
):
    a, b = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=5)  # 3 units, first by priority
    second = WarehouseFactory(name="Second", priority=2)
    StockFactory(warehouse=second, sku="SKU-A", on_hand=2)
    StockFactory(warehouse=second, sku="SKU-B", on_hand=9)  # 2 + 2 = 4 units
    StockFactory(warehouse=WarehouseFactory(name="Closed", is_active=False), sku="SKU-A")

    shipment = expedite(order)

    assert shipment.warehouse == second
    assert {line.order_line_id: line.quantity for line in shipment.lines.all()} == {
        a.pk: 2,
        b.pk: 2,
    }
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING
    assert [(row.sku, row.allocated) for row in Stock.objects.filter(warehouse=second)] == [
        ("SKU-A", 2),
        ("SKU-B", 2),
    ]
    assert stock(warehouse, "SKU-A").allocated == 0
    assert list(
        OrderEvent.objects.filter(order=order, transition__in=["create", "start_processing"])
        .order_by("pk")
        .values_list("transition", "subject_ref")
    ) == [("create", shipment.ref), ("start_processing", "")]


def test_expedite_on_a_tie_takes_the_first_warehouse_by_priority(order, warehouse):
    later = WarehouseFactory(name="Later", priority=5)
    StockFactory(warehouse=later, sku="SKU-B", on_hand=2)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=2)
    assert expedite(order).warehouse == warehouse


def test_expedite_ships_the_rest_of_a_processing_order(order, warehouse):
    a, b = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=3)
    StockFactory(warehouse=warehouse, sku="SKU-B", on_hand=2)
    create(order, warehouse, {a.pk: 1})
    rest = expedite(order)
    assert {line.order_line_id: line.quantity for line in rest.lines.all()} == {a.pk: 2, b.pk: 2}
    assert rest.ref == f"{order.number}-2"


def test_expedite_with_nothing_available_says_so_and_changes_nothing(order, warehouse):
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=3, allocated=3)
    StockFactory(warehouse=WarehouseFactory(name="Other"), sku="SKU-OTHER")
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(
        DomainError,
        match=rf"^Order {order.number} has nothing available to ship in any warehouse\.$",
    ):
        expedite(order)
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


def test_expedite_refuses_a_held_order_before_looking_at_stock(order, warehouse):
    StockFactory(warehouse=warehouse, sku="SKU-A")
    held(order)
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(
        DomainError, match=rf"^Order {order.number} is on hold: resume it before shipping\.$"
    ):
        expedite(order)
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


@pytest.mark.parametrize(
    ("by", "sentence"),
    [
        ("customer service", r"^You do not have permission to expedite orders\.$"),
        (None, r"^Order #424242 does not exist \(it may have been deleted\)\.$"),
    ],
)
def test_expedite_refuses_without_permission_or_order(order, warehouse, by, sentence):
    StockFactory(warehouse=warehouse, sku="SKU-A")
    order_id = order.pk if by else 424242
    actor = UserFactory(groups=["Customer service"]) if by else "boss"
    before, stock_before = snapshot(order), stock_snapshot()
    with pytest.raises(DomainError, match=sentence):
        shipping.expedite_order(order_id=order_id, by=actor)
    assert snapshot(order) == before
    assert stock_snapshot() == stock_before


# ------------------------------------------------------------------ permissions


def test_the_warehouse_group_ships_and_customer_service_does_not(order, warehouse):
    a, _ = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=5)
    clerk = UserFactory(groups=["Customer service"])
    before = snapshot(order)
    with pytest.raises(DomainError, match=r"^You do not have permission to expedite orders\.$"):
        create(order, warehouse, {a.pk: 1}, by=clerk)
    assert snapshot(order) == before

    packer = UserFactory(groups=["Warehouse"])
    shipment = create(order, warehouse, {a.pk: 1}, by=packer)
    shipping.mark_good_to_go(shipment_id=shipment.pk, by=packer)
    with pytest.raises(DomainError, match=r"^You do not have permission to delete shipments\.$"):
        shipping.delete_shipment(shipment_id=shipment.pk, by=clerk)
    shipping.delete_shipment(shipment_id=shipment.pk, by=packer)
    assert OrderEvent.objects.filter(order=order).last().user == packer


def test_good_to_go_needs_its_permission(order):
    shipment = ShipmentFactory(order=order)
    clerk = UserFactory(perms=["shipments.create_shipment", "shipments.delete_shipment"])
    before = snapshot(order)
    with pytest.raises(
        DomainError, match=r"^You do not have permission to mark good-to-go shipments\.$"
    ):
        shipping.mark_good_to_go(shipment_id=shipment.pk, by=clerk)
    assert snapshot(order) == before


# ------------------------------------------------------------------ database guards


def test_the_database_refuses_allocating_more_than_on_hand(warehouse):
    row = StockFactory(warehouse=warehouse, sku="SKU-Z", on_hand=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(pk=row.pk).update(allocated=3)


def test_the_database_refuses_a_second_shipment_with_the_same_number(order):
    shipment = ShipmentFactory(order=order)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.create(
            order=order, sequence=shipment.sequence, warehouse=shipment.warehouse
        )


# ------------------------------------------------------------------ factories, cost


def test_factories_make_genuine_processing_orders(warehouse):
    order = OrderFactory(status=S.PROCESSING)
    shipment = order.shipments.get()
    assert shipment.status == SS.CREATED
    assert sum(shipment.lines.values_list("quantity", flat=True)) == sum(
        order.lines.values_list("quantity", flat=True)
    )
    line = ShipmentLineFactory(quantity=1)
    assert line.shipment.order.status == S.PROCESSING


def test_creating_one_shipment_takes_a_bounded_number_of_queries(
    order, warehouse, django_assert_max_num_queries
):
    a, b = lines_of(order)
    StockFactory(warehouse=warehouse, sku="SKU-A")
    StockFactory(warehouse=warehouse, sku="SKU-B")
    packer = UserFactory(groups=["Warehouse"])
    # 13 (one of them asks what the order reserved at placement), plus one
    # UPDATE per distinct SKU allocated, plus 2 for the order's move to
    # Processing and its event, plus 2 looking up the user's permissions
    # (Django caches them on the user for the request).
    with django_assert_max_num_queries(19):
        create(order, warehouse, {a.pk: 2, b.pk: 1}, by=packer)
    # A later shipment of one SKU: 13 + 1.
    with django_assert_max_num_queries(14):
        create(order, warehouse, {a.pk: 1}, by=packer)


# ------------------------------------------------------------------ Direct to Shipment


def test_direct_to_shipment_checkout_ships_every_line_good_to_go(store, warehouse):
    store.direct_to_shipment = True
    store.save()
    order = OrderFactory()
    for line in order.lines.all():
        StockFactory(warehouse=WarehouseFactory(name="Backup", priority=9), sku=line.sku)
        StockFactory(warehouse=warehouse, sku=line.sku, on_hand=line.quantity)

    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")

    assert placed.status == S.PROCESSING
    shipment = placed.shipments.get()
    assert (shipment.status, shipment.warehouse) == (SS.GOOD_TO_GO, warehouse)
    assert {sl.order_line_id: sl.quantity for sl in shipment.lines.all()} == {
        line.pk: line.quantity for line in order.lines.all()
    }
    assert not Stock.objects.filter(warehouse=warehouse).exclude(allocated=models.F("on_hand"))
    events = OrderEvent.objects.filter(order=order).exclude(transition="create_selection")
    assert list(events.values_list("transition", "actor")) == [
        ("payment_authorize", "storefront"),
        ("checkout", "storefront"),
        ("create", shipping.DIRECT_TO_SHIPMENT),
        ("start_processing", shipping.DIRECT_TO_SHIPMENT),
        ("good_to_go", shipping.DIRECT_TO_SHIPMENT),
    ]


def test_direct_to_shipment_without_stock_waits_in_confirmed(store, warehouse):
    store.direct_to_shipment = True
    store.save()
    order = OrderFactory(lines=[LineDataFactory(sku="SKU-A", quantity=2)])
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=1)

    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")

    assert (placed.status, placed.shipments.exists()) == (S.CONFIRMED, False)
    assert stock(warehouse, "SKU-A").allocated == 0
    assert "waits in Confirmed" in OrderEvent.objects.filter(order=order).last().message
