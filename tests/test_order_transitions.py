"""The order transition table of docs/guide.md, as data, checked against the services."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import DeletedOrder, HoldKind, Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentStatus
from tests.factories import LineDataFactory, OrderFactory, UserFactory
from tests.helpers import snapshot
from tests.machine_edges import edges_taken

S = OrderStatus
DELETED = "deleted"

ACTIONS = {
    "checkout": lambda o, by: backoffice.checkout_order(order_id=o.pk, by=by),
    "confirm": lambda o, by: services.confirm_order(order_id=o.pk, by=by),
    "unconfirm": lambda o, by: services.unconfirm_order(order_id=o.pk, by=by),
    "hold": lambda o, by: services.hold_order(
        order_id=o.pk, by=by, kind=HoldKind.FRAUD_CHECK, reason="Address mismatch"
    ),
    "resume": lambda o, by: services.resume_order(order_id=o.pk, by=by),
    "cancel": lambda o, by: backoffice.cancel_order(order_id=o.pk, by=by, reason="Customer asked"),
    "archive": lambda o, by: services.archive_order(order_id=o.pk, by=by),
    "reactivate": lambda o, by: services.reactivate_order(order_id=o.pk, by=by),
    "delete_permanently": lambda o, by: services.delete_order_permanently(
        order_id=o.pk, by=by, reason="GDPR request"
    ),
}

PERMISSIONS = {
    "checkout": "orders.checkout_order",
    "confirm": "orders.confirm_order",
    "unconfirm": "orders.unconfirm_order",
    "hold": "orders.hold_order",
    "resume": "orders.resume_order",
    "cancel": "orders.cancel_order",
    "archive": "orders.archive_order",
    "reactivate": "orders.reactivate_order",
    "delete_permanently": "orders.purge_order",
}

OPEN = [S.PENDING, S.CONFIRMED, S.PROCESSING]

# (status, on_hold) before → (status, on_hold) after; every pair not listed is refused.
ALLOWED = {
    "checkout": {(S.INCOMPLETE, False): (S.PENDING, False)},
    "confirm": {(S.PENDING, False): (S.CONFIRMED, False)},
    "unconfirm": {(S.CONFIRMED, False): (S.PENDING, False)},
    "hold": {(s, False): (s, True) for s in OPEN},
    "resume": {(s, True): (s, False) for s in OPEN},
    "cancel": {(s, held): (S.CANCELLED, False) for s in OPEN for held in (False, True)},
    "archive": {(S.COMPLETED, False): (S.ARCHIVED, False)},
    "reactivate": {(S.ARCHIVED, False): (S.COMPLETED, False)},
    "delete_permanently": {(S.CANCELLED, False): DELETED},
}

# Payment events an allowed action writes beside its order event.
PAYMENT_EVENTS = {"checkout": 1, "cancel": 1}

# Hold is only possible on open orders; the database refuses the rest (below).
STATES = [(s, False) for s in S] + [(s, True) for s in OPEN]


def events_written(action: str, before: dict) -> int:
    """The events an allowed action adds: one for the order; checkout's
    authorization and cancel's void add the payment's, and cancel one per open
    shipment it deletes (`before` is the order's snapshot)."""
    deleted_shipments = len(before["shipments"]) if action == "cancel" else 0
    return 1 + PAYMENT_EVENTS.get(action, 0) + deleted_shipments


# The payment's edge an allowed action takes beside the order's: checkout
# authorizes, cancel voids (nothing is captured in this table).
PAYMENT_EDGES = {
    "checkout": (Payment, "authorize", PaymentStatus.NEW, PaymentStatus.AUTHORIZED),
    "cancel": (Payment, "void", PaymentStatus.AUTHORIZED, PaymentStatus.VOIDED),
}


def row_edges(action: str, status, expected) -> set[tuple]:
    """The edges of the order's and the payment's machines an allowed row takes (a
    deletion keeps the status until the row goes)."""
    order_edge = (Order, action, status, status if expected == DELETED else expected[0])
    return {order_edge, PAYMENT_EDGES[action]} if action in PAYMENT_EDGES else {order_edge}


# The edges this table sees the services take (each row checks its own below).
OBSERVED_EDGES = set().union(
    *(
        row_edges(action, status, expected)
        for action, rows in ALLOWED.items()
        for (status, _held), expected in rows.items()
    )
)


def table_cases():
    for action in ACTIONS:
        for status, held in STATES:
            yield pytest.param(action, status, held, id=f"{action}-{status.label}-held={held}")


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", is_superuser=True)


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status", "held"), list(table_cases()))
def test_transition_table(action, status, held, boss):
    order = OrderFactory(status=status, on_hold=held)
    before = snapshot(order)
    expected = ALLOWED[action].get((status, held))

    if expected is None:
        with pytest.raises(DomainError) as refused:
            ACTIONS[action](order, boss)
        assert str(refused.value).endswith(".")
        assert snapshot(order) == before
    elif expected == DELETED:
        with edges_taken(Order, Payment) as taken:
            ACTIONS[action](order, boss)
        assert taken == row_edges(action, status, expected)
        assert not Order.objects.filter(pk=order.pk).exists()
        assert not OrderEvent.objects.filter(order_id=order.pk).exists()
        assert DeletedOrder.objects.get(order_id=order.pk).order_number == order.number
    else:
        with edges_taken(Order, Payment) as taken:
            ACTIONS[action](order, boss)
        assert taken == row_edges(action, status, expected)
        after = Order.objects.get(pk=order.pk)
        assert (after.status, after.on_hold) == expected
        events = OrderEvent.objects.filter(order=order)
        assert events.count() == before["events"] + events_written(action, before)
        event = events.filter(subject="order").last()
        assert (event.transition, event.from_state, event.to_state, event.actor) == (
            action,
            str(status),
            str(expected[0]),
            "boss",
        )


def test_the_product_steps_have_their_own_table():
    """Cancel / restore products, release the authorization and restore order need
    an order prepared per step and their money checked too: their rows of this
    table (step × status × hold × role) are in tests/test_product_cancellation_table.py."""
    from tests.test_product_cancellation_table import ALLOWED as PRODUCT_STEPS

    assert set(PRODUCT_STEPS) == {
        "cancel_products",
        "restore_products",
        "release_authorization",
        "restore_order",
    }
    assert PRODUCT_STEPS["restore_order"] == {
        (S.CANCELLED, False): (
            S.PENDING,
            False,
            0,
            *PRODUCT_STEPS["restore_order"][S.CANCELLED, False][3:],
        )
    }
    assert {key for key in PRODUCT_STEPS["cancel_products"]} == {
        (s, held) for s in OPEN for held in (False, True)
    }


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.INCOMPLETE, S.COMPLETED, S.ARCHIVED, S.CANCELLED])
def test_database_refuses_hold_outside_open_statuses(status):
    order = OrderFactory(status=status)
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(on_hold=True)


@pytest.mark.django_db
def test_hold_then_resume_returns_exactly_where_it_was(boss):
    order = OrderFactory(status=S.CONFIRMED)
    held = services.hold_order(order_id=order.pk, by=boss, kind="fraud_check", reason="Check")
    assert (held.status, held.on_hold, held.hold_kind) == (S.CONFIRMED, True, "fraud_check")
    resumed = services.resume_order(order_id=order.pk, by=boss)
    assert (resumed.status, resumed.on_hold, resumed.hold_reason) == (S.CONFIRMED, False, "")


@pytest.mark.django_db
def test_held_order_refuses_confirm_with_a_sentence(boss):
    order = OrderFactory(status=S.PENDING, on_hold=True)
    with pytest.raises(DomainError, match=rf"^Order {order.number} is on hold: resume it first\.$"):
        services.confirm_order(order_id=order.pk, by=boss)


@pytest.mark.django_db
def test_wrong_status_sentence(boss):
    order = OrderFactory(status=S.CANCELLED)
    with pytest.raises(DomainError, match=rf"Order {order.number} is Cancelled, so it cannot be"):
        services.confirm_order(order_id=order.pk, by=boss)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "reason"), [("manual", "  "), ("nonsense", "Because")])
def test_hold_needs_a_reason_and_a_known_kind(kind, reason, boss):
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    with pytest.raises(DomainError):
        services.hold_order(order_id=order.pk, by=boss, kind=kind, reason=reason)
    assert snapshot(order) == before


@pytest.mark.django_db
def test_cancel_needs_a_reason(boss):
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    with pytest.raises(DomainError, match="reason"):
        backoffice.cancel_order(order_id=order.pk, by=boss, reason="")
    assert snapshot(order) == before


@pytest.mark.django_db
def test_checkout_with_autoconfirm_goes_to_confirmed(store, boss):
    store.autoconfirm = True
    store.save()
    order = OrderFactory()
    placed = backoffice.checkout_order(order_id=order.pk, by=boss)
    assert placed.status == S.CONFIRMED
    assert placed.placed_at == placed.confirmed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "lines", "sentence"),
    [
        ({}, [], "has no lines"),
        ({"billing_street": ""}, None, "has no billing address"),
    ],
)
def test_checkout_refusals(fields, lines, sentence, boss):
    order = OrderFactory(lines=lines, **fields)
    before = snapshot(order)
    with pytest.raises(DomainError, match=sentence):
        backoffice.checkout_order(order_id=order.pk, by=boss)
    assert snapshot(order) == before


@pytest.mark.django_db
def test_unknown_order_id_is_a_plain_refusal(boss):
    with pytest.raises(DomainError, match="does not exist"):
        services.confirm_order(order_id=987654321, by=boss)


@pytest.mark.django_db
def test_selection_totals_are_exact_to_the_cent():
    order = OrderFactory(
        shipping_price=Decimal("4.95"),
        lines=[
            LineDataFactory(quantity=3, unit_price=Decimal("33.33"), discount=Decimal("10.00")),
            LineDataFactory(quantity=1, unit_price=Decimal("0.10")),
        ],
    )
    # 3 × 33.33 − 10.00 + 0.10 + 4.95
    assert order.grand_total == Decimal("95.04")
