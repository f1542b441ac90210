"""Shipping from the admin: expedite, split, good-to-go, capture, complete with tracking."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.admin.orders import OrderAdmin
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import Order, OrderStatus
from shipments.models import Shipment, ShipmentStatus, Stock
from tests.admin_support import NO_PERMISSIONS, ORDERS_URL, ROLES, messages_of, role_user
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    WarehouseFactory,
    default_warehouse,
    stock_for,
)
from tests.helpers import snapshot

S = OrderStatus
SHIPMENTS_URL = "/admin/shipments/shipment/"


def shipping_state(order) -> dict:
    """The order, its shipments and the stock they hold: what a refused shipping step leaves."""
    return {
        "order": snapshot(order),
        "shipments": list(
            Shipment.objects.filter(order_id=order.pk).values_list(
                "pk", "status", "tracking_number"
            )
        ),
        "stock": list(
            Stock.objects.filter(sku__in=order.lines.values("sku"))
            .order_by("pk")
            .values_list("pk", "on_hand", "allocated")
        ),
    }


def stocked_order(status=S.CONFIRMED, **kwargs):
    order = OrderFactory(status=status, **kwargs)
    stock_for(order, default_warehouse())
    return order


EXPEDITE_STATES = [
    (S.PENDING, False),
    (S.CONFIRMED, False),
    (S.CONFIRMED, True),
    (S.CANCELLED, False),
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("status", "held"), EXPEDITE_STATES)
def test_expedite_by_role_and_status(client, role, status, held):
    user = role_user(role)
    client.force_login(user)
    in_bulk = stocked_order(status=status, on_hold=held)
    on_page = stocked_order(status=status, on_hold=held)
    before = {o.pk: shipping_state(o) for o in (in_bulk, on_page)}

    bulk = client.post(
        ORDERS_URL + f"?status={status}",
        {"action": "expedite", "_selected_action": [in_bulk.pk], "index": 0},
    )
    page = client.post(f"{ORDERS_URL}{on_page.pk}/step/expedite/")

    if role == NO_PERMISSIONS:
        assert (bulk.status_code, page.status_code) == (403, 403)
        assert {o.pk: shipping_state(o) for o in (in_bulk, on_page)} == before
        return
    allowed = user.has_perm("shipments.create_shipment") and (status, held) == (S.CONFIRMED, False)
    if allowed:
        for order in (in_bulk, on_page):
            order.refresh_from_db()
            assert order.status == S.PROCESSING
            shipment = order.shipments.get()
            assert sum(line.quantity for line in shipment.lines.all()) == sum(
                line.quantity for line in order.lines.all()
            )
        assert messages_of(bulk) == [f"1 order expedited: {in_bulk.number}."]
    else:
        assert {o.pk: shipping_state(o) for o in (in_bulk, on_page)} == before
        assert len(messages_of(bulk)) == 1 and messages_of(bulk)[0].endswith(".")
        assert len(messages_of(page)) == 1 and messages_of(page)[0].endswith(".")
    if held and user.has_perm("shipments.create_shipment"):
        assert messages_of(page) == [
            f"Order {on_page.number} is on hold: resume it before shipping."
        ]


@pytest.mark.django_db
def test_expedite_ships_what_is_available_and_says_when_nothing_is(client):
    client.force_login(role_user(WAREHOUSE))
    order = OrderFactory(
        status=S.CONFIRMED, lines=[LineDataFactory(sku="A", quantity=3), LineDataFactory(sku="B")]
    )
    empty = OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(sku="NONE")])
    warehouse = default_warehouse()
    Stock.objects.create(warehouse=warehouse, sku="A", on_hand=2)
    before = shipping_state(empty)

    response = client.post(
        ORDERS_URL, {"action": "expedite", "_selected_action": [order.pk, empty.pk], "index": 0}
    )

    assert messages_of(response) == [
        f"1 order expedited: {order.number}.",
        f"Skipped: Order {empty.number} has nothing available to ship in any warehouse.",
    ]
    shipment = Order.objects.get(pk=order.pk).shipments.get()
    assert [(line.order_line.sku, line.quantity) for line in shipment.lines.all()] == [("A", 2)]
    assert shipping_state(empty) == before


def split_url(order) -> str:
    return f"{ORDERS_URL}{order.pk}/split/"


@pytest.mark.django_db
def test_split_page_shows_each_line_and_proposes_what_the_warehouse_can_ship(client):
    client.force_login(role_user(WAREHOUSE))
    order = OrderFactory(
        status=S.CONFIRMED,
        lines=[LineDataFactory(sku="TEE", quantity=3), LineDataFactory(sku="CAP", quantity=1)],
    )
    main = default_warehouse()
    other = WarehouseFactory(name="Backup", priority=5)
    Stock.objects.create(warehouse=main, sku="TEE", on_hand=2)
    Stock.objects.create(warehouse=other, sku="CAP", on_hand=4)

    response = client.get(split_url(order))

    assert response.status_code == 200
    rows = {row["line"].sku: row for row in response.context["rows"]}
    tee, cap = rows["TEE"], rows["CAP"]
    assert (tee["line"].quantity, tee["line"].quantity_in_shipments) == (3, 0)
    assert tee["line"].quantity_unshipped == 3
    assert (tee["available"], tee["proposed"]) == ([2, 0], 2)
    assert (cap["available"], cap["proposed"]) == ([0, 4], 0)
    other_page = client.get(split_url(order) + f"?warehouse={other.pk}")
    assert {r["line"].sku: r["proposed"] for r in other_page.context["rows"]} == {
        "TEE": 0,
        "CAP": 1,
    }


@pytest.mark.django_db
def test_split_into_two_shipments(client):
    client.force_login(role_user(WAREHOUSE))
    order = stocked_order(lines=[LineDataFactory(quantity=3), LineDataFactory(quantity=1)])
    first, second = order.lines.order_by("pk")
    warehouse = default_warehouse()

    response = client.post(
        split_url(order),
        {"warehouse": warehouse.pk, f"qty_{first.pk}": 2, f"qty_{second.pk}": 0},
    )
    assert response.status_code == 302
    assert messages_of(response) == [
        f"Shipment {order.number}-1 created from Main: 2 × {first.sku}."
    ]
    page = client.get(split_url(order))
    rows = {row["line"].pk: row for row in page.context["rows"]}
    assert rows[first.pk]["line"].quantity_unshipped == 1
    client.post(
        split_url(order),
        {"warehouse": warehouse.pk, f"qty_{first.pk}": 1, f"qty_{second.pk}": 1},
    )
    order.refresh_from_db()
    assert order.status == S.PROCESSING
    assert [s.ref for s in order.shipments.order_by("sequence")] == [
        f"{order.number}-1",
        f"{order.number}-2",
    ]
    # Nothing left: the split page is refused.
    refused = client.get(split_url(order))
    assert messages_of(refused) == [f"Order {order.number} has nothing left to ship."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tamper", "error"),
    [
        ({"first": -1}, "“-1” is not a quantity: type a whole number with digits (0–9)."),
        ({"first": 4}, "“4” is more than 3."),
        ({"first": "two"}, "“two” is not a quantity: type a whole number with digits (0–9)."),
        ({"first": "١"}, "“١” is not a quantity: type a whole number with digits (0–9)."),
        ({"first": 0, "second": 0}, "Choose at least one unit to ship."),
        ({"foreign": 1}, "is not a line of Order"),
        ({"warehouse": 987654}, "Select a valid choice."),
    ],
)
def test_split_refuses_tampered_quantities_and_changes_nothing(client, tamper, error):
    client.force_login(role_user(WAREHOUSE))
    order = stocked_order(lines=[LineDataFactory(quantity=3), LineDataFactory(quantity=1)])
    other = stocked_order()
    first, second = order.lines.order_by("pk")
    data = {"warehouse": default_warehouse().pk, f"qty_{first.pk}": 1, f"qty_{second.pk}": 1}
    for key, value in tamper.items():
        if key == "first":
            data[f"qty_{first.pk}"] = value
        elif key == "second":
            data[f"qty_{second.pk}"] = value
        elif key == "foreign":
            data[f"qty_{other.lines.first().pk}"] = value
        else:
            data[key] = value
    before = {o.pk: shipping_state(o) for o in (order, other)}

    response = client.post(split_url(order), data)

    assert response.status_code == 200
    assert error in str(response.context["form"].errors)
    assert {o.pk: shipping_state(o) for o in (order, other)} == before


@pytest.mark.django_db
def test_split_beyond_stock_is_a_form_error_from_the_service(client):
    client.force_login(role_user(WAREHOUSE))
    order = OrderFactory(status=S.CONFIRMED, lines=[LineDataFactory(sku="RARE", quantity=3)])
    Stock.objects.create(warehouse=default_warehouse(), sku="RARE", on_hand=1)
    line = order.lines.get()
    before = shipping_state(order)
    response = client.post(
        split_url(order), {"warehouse": default_warehouse().pk, f"qty_{line.pk}": 3}
    )
    assert response.context["form"].non_field_errors() == [
        "Main has 1 of RARE available, not the 3 asked for."
    ]
    assert shipping_state(order) == before


@pytest.mark.django_db
def test_split_is_refused_on_hold_and_without_the_right(client):
    held = stocked_order(on_hold=True)
    client.force_login(role_user(WAREHOUSE))
    response = client.get(split_url(held))
    assert messages_of(response) == [f"Order {held.number} is on hold: resume it before shipping."]
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = stocked_order()
    before = shipping_state(order)
    response = client.post(split_url(order), {"warehouse": default_warehouse().pk})
    assert messages_of(response) == ["You do not have permission to expedite orders."]
    assert shipping_state(order) == before


@pytest.mark.django_db
def test_good_to_go_and_capture_on_orders_take_each_of_their_shipments(client):
    client.force_login(role_user(WAREHOUSE))
    order = stocked_order(lines=[LineDataFactory(quantity=2)])
    line = order.lines.get()
    ShipmentFactory(order=order, quantities={line.pk: 1})
    ShipmentFactory(order=order, quantities={line.pk: 1})
    nothing = stocked_order()

    response = client.post(
        ORDERS_URL,
        {"action": "good_to_go", "_selected_action": [order.pk, nothing.pk], "index": 0},
    )
    assert messages_of(response) == [
        f"1 order marked good-to-go: {order.number}.",
        f"Skipped: Order {nothing.number} has no created shipment to mark good-to-go.",
    ]
    assert set(order.shipments.values_list("status", flat=True)) == {ShipmentStatus.GOOD_TO_GO}

    response = client.post(
        ORDERS_URL, {"action": "capture", "_selected_action": [order.pk], "index": 0}
    )
    assert messages_of(response) == [f"1 order captured: {order.number}."]
    order.refresh_from_db()
    assert set(order.shipments.values_list("status", flat=True)) == {ShipmentStatus.PAID}
    assert order.payment.captured_amount == order.grand_total


@pytest.mark.django_db
def test_an_order_capture_that_the_provider_declines_halfway_says_what_was_done(client):
    client.force_login(role_user(WAREHOUSE))
    # The test gateway declines amounts ending in .13: the second shipment's.
    order = stocked_order(
        shipping_price=Decimal("1.00"),
        lines=[
            LineDataFactory(quantity=1, unit_price=Decimal("10.50")),
            LineDataFactory(quantity=1, unit_price=Decimal("5.13")),
        ],
    )
    first, second = order.lines.all()
    ShipmentFactory(order=order, quantities={first.pk: 1}, status=ShipmentStatus.GOOD_TO_GO)
    ShipmentFactory(order=order, quantities={second.pk: 1}, status=ShipmentStatus.GOOD_TO_GO)

    response = client.post(
        ORDERS_URL, {"action": "capture", "_selected_action": [order.pk], "index": 0}
    )

    [message] = messages_of(response)
    assert message.startswith(f"Partly done: {order.number}-1 captured; {order.number}-2 was not: ")
    assert "declined" in message
    assert dict(order.shipments.values_list("sequence", "status")) == {
        1: ShipmentStatus.PAID,
        2: ShipmentStatus.GOOD_TO_GO,
    }
    order.refresh_from_db()
    assert order.payment.captured_amount == Decimal("11.50")


@pytest.mark.django_db
def test_good_to_go_is_refused_on_hold_and_changes_nothing(client):
    client.force_login(role_user(WAREHOUSE))
    order = stocked_order()
    ShipmentFactory(order=order)
    from orders import services

    services.hold_order(order_id=order.pk, by="test", kind="manual", reason="Check")
    before = shipping_state(order)
    response = client.post(
        ORDERS_URL + f"?status={S.PROCESSING}",
        {"action": "good_to_go", "_selected_action": [order.pk], "index": 0},
    )
    assert messages_of(response) == [
        f"Skipped: Order {order.number} is on hold: resume it before shipping."
    ]
    assert shipping_state(order) == before


@pytest.mark.django_db
def test_complete_shipments_in_bulk_through_one_small_form(client):
    client.force_login(role_user(WAREHOUSE))
    order = stocked_order(lines=[LineDataFactory(quantity=2)])
    line = order.lines.get()
    one = ShipmentFactory(order=order, quantities={line.pk: 1}, status=ShipmentStatus.PAID)
    two = ShipmentFactory(order=order, quantities={line.pk: 1}, status=ShipmentStatus.PAID)
    ids = [one.pk, two.pk]

    form_page = client.post(SHIPMENTS_URL, {"action": "complete", "_selected_action": ids})
    assert form_page.status_code == 200
    # In the order's own order (1294-1 before 1294-2), whatever order the list shows.
    assert list(form_page.context["form"].fields) == [
        "carrier",
        "shipped_date",
        f"tracking_{one.pk}",
        f"tracking_{two.pk}",
    ]

    today = timezone.localdate()
    base = {"action": "complete", "_selected_action": ids, "post": "yes", "carrier": "PostNord"}
    missing = client.post(
        SHIPMENTS_URL, {**base, "shipped_date": today, f"tracking_{one.pk}": "T1"}
    )
    assert missing.context["form"].errors == {f"tracking_{two.pk}": ["This field is required."]}
    future = client.post(
        SHIPMENTS_URL,
        {
            **base,
            "shipped_date": today + timedelta(days=1),
            f"tracking_{one.pk}": "T1",
            f"tracking_{two.pk}": "T2",
        },
    )
    assert future.context["form"].errors == {
        "shipped_date": ["The shipped date cannot be in the future."]
    }
    assert set(order.shipments.values_list("status", flat=True)) == {ShipmentStatus.PAID}

    done = client.post(
        SHIPMENTS_URL,
        {**base, "shipped_date": today, f"tracking_{one.pk}": "T1", f"tracking_{two.pk}": "T2"},
    )
    assert messages_of(done) == [f"2 shipments completed: {one.ref}, {two.ref}."]
    assert sorted(order.shipments.values_list("tracking_number", flat=True)) == ["T1", "T2"]
    order.refresh_from_db()
    assert order.status == S.COMPLETED


@pytest.mark.django_db
@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, FINANCE, NO_PERMISSIONS])
def test_complete_is_refused_without_the_right(client, role):
    client.force_login(role_user(role))
    shipment = ShipmentFactory(order=stocked_order(), status=ShipmentStatus.PAID)
    before = shipping_state(shipment.order)
    response = client.post(
        f"{SHIPMENTS_URL}{shipment.pk}/step/complete/",
        {"carrier": "DHL", "shipped_date": timezone.localdate(), f"tracking_{shipment.pk}": "X"},
    )
    if role in (CUSTOMER_SERVICE, NO_PERMISSIONS):
        assert response.status_code == 403  # they do not see shipments at all
    else:
        assert messages_of(response) == ["You do not have permission to complete shipments."]
    assert shipping_state(shipment.order) == before


@pytest.mark.django_db
def test_shipment_step_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_user(WAREHOUSE))
    shipment = ShipmentFactory(order=stocked_order())
    before = shipping_state(shipment.order)
    assert client.post(f"{SHIPMENTS_URL}{shipment.pk}/step/good_to_go/").status_code == 403
    assert client.post(f"{ORDERS_URL}{shipment.order_id}/split/").status_code == 403
    assert shipping_state(shipment.order) == before


@pytest.mark.django_db
def test_progress_column_and_tracking_search(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = stocked_order(lines=[LineDataFactory(quantity=2)])
    line = order.lines.get()
    ShipmentFactory(order=order, quantities={line.pk: 1}, status=ShipmentStatus.COMPLETED)
    ShipmentFactory(order=order, quantities={line.pk: 1})
    html = client.get(ORDERS_URL).content.decode()
    assert "1 of 2 shipped" in html
    found = client.get(ORDERS_URL + "?q=TRACK123").context["cl"].result_list
    assert [o.number for o in found] == [order.number]


@pytest.mark.django_db
def test_shipment_list_search_is_exact_on_tracking_or_order_number(client):
    client.force_login(role_user(WAREHOUSE))
    order = stocked_order(lines=[LineDataFactory(quantity=2)])
    line = order.lines.get()
    done = ShipmentFactory(order=order, quantities={line.pk: 1}, status=ShipmentStatus.COMPLETED)
    other = ShipmentFactory(order=order, quantities={line.pk: 1})
    ShipmentFactory(order=stocked_order())  # another order's, not yet tracked

    def found(term):
        response = client.get(SHIPMENTS_URL, {"q": term})
        return sorted(s.pk for s in response.context["cl"].result_list)

    assert found(done.tracking_number) == [done.pk]
    assert found(f"  {done.tracking_number} ") == [done.pk]
    assert found(str(order.number)) == [done.pk, other.pk]
    assert found(done.tracking_number.lower()) == []  # exact, like the orders list
    assert found(done.tracking_number[:-1]) == []
    assert found("99999999999999999999999") == []


@pytest.mark.postgres("query plans")
@pytest.mark.django_db
def test_postgres_tracking_search_and_payment_filter_use_their_indexes(client):
    """With sequential scans off, the SQL the admin emits for a tracking search
    (orders and shipments lists) and the payment filter reaches the new indexes."""
    client.force_login(role_user(BACKOFFICE_ADMIN))
    ShipmentFactory(order=stocked_order(), status=ShipmentStatus.COMPLETED)
    cases = [
        # The orders list's search is a UNION subquery, whose tables Django aliases.
        (ORDERS_URL, {"q": "TRACK-X"}, '"tracking_number" = ', "shipment"),
        (SHIPMENTS_URL, {"q": "TRACK-X"}, '"shipments_shipment"."tracking_number" = ', "shipment"),
        (ORDERS_URL, {"payment": "captured"}, '"payments_payment"."status" = ', "payment"),
    ]
    indexes = {"shipment": "shipment_tracking_idx", "payment": "payment_status_idx"}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for url, params, where, table in cases:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, params).status_code == 200
            sqls = [q["sql"] for q in queries if where in q["sql"]]
            assert sqls, (url, params, [q["sql"] for q in queries])
            index = indexes[table]
            for sql in sqls:
                cursor.execute(f"EXPLAIN {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert index in plan, (sql, plan)


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_shipments(
    client, monkeypatch, django_assert_max_num_queries
):
    client.force_login(role_user(WAREHOUSE))
    for _ in range(100):
        order = stocked_order(lines=[LineDataFactory(quantity=2)])
        ShipmentFactory(order=order, quantities={order.lines.get().pk: 1})
    counts = []
    for per_page in (20, 100):
        monkeypatch.setattr(OrderAdmin, "list_per_page", per_page)
        with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as queries:
            response = client.get(ORDERS_URL)
        assert "0 of 1 shipped" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [WAREHOUSE, BACKOFFICE_ADMIN])
def test_order_page_with_shipments_stays_within_budget(client, role, django_assert_max_num_queries):
    client.force_login(role_user(role))
    # The same states, different sizes: 1 line and 1 shipment against 10 and 40.
    small = stocked_order(lines=[LineDataFactory(quantity=2)])
    ShipmentFactory(order=small, status=ShipmentStatus.GOOD_TO_GO)
    big = stocked_order(lines=[LineDataFactory(quantity=8) for _ in range(10)])
    for line in big.lines.all():
        for _ in range(4):
            ShipmentFactory(order=big, quantities={line.pk: 2}, status=ShipmentStatus.GOOD_TO_GO)
    client.get(f"{ORDERS_URL}{small.pk}/change/")  # warms the content-type cache
    counts = []
    for order in (small, big):
        with django_assert_max_num_queries(25), CaptureQueriesContext(connection) as queries:
            response = client.get(f"{ORDERS_URL}{order.pk}/change/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert len(response.context["shipment_rows"]) == 40
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_shipment_list_and_page(client, django_assert_max_num_queries):
    client.force_login(role_user(WAREHOUSE))
    for _ in range(5):
        ShipmentFactory(order=stocked_order(), status=ShipmentStatus.GOOD_TO_GO)
    with django_assert_max_num_queries(10):
        response = client.get(SHIPMENTS_URL)
    assert response.status_code == 200
    shipment = Shipment.objects.first()
    page = client.get(f"{SHIPMENTS_URL}{shipment.pk}/change/").content.decode()
    assert 'data-step="capture"' in page and 'data-step="complete"' in page
    assert Decimal("0") <= shipment.amount
