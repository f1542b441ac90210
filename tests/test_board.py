"""The board (the admin's index, backoffice/board): each role sees the tiles of
the steps it may take, each tile's count is the row count of the list it links
to, and the page reads the tables in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.board.tiles import HOLD_TILES, TILES, age
from backoffice.models import StepJob
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders import services
from orders.models import HoldKind, Order, OrderStatus
from outbox.models import OutboxMessage
from payments.models import Payment
from returns import services as returns
from shipments import services as shipping
from shipments.models import ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, role_user
from tests.factories import FACTORY, OrderFactory, PaymentFactory, ShipmentFactory, UserFactory
from tests.returns_support import completed_order, make_return
from tests.settle_support import settling_later
from tests.test_step_jobs import queue_for

S = OrderStatus
pytestmark = pytest.mark.django_db


def busy_day(user=None):
    """Something waiting for every tile: two Pending orders, held orders of two
    kinds (one archived-proof), a shipment good-to-go, one paid and one whose
    capture is requested, an authorization lapsing in two days, returns
    waiting for the goods and for a refund, a failed webhook, a queued step."""
    OrderFactory.create_batch(2, status=S.PENDING)
    OrderFactory(status=S.CONFIRMED)
    held = OrderFactory(status=S.CONFIRMED)
    services.hold_order(order_id=held.pk, by=FACTORY, kind=HoldKind.FRAUD_CHECK, reason="Card")
    OrderFactory(status=S.PENDING, on_hold=True)  # a manual hold, and Pending
    ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    ShipmentFactory(status=ShipmentStatus.PAID)
    ShipmentFactory(status=ShipmentStatus.COMPLETED)
    requested = ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    settling_later(requested.order)
    shipping.capture_shipment(shipment_id=requested.pk, by=FACTORY)
    lapsing = PaymentFactory(order__status=S.CONFIRMED)
    # A date, not a state: the authorization lapses in two days.
    Payment.objects.filter(pk=lapsing.pk).update(
        authorization_expires_at=timezone.now() + timedelta(days=2)
    )
    make_return(completed_order())  # waits for both
    received = make_return(completed_order())
    returns.complete_return(return_id=received.pk, by=FACTORY)  # waits for a refund
    refunded = make_return(completed_order())
    returns.refund_return(return_id=refunded.pk, by=FACTORY)  # waits for the goods
    message = dict(order_id=1, order_number=1, occurred_at=timezone.now(), event_id=FACTORY_UUID)
    OutboxMessage.objects.create(
        **message, event_type="order.confirmed", channel="webhook", failed_at=timezone.now()
    )
    if user is not None:
        queue_for(user, [OrderFactory(status=S.PENDING)])


FACTORY_UUID = "6f1d2c1e-7a56-4b8e-9a0b-2f3a4b5c6d7e"


def board_of(client) -> dict:
    response = client.get("/admin/")
    assert response.status_code == 200
    return {shown.tile.key: shown for shown in response.context["tiles"]}


def tile_keys(role: str) -> set[str]:
    return set(board_of_role(role))


def board_of_role(role: str):
    from django.test import Client

    client = Client()
    client.force_login(role_user(role))
    return board_of(client)


@pytest.fixture
def boss(client):
    user = UserFactory(username="boss", is_superuser=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize("key", [tile.key for tile in TILES])
def test_each_tile_counts_the_rows_of_the_list_it_links_to(client, boss, key):
    busy_day(boss)
    shown = board_of(client)[key]
    listed = client.get(shown.url)
    assert listed.status_code == 200, shown.url
    assert listed.context["cl"].result_count == shown.count, shown.url


def test_the_busy_day_has_something_on_most_tiles(client, boss):
    busy_day(boss)
    counts = {key: shown.count for key, shown in board_of(client).items()}
    assert counts == {
        "to_confirm": 4,  # two, one held, and the queued step's
        "held_manual": 1,
        "held_payment_mismatch": 0,
        "held_fraud_check": 1,
        "held_waiting_for_payment": 0,
        "held_payment_expiring": 0,
        "held_capture_failed": 0,
        "to_capture": 1,
        "to_ship": 1,
        "capture_requested": 1,
        "authorization_expiring": 1,
        "return_goods": 2,
        "return_refund": 2,
        "webhooks_failed": 1,
        "my_jobs": 1,
    }


def test_each_role_sees_the_tiles_of_the_steps_it_may_take():
    holds = {tile.key for tile in HOLD_TILES}
    assert tile_keys(CUSTOMER_SERVICE) == {"to_confirm", *holds, "my_jobs"}
    # The warehouse captures a good-to-go shipment as it completes it.
    assert tile_keys(WAREHOUSE) == {
        "to_capture", "capture_requested", "to_ship", "return_goods", "my_jobs",
    }  # fmt: skip
    assert tile_keys(FINANCE) == {
        "to_capture", "capture_requested", "authorization_expiring", "return_refund", "my_jobs",
    }  # fmt: skip
    assert tile_keys(BACKOFFICE_ADMIN) == {tile.key for tile in TILES}
    assert tile_keys(NO_PERMISSIONS) == {"my_jobs"}


def test_the_board_reads_in_a_fixed_number_of_queries(client, boss, django_assert_max_num_queries):
    busy_day(boss)
    # Session and user (2), a query per tile but one for all holds (9 + 1), three
    # series and the shipped-within shares (4).
    with django_assert_max_num_queries(16):
        client.get("/admin/")
    busy_day(boss)
    with django_assert_max_num_queries(16):
        client.get("/admin/")


def test_the_model_list_is_one_click_away(client, boss):
    page = client.get("/admin/").content.decode()
    assert 'href="/admin/models/"' in page
    models = client.get("/admin/models/")
    assert models.status_code == 200
    assert 'href="/admin/orders/order/"' in models.content.decode()


def test_the_charts_are_svg_with_their_numbers(client, boss):
    busy_day(boss)
    page = client.get("/admin/").content.decode()
    assert page.count("<polyline") == 3
    assert "<script" not in page.split('id="content"')[1]
    assert not re.search(r"\sstyle=", page)
    flow = client.get("/admin/").context["flow"]
    placed = next(s for s in flow.series if s.key == "placed")
    assert placed.counts[-1] == placed.total >= 8
    assert next(s for s in flow.series if s.key == "returned").total == 3


def test_shipped_within_counts_orders_completed_days_after_confirmation(client, boss):
    order = completed_order()
    confirmed = order.confirmed_at - timedelta(days=10)
    Order.objects.filter(pk=order.pk).update(
        placed_at=confirmed,
        confirmed_at=confirmed,
        completed_at=confirmed + timedelta(days=1, hours=12),
    )
    unshipped = OrderFactory(status=S.CONFIRMED)
    Order.objects.filter(pk=unshipped.pk).update(placed_at=confirmed, confirmed_at=confirmed)
    within = client.get("/admin/").context["within"]
    assert [(bar.days, bar.orders, bar.total, bar.percent) for bar in within] == [
        (1, 0, 2, 0),
        (2, 1, 2, 50),
        (3, 1, 2, 50),
    ]


def test_ages_read_in_the_largest_whole_unit():
    now = timezone.now()
    assert age(now - timedelta(seconds=20), now) == "under a minute"
    assert age(now - timedelta(minutes=5), now) == "5 min"
    assert age(now - timedelta(hours=3, minutes=59), now) == "3 h"
    assert age(now - timedelta(days=1, hours=2), now) == "1 day"
    assert age(now - timedelta(days=9), now) == "9 days"


def test_a_jobs_tile_counts_only_the_users_own_unfinished_steps(client, boss):
    other = role_user(BACKOFFICE_ADMIN)
    queue_for(other, [OrderFactory(status=S.PENDING)])
    mine = queue_for(boss, [OrderFactory(status=S.PENDING)])
    assert board_of(client)["my_jobs"].count == 1
    StepJob.objects.filter(pk=mine.pk).update(finished_at=timezone.now())
    assert board_of(client)["my_jobs"].count == 0


def test_a_deadline_tile_says_how_soon_the_first_one_lapses():
    from backoffice.board.tiles import PAYMENT_TILES, Shown

    tile = PAYMENT_TILES[0]
    now = timezone.now()
    assert Shown(tile, 1, now + timedelta(days=2, minutes=1)).age == "first lapses in 2 days"
    assert Shown(tile, 1, now - timedelta(hours=5)).age == "first lapsed 5 h ago"
    assert Shown(TILES[0], 1, now - timedelta(hours=5)).age == "oldest 5 h"
