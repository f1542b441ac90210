"""The state machines declare exactly the edges the services take.

The transition tables (the order's, the product steps', the shipment steps', the
return steps') each check that an allowed row takes its edge, and export the
edges their rows take. The edges no table row takes (the ones the shipments and
the product steps drive on the order, checkout with Autoconfirm, discarding a
selection) are taken here, one case each. Together they must be the edges the
`@transition` decorators declare, as django-fsm's introspection (and so the
flow page) sees them: an edge declared and never taken, or taken and not
declared, fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

from backoffice import services as backoffice
from orders import services
from orders.models import HoldKind, Order, OrderStatus
from payments import services as payments
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentStatus
from returns.models import Return
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus
from tests import test_admin_shipment_steps as shipment_table
from tests import test_order_transitions as order_table
from tests import test_product_cancellation_table as product_table
from tests import test_return_steps_table as return_table
from tests.factories import FACTORY, LineDataFactory, OrderFactory, ShipmentFactory
from tests.machine_edges import declared_edges, edges_taken

S = OrderStatus
D = Decimal
MACHINES = (Order, Shipment, Return, Payment)


def two_lines(status: int) -> Order:
    """A (2 units) and B (1 unit)."""
    return OrderFactory(
        status=status,
        lines=[
            LineDataFactory(sku="A", quantity=2, unit_price=Decimal("10.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=Decimal("20.00")),
        ],
    )


def line(order: Order, sku: str) -> int:
    return order.lines.get(sku=sku).pk


def a_shipped(*, held: bool = False) -> Order:
    """Processing: A is in a completed shipment, B is in none (on hold if `held`)."""
    order = two_lines(S.CONFIRMED)
    ShipmentFactory(order=order, quantities={line(order, "A"): 2}, status=ShipmentStatus.COMPLETED)
    if held:
        services.hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Check")
    return Order.objects.get(pk=order.pk)


def cancel_b(order: Order) -> None:
    backoffice.cancel_products(
        order_id=order.pk, quantities={line(order, "B"): 1}, reason="Out of stock", by=FACTORY
    )


def cancel_every_unit(order: Order) -> None:
    backoffice.cancel_products(
        order_id=order.pk,
        quantities={line(order, "A"): 2, line(order, "B"): 1},
        reason="Out of stock",
        by=FACTORY,
    )


def checkout_autoconfirmed(order: Order) -> None:
    backoffice.checkout_order(order_id=order.pk, by=FACTORY)


def with_autoconfirm(store) -> Order:
    store.autoconfirm = True
    store.save()
    return OrderFactory()


def ship_the_rest(order: Order) -> None:
    ShipmentFactory(order=order)


def b_in_a_paid_shipment(store) -> Shipment:
    """A shipped and completed, B in a paid shipment: completing it ships the last line."""
    order = two_lines(S.CONFIRMED)
    ShipmentFactory(order=order, quantities={line(order, "A"): 2}, status=ShipmentStatus.COMPLETED)
    return ShipmentFactory(
        order=order, quantities={line(order, "B"): 1}, status=ShipmentStatus.PAID
    )


def capture(amount: str, ref: str) -> Callable:
    return lambda o: payments.capture_payment(
        order_id=o.pk, amount=D(amount), by=FACTORY, shipment_ref=ref
    )


def record(amount: str, ref: str) -> Callable:
    return lambda o: payments.record_manual_payment(
        order_id=o.pk, amount=D(amount), by=FACTORY, shipment_ref=ref
    )


def unrecord(ref: str) -> Callable:
    return lambda o: payments.reverse_manual_payment(order_id=o.pk, shipment_ref=ref, by=FACTORY)


def refund(amount: str) -> Callable:
    return lambda o: payments.refund_payment(
        order_id=o.pk, amount=D(amount), reason="Goodwill", by=FACTORY
    )


def paid(*steps: Callable) -> Callable:
    """A confirmed order of 45.00, its payment taken through `steps`."""

    def build(store) -> Order:
        order = two_lines(S.CONFIRMED)
        for step in steps:
            step(order)
        return order

    return build


def declined(step: Callable) -> Callable:
    """`step`, which the test gateway declines (the edge is taken all the same)."""

    def run(subject) -> None:
        with pytest.raises(PaymentDeclined):
            step(subject)

    return run


def checkout(order: Order) -> None:
    backoffice.checkout_order(order_id=order.pk, by=FACTORY)


def declined_at_checkout(*, again: bool = False, fixed: bool = False) -> Callable:
    """A selection of 15.13 (the test gateway declines amounts of 13 cents), checked
    out once and declined; `fixed` changes its price to one the gateway accepts."""

    def build(store) -> Order:
        order = OrderFactory(lines=[LineDataFactory(quantity=1, unit_price=D("10.13"))])
        declined(checkout)(order)
        if fixed:
            order.lines.update(unit_price=D("10.00"))
        return order

    return build


def cancelled_and_declining(store) -> Order:
    order = OrderFactory(status=S.CANCELLED)
    Payment.objects.filter(order=order).update(test_decline="authorize")
    return order


def restore(order: Order) -> None:
    backoffice.restore_order(order_id=order.pk, reason="Wanted after all", by=FACTORY)


def settled_by_cancelling_b(*steps: Callable) -> Callable:
    """A shipped and paid (25.00 captured), then `steps`; cancelling B, the last open
    line, leaves nothing to capture, so what is still authorized is released."""

    def build(store) -> Order:
        order = two_lines(S.CONFIRMED)
        ShipmentFactory(order=order, quantities={line(order, "A"): 2}, status=ShipmentStatus.PAID)
        for step in steps:
            step(order)
        return order

    return build


def free_a_shipped(store) -> Order:
    """A costs nothing and is shipped (a shipment of 0.00 captures nothing), B is open."""
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=D("0.00"),
        lines=[
            LineDataFactory(sku="A", quantity=1, unit_price=D("0.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
        ],
    )
    ShipmentFactory(order=order, quantities={line(order, "A"): 1}, status=ShipmentStatus.COMPLETED)
    return order


@dataclass(frozen=True)
class Case:
    """A service run on what `build` makes, and the edges of the machines it must take."""

    name: str
    build: Callable
    run: Callable
    edges: frozenset[tuple]


def case(name: str, build: Callable, run: Callable, *edges: tuple) -> Case:
    return Case(name, build, run, frozenset(edges))


CASES = [
    case(
        "checkout with Autoconfirm",
        with_autoconfirm,
        checkout_autoconfirmed,
        (Order, "checkout", S.INCOMPLETE, S.CONFIRMED),
    ),
    case(
        "discard a selection",
        lambda store: OrderFactory(),
        lambda o: services.discard_selection(order_id=o.pk, by=FACTORY),
        (Order, "discard", S.INCOMPLETE, S.INCOMPLETE),
    ),
    case(
        "cancel every product of a pending order",
        lambda store: two_lines(S.PENDING),
        cancel_every_unit,
        (Order, "cancel_emptied", S.PENDING, S.CANCELLED),
    ),
    case(
        "cancel every product of a confirmed order",
        lambda store: two_lines(S.CONFIRMED),
        cancel_every_unit,
        (Order, "cancel_emptied", S.CONFIRMED, S.CANCELLED),
    ),
    case(
        "cancel the last open products of a fully shipped order",
        lambda store: a_shipped(),
        cancel_b,
        (Order, "cancel_products", S.PROCESSING, S.PROCESSING),
        (Order, "complete", S.PROCESSING, S.COMPLETED),
    ),
    case(
        "resume a held order whose last open products were cancelled",
        lambda store: (order := a_shipped(held=True), cancel_b(order))[0],
        lambda o: services.resume_order(order_id=o.pk, by=FACTORY),
        (Order, "resume", S.PROCESSING, S.PROCESSING),
        (Order, "complete", S.PROCESSING, S.COMPLETED),
    ),
    case(
        "complete the shipment of the last line",
        b_in_a_paid_shipment,
        lambda s: shipping.complete_shipment(
            shipment_id=s.pk, tracking_number="T1", carrier="UPS", by=FACTORY
        ),
        (Shipment, "complete", ShipmentStatus.PAID, ShipmentStatus.COMPLETED),
        (Order, "complete", S.PROCESSING, S.COMPLETED),
    ),
    case(
        "create the first shipment",
        lambda store: two_lines(S.CONFIRMED),
        ship_the_rest,
        (Order, "start_processing", S.CONFIRMED, S.PROCESSING),
    ),
    case(
        "create a second shipment",
        lambda store: a_shipped(),
        ship_the_rest,
        (Order, "start_processing", S.PROCESSING, S.PROCESSING),
    ),
    case(
        "delete the last shipment",
        lambda store: ShipmentFactory(order=two_lines(S.CONFIRMED)),
        lambda s: shipping.delete_shipment(shipment_id=s.pk, by=FACTORY),
        (Shipment, "delete_shipment", ShipmentStatus.CREATED, ShipmentStatus.CREATED),
        (Order, "return_to_confirmed", S.PROCESSING, S.CONFIRMED),
    ),
]

P = PaymentStatus


def money(transition: str, source: str, target: str, build: Callable, run: Callable) -> Case:
    """A case taking one edge of the payment's machine."""
    name = f"payment {transition} {source} to {target}"
    return case(name, build, run, (Payment, transition, source, target))


CASES += [
    money(
        "authorize",
        P.NEW,
        P.FAILED,
        lambda store: OrderFactory(lines=[LineDataFactory(quantity=1, unit_price=D("10.13"))]),
        declined(checkout),
    ),
    money("authorize", P.FAILED, P.FAILED, declined_at_checkout(), declined(checkout)),
    money("authorize", P.FAILED, P.AUTHORIZED, declined_at_checkout(fixed=True), checkout),
    money("reauthorize", P.VOIDED, P.VOIDED, cancelled_and_declining, declined(restore)),
    *(
        money(name, source, target, paid(*steps), step(amount, "1-2"))
        for name, step in (("capture", capture), ("record_manual", record))
        for source, target, steps, amount in (
            (P.AUTHORIZED, P.PARTIALLY_CAPTURED, (), "10"),
            (P.AUTHORIZED, P.CAPTURED, (), "45"),
            (P.PARTIALLY_CAPTURED, P.PARTIALLY_CAPTURED, (capture("10", "1-1"),), "10"),
            (P.PARTIALLY_CAPTURED, P.CAPTURED, (capture("10", "1-1"),), "35"),
            (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"), refund("5")), "10"),
            (P.REFUNDED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"), refund("10")), "10"),
        )
    ),
    money("reverse_manual", P.CAPTURED, P.AUTHORIZED, paid(record("45", "1-1")), unrecord("1-1")),
    money(
        "reverse_manual",
        P.CAPTURED,
        P.PARTIALLY_CAPTURED,
        paid(record("10", "1-1"), record("35", "1-2")),
        unrecord("1-2"),
    ),
    money(
        "reverse_manual",
        P.PARTIALLY_CAPTURED,
        P.AUTHORIZED,
        paid(record("10", "1-1")),
        unrecord("1-1"),
    ),
    money(
        "reverse_manual",
        P.PARTIALLY_CAPTURED,
        P.PARTIALLY_CAPTURED,
        paid(record("10", "1-1"), record("10", "1-2")),
        unrecord("1-2"),
    ),
    *(
        money("refund", source, target, paid(*steps), refund(amount))
        for source, target, steps, amount in (
            (P.PARTIALLY_CAPTURED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"),), "5"),
            (P.PARTIALLY_CAPTURED, P.REFUNDED, (capture("10", "1-1"),), "10"),
            (P.CAPTURED, P.PARTIALLY_REFUNDED, (capture("45", "1-1"),), "5"),
            (P.CAPTURED, P.REFUNDED, (capture("45", "1-1"),), "45"),
            (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"), refund("3")), "3"),
            (P.PARTIALLY_REFUNDED, P.REFUNDED, (capture("10", "1-1"), refund("5")), "5"),
        )
    ),
    money("release", P.AUTHORIZED, P.VOIDED, free_a_shipped, cancel_b),
    money(
        "release",
        P.PARTIALLY_REFUNDED,
        P.PARTIALLY_REFUNDED,
        settled_by_cancelling_b(refund("5")),
        cancel_b,
    ),
    money("release", P.REFUNDED, P.REFUNDED, settled_by_cancelling_b(refund("25")), cancel_b),
]

TABLES = {
    "tests/test_order_transitions.py": order_table.OBSERVED_EDGES,
    "tests/test_product_cancellation_table.py": product_table.OBSERVED_EDGES,
    "tests/test_admin_shipment_steps.py": shipment_table.OBSERVED_EDGES,
    "tests/test_return_steps_table.py": return_table.OBSERVED_EDGES,
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_service_takes_exactly_these_edges(case, store):
    subject = case.build(store)
    # The machines the case names, and all their edges: a step that also moves
    # another machine lists that edge too.
    with edges_taken(*{edge[0] for edge in case.edges}) as taken:
        case.run(subject)
    assert taken == case.edges


def named(edges: set[tuple]) -> list[str]:
    return sorted(
        f"{model.__name__}.{name}: {source} → {target}" for model, name, source, target in edges
    )


def test_the_machines_declare_exactly_the_edges_the_services_take():
    observed = set().union(*TABLES.values(), *(case.edges for case in CASES))
    declared = declared_edges(*MACHINES)
    # Every table and every machine is in the comparison: none can drop out unseen.
    assert all(TABLES.values()), [path for path, edges in TABLES.items() if not edges]
    assert {edge[0] for edge in observed} == set(MACHINES)
    assert named(declared - observed) == [], "declared, but no service takes them"
    assert named(observed - declared) == [], "taken, but not declared"


def test_cancelling_products_is_drawn_once_per_real_edge():
    """The flow page draws these same edges: cancel products keeps the status, and
    emptying the order is an arrow from Pending and from Confirmed only."""
    cancelling = {
        (source, target)
        for _model, name, source, target in declared_edges(Order)
        if name in ("cancel_products", "cancel_emptied")
    }
    assert cancelling == {(s, s) for s in (S.PENDING, S.CONFIRMED, S.PROCESSING)} | {
        (S.PENDING, S.CANCELLED),
        (S.CONFIRMED, S.CANCELLED),
    }
