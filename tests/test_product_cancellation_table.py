"""Cancel products, restore products, release the rest of the authorization, restore
an order: every step × status (0–6) × hold × role, as data.

Each case gets the exact result, or a refusal in one sentence that changed nothing.
The order: line A (2 × 10.00), line B (1 × 20.00), shipping 5.00 = 45.00; in
Processing, A is in a shipment and B is not.
"""

from decimal import Decimal

import pytest

from backoffice import services as backoffice
from core.errors import DomainError
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import HoldKind, Order, OrderEvent, OrderStatus
from orders.services import archive_order, hold_order
from payments import services as payments
from payments.models import Payment, PaymentStatus
from shipments.models import ShipmentStatus
from tests.admin_support import NO_PERMISSIONS, ROLES, role_user
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    PaymentFactory,
    ShipmentFactory,
    advance_shipment,
)
from tests.helpers import payment_snapshot, snapshot, stock_snapshot
from tests.machine_edges import edges_taken

S = OrderStatus
D = Decimal
OPEN = [S.PENDING, S.CONFIRMED, S.PROCESSING]
STATES = [(s, False) for s in S] + [(s, True) for s in OPEN]


def line_a(order):
    return order.lines.get(sku="A")


def line_b(order):
    return order.lines.get(sku="B")


STEPS = {
    "cancel_products": lambda o, by: backoffice.cancel_products(
        order_id=o.pk, quantities={line_b(o).pk: 1}, reason="Out of stock", by=by
    ),
    "restore_products": lambda o, by: backoffice.restore_products(
        order_id=o.pk, quantities={line_b(o).pk: 1}, reason="Back in stock", by=by
    ),
    "release_authorization": lambda o, by: payments.release_remaining_authorization(
        order_id=o.pk, by=by
    ),
    "restore_order": lambda o, by: backoffice.restore_order(
        order_id=o.pk, reason="Customer wants it after all", by=by
    ),
}

ROLES_ALLOWED = {
    "cancel_products": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
    "restore_products": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
    "release_authorization": {FINANCE, BACKOFFICE_ADMIN},
    "restore_order": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
}

# (status, held) → the exact result: status after, B's cancelled units, grand total,
# and the payment's (status, authorized, captured, refunded, released).
SHRUNK = (D("25.00"), ("authorized", D("45.00"), D("0.00"), D("0.00"), D("0.00")))
WHOLE = (D("45.00"), ("authorized", D("45.00"), D("0.00"), D("0.00"), D("0.00")))
RELEASED = (D("25.00"), ("captured", D("45.00"), D("25.00"), D("0.00"), D("20.00")))
RESTORED = (D("45.00"), ("authorized", D("90.00"), D("0.00"), D("0.00"), D("45.00")))
ALLOWED = {
    "cancel_products": {(s, held): (s, held, 1, *SHRUNK) for s in OPEN for held in (0, 1)},
    "restore_products": {(s, held): (s, held, 0, *WHOLE) for s in OPEN for held in (0, 1)},
    "release_authorization": {
        (S.PROCESSING, False): (S.PROCESSING, False, 1, *RELEASED),
        (S.PROCESSING, True): (S.PROCESSING, True, 1, *RELEASED),
        (S.COMPLETED, False): (S.COMPLETED, False, 1, *RELEASED),
        (S.ARCHIVED, False): (S.ARCHIVED, False, 1, *RELEASED),
    },
    "restore_order": {(S.CANCELLED, False): (S.PENDING, False, 0, *RESTORED)},
}


# The events each step writes: its own, and the payment's when money moves.
EVENTS = {
    "cancel_products": ["cancel_products"],
    "restore_products": ["restore_products"],
    "release_authorization": ["payment_release"],
    "restore_order": ["payment_reauthorize", "restore"],
}


# The order's transition each step runs; releasing the authorization moves only the payment.
TRANSITION = {
    "cancel_products": "cancel_products",
    "restore_products": "restore_products",
    "release_authorization": None,
    "restore_order": "restore",
}


# The payment's edges: the release of what the order no longer needs, and the
# new authorization of a restored order.
PAYMENT_EDGES = {
    "cancel_products": set(),
    "restore_products": set(),
    "release_authorization": {
        (Payment, "release", PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED)
    },
    "restore_order": {(Payment, "reauthorize", PaymentStatus.VOIDED, PaymentStatus.AUTHORIZED)},
}


def row_edges(step: str, status: int, expected: tuple) -> set[tuple]:
    """The edges of the order's and the payment's machines an allowed row takes."""
    name = TRANSITION[step]
    order_edges = {(Order, name, status, expected[0])} if name else set()
    return order_edges | PAYMENT_EDGES[step]


# The edges this table sees the services take (each row checks its own below).
OBSERVED_EDGES = set().union(
    *(
        row_edges(step, status, expected)
        for step, rows in ALLOWED.items()
        for (status, _held), expected in rows.items()
    )
)


def build(step: str, status: int, held: bool) -> Order:
    """The order of the table at `status`, prepared so that the step has something to do."""
    lines = [
        LineDataFactory(sku="A", quantity=2, unit_price=D("10.00")),
        LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
    ]
    shipped_in_part = status == S.PROCESSING or (
        step == "release_authorization" and status in (S.COMPLETED, S.ARCHIVED)
    )
    if not shipped_in_part:
        order = OrderFactory(status=status, on_hold=held, lines=lines)
        if step == "restore_products" and status in OPEN:
            _cancel_b(order)
        return Order.objects.get(pk=order.pk)
    order = OrderFactory(status=S.CONFIRMED, lines=lines)
    shipment = ShipmentFactory(order=order, quantities={line_a(order).pk: 2})
    if step == "restore_products":
        _cancel_b(order)
    if step == "release_authorization":
        # The automatic release was declined; Finance releases it by hand later.
        PaymentFactory(order=order, test_decline="void")
        shipment = advance_shipment(shipment, status=ShipmentStatus.PAID)
        _cancel_b(order)
        if status != S.PROCESSING:
            advance_shipment(shipment, status=ShipmentStatus.COMPLETED)
        Payment.objects.filter(order=order).update(test_decline="")
    order = Order.objects.get(pk=order.pk)
    if status == S.ARCHIVED:
        archive_order(order_id=order.pk, by=FACTORY)
    elif held:
        hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Held")
    return Order.objects.get(pk=order.pk)


def _cancel_b(order: Order) -> None:
    backoffice.cancel_products(
        order_id=order.pk, quantities={line_b(order).pk: 1}, reason="Setup", by=FACTORY
    )


def money_of(order: Order) -> dict | None:
    """The payment's snapshot; an Incomplete order has no payment yet."""
    if not Payment.objects.filter(order_id=order.pk).exists():
        return None
    return payment_snapshot(order.pk)


def outcome(order: Order) -> tuple:
    order = Order.objects.get(pk=order.pk)
    payment = Payment.objects.get(order=order)
    return (
        order.status,
        order.on_hold,
        line_b(order).quantity_cancelled,
        order.grand_total,
        (
            payment.status,
            payment.authorized_amount,
            payment.captured_amount,
            payment.refunded_amount,
            payment.released_amount,
        ),
    )


def cases():
    for step in STEPS:
        for status, held in STATES:
            for role in ROLES:
                yield pytest.param(
                    step, status, held, role, id=f"{step}-{status.label}-held={held}-{role}"
                )


@pytest.mark.django_db
@pytest.mark.parametrize(("step", "status", "held", "role"), list(cases()))
def test_step_table(step, status, held, role):
    order = build(step, status, held)
    user = role_user(role)
    before, money_before, stock_before = (
        snapshot(order),
        money_of(order),
        stock_snapshot(),
    )
    expected = ALLOWED[step].get((status, held))
    if expected and role in ROLES_ALLOWED[step]:
        with edges_taken(Order, Payment) as taken:
            STEPS[step](order, user)
        assert taken == row_edges(step, status, expected)
        status_after, held_after, *rest = expected
        assert outcome(order) == (status_after, bool(held_after), *rest)
        assert stock_snapshot() == stock_before  # unshipped units hold no stock
        events = OrderEvent.objects.filter(order=order)
        assert events.count() == before["events"] + len(EVENTS[step])
        written = events.order_by("pk").reverse()[: len(EVENTS[step])]
        assert [event.transition for event in reversed(written)] == EVENTS[step]
        assert written[0].actor == user.username
    else:
        with pytest.raises(DomainError) as refused:
            STEPS[step](order, user)
        sentence = str(refused.value)
        assert sentence.endswith(".") and "\n" not in sentence
        if expected:  # refused for the role alone
            assert sentence.startswith("You do not have permission to ")
        assert money_of(order) == money_before
        assert snapshot(order) == before


assert {CUSTOMER_SERVICE, WAREHOUSE, FINANCE, BACKOFFICE_ADMIN, NO_PERMISSIONS} == set(ROLES)
