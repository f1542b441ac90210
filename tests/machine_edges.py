"""The edges of the state machines: those the models declare and those the services take.

An edge is (model, transition name, source, target); a transition that keeps
the status ("target None" to django-fsm: hold, a deletion's check) is the edge
from its source to itself, as the flow page draws it.

`edges_taken` also walks every service the transition tables and the edge cases
run: a service that changes state (takes an edge) while an integration listens
to every event type must leave at least one outbox message for it, so no change
leaves the system unannounced. A step whose provider call was declined is the one
exception: the decline is in the ledger, and nothing changed that an integration
acts on. So is discarding a selection, and a payment attempt declined or cancelled:
the selection was never an order to integrations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django_fsm.signals import post_transition

from backoffice import services as backoffice
from core.admin.flow_diagram import transitions_of
from orders import services
from orders.models import HoldKind, Order, OrderStatus
from outbox.event_types import ALL_EVENT_TYPES
from outbox.models import Integration, OutboxMessage
from payments.models import PaymentTransaction
from shipments.models import ShipmentStatus
from tests.factories import FACTORY, LineDataFactory, OrderFactory, ShipmentFactory


def declared_edges(*models) -> set[tuple]:
    """Every edge the `@transition` decorators of `models` declare (django-fsm's own
    introspection, as the flow page reads it)."""
    return {
        (model, transition.name, source, target)
        for model in models
        for source, target, transition in transitions_of(model)
    }


@contextmanager
def edges_taken(*models) -> Iterator[set[tuple]]:
    """Collect the edges of `models` the code runs inside the block, and check
    that the change was published (see the module's docstring).

    Listens to django-fsm's `post_transition`, sent by every transition method
    that ran, whoever called it.
    """
    taken: set[tuple] = set()
    listener = Integration.objects.create(
        name="listens-to-everything", kind=Integration.Kind.QUEUE, event_types=ALL_EVENT_TYPES
    )
    declines = PaymentTransaction.objects.filter(outcome=PaymentTransaction.Outcome.FAILED)
    declined_before = declines.count()

    def note(sender, name, source, target, **kwargs) -> None:
        if sender in models:
            taken.add((sender, name, source, source if target is None else target))

    post_transition.connect(note, weak=False)
    try:
        yield taken
    finally:
        post_transition.disconnect(note)
    announced = {edge for edge in taken if edge[:2] != (Order, "discard") and quiet(edge) is False}
    if announced and declines.count() == declined_before:
        published = OutboxMessage.objects.filter(integration=listener)
        assert published.exists(), f"{sorted(map(str, announced))} changed state, published nothing"


def quiet(edge: tuple) -> bool:
    """A payment attempt declined or cancelled: the selection was never an order to
    integrations (its placing is announced by the checkout's `order.created`). A
    provider's notification recorded as a duplicate or rejected changed nothing."""
    if edge[0].__name__ == "ProviderNotification":
        return edge[1] != "apply"
    return edge[0].__name__ == "PaymentAttempt" and edge[1] != "place"


@dataclass(frozen=True)
class Case:
    """A service run on what `build` makes, and the edges of the machines it must take."""

    name: str
    build: Callable
    run: Callable
    edges: frozenset[tuple]


def case(name: str, build: Callable, run: Callable, *edges: tuple) -> Case:
    return Case(name, build, run, frozenset(edges))


# The order most cases start from, and the products they cancel.


def two_lines(status: int) -> Order:
    """A (2 units) and B (1 unit): 45.00 with the shipping."""
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
    """Processing: A is in a completed shipment (25.00 captured with the shipping),
    B is in none (on hold if `held`)."""
    order = two_lines(OrderStatus.CONFIRMED)
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
