"""The state machines declare exactly the edges the services take.

The transition tables (the order's, the product steps', the shipment steps', the
return steps') each check that an allowed row takes its edge, and export the
edges their rows take. The edges no table row takes (the ones the shipments and
the product steps drive on the order, checkout with Autoconfirm, discarding a
selection) are taken here, one case each, the payment's in
`tests/payment_edges.py`, the payment attempt's in `tests/attempt_edges.py`, and
settling later's (requests, settlements, notifications) in `tests/settle_edges.py`,
and those of orders staff make (exchanges, resends) in `tests/staff_edges.py`.
Together they must be the edges the `@transition` decorators declare, as
django-fsm's introspection (and so the flow page) sees them: an edge declared
and never taken, or taken and not declared, fails.
"""

from __future__ import annotations

import pytest

from backoffice import services as backoffice
from orders import services
from orders.models import Order, OrderStatus
from payments.models import Payment, PaymentAttempt, ProviderNotification
from returns.models import Return
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus
from tests import test_admin_shipment_steps as shipment_table
from tests import test_order_transitions as order_table
from tests import test_product_cancellation_table as product_table
from tests import test_return_steps_table as return_table
from tests.attempt_edges import ATTEMPT_CASES
from tests.factories import FACTORY, OrderFactory, ShipmentFactory
from tests.machine_edges import (
    a_shipped,
    cancel_b,
    cancel_every_unit,
    case,
    declared_edges,
    edges_taken,
    line,
    two_lines,
)
from tests.payment_edges import PAYMENT_CASES
from tests.settle_edges import SETTLE_CASES
from tests.staff_edges import STAFF_CASES

S = OrderStatus
MACHINES = (Order, Shipment, Return, Payment, PaymentAttempt, ProviderNotification)


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

CASES += PAYMENT_CASES
CASES += ATTEMPT_CASES
CASES += SETTLE_CASES
CASES += STAFF_CASES

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
