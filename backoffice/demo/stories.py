"""What happens to each demo order, step by step, by the staff whose job it is."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from backoffice import services as backoffice
from backoffice.demo.catalog import (
    CANCEL_REASONS,
    CARRIERS,
    HOLDS,
    STOREFRONT,
    all_skus,
)
from backoffice.demo.timeshift import Pauses
from core.errors import DomainError
from orders import services
from orders.models import HoldKind, Order
from shipments import services as shipment_services
from shipments.models import Shipment, Warehouse


@dataclass
class Staff:
    """Who does what in the stories: each step by the group whose job it is."""

    customer_service: AbstractBaseUser
    warehouse: AbstractBaseUser
    finance: AbstractBaseUser


@dataclass
class Story:
    """What a story needs besides its order."""

    rng: random.Random
    staff: Staff
    age_days: float
    warehouses: Warehouses
    pauses: Pauses = field(default_factory=Pauses)


def _checkout(order: Order) -> Order:
    return backoffice.checkout_order(order_id=order.pk, by=STOREFRONT)


def _confirm(order: Order, story: Story) -> Order:
    _checkout(order)
    _later(story, hours=(0.2, 20))
    return services.confirm_order(order_id=order.pk, by=story.staff.customer_service)


def _later(story: Story, *, hours: tuple[float, float]) -> None:
    """What the story does next happens some hours after what it did so far
    (the order's rows move back by the pause when the story is over)."""
    story.pauses.add(days=story.rng.uniform(*hours) / 24)


def abandoned(order, story):
    """A cart that never checked out."""


def declined(order, story):
    """Checkout declined by the provider: stays a selection with a failed authorization."""
    try:
        _checkout(order)
    except DomainError:
        return
    raise AssertionError(f"{order} should have been declined at checkout.")


def pending(order, story):
    _checkout(order)


def confirmed(order, story):
    _confirm(order, story)


def held(order, story):
    kind, reason = story.rng.choice(HOLDS)
    where = story.rng.random()
    if kind == HoldKind.WAITING_FOR_PAYMENT or where < 0.4:
        _checkout(order)
    elif where < 0.7:
        _confirm(order, story)
    else:
        _confirm(order, story)
        _ship(order, story)
    _later(story, hours=(0.1, 6))
    services.hold_order(
        order_id=order.pk, by=story.staff.customer_service, kind=kind, reason=reason
    )


def cancelled(order, story):
    where = story.rng.random()
    if where < 0.4:
        _checkout(order)
    else:
        _confirm(order, story)
        if where > 0.75:  # cancelling deletes the open shipment and releases its stock
            _later(story, hours=(1, 20))
            _ship(order, story)
    _later(story, hours=(1, 48))
    reason = story.rng.choice(CANCEL_REASONS)
    backoffice.cancel_order(order_id=order.pk, by=story.staff.customer_service, reason=reason)


def processing(order, story):
    """One shipment on its way: created, maybe good-to-go, maybe paid."""
    _confirm(order, story)
    _later(story, hours=(1, 24))
    shipment = _ship(order, story)
    progress = story.rng.random()
    if progress < 0.7:
        _later(story, hours=(1, 10))
        _good_to_go(shipment, story)
    if progress < 0.35:
        _later(story, hours=(0.5, 5))
        _pay(shipment, order, story)


def completed(order, story):
    _confirm(order, story)
    _later(story, hours=(1, 24))
    _ship_through(_ship(order, story), order, story)


def split(order, story):
    """Shipped in two parts from two warehouses; the second may still be on its way."""
    _confirm(order, story)
    _later(story, hours=(1, 24))
    lines = list(order.lines_with_shipped())
    first = {line.pk: line.quantity_unshipped for line in lines[: len(lines) // 2]}
    if not first:  # one line: ship part of its units first
        first = {lines[0].pk: lines[0].quantity_unshipped // 2}
    _ship_through(
        _ship(order, story, quantities=first, warehouse=story.warehouses.store), order, story
    )
    _later(story, hours=(6, 72))
    rest = _ship(order, story)
    if story.age_days >= 7:
        _ship_through(rest, order, story)
    else:
        _good_to_go(rest, story)


def failed_capture(order, story):
    """Good-to-go, but the provider declined the capture (the ledger says why)."""
    from payments.errors import PaymentDeclined
    from payments.models import Payment

    _confirm(order, story)
    _later(story, hours=(1, 24))
    shipment = _ship(order, story)
    _good_to_go(shipment, story)
    # The test gateway's switch for declining: a provider setting, not a state.
    Payment.objects.filter(order=order).update(test_decline="capture")
    _later(story, hours=(1, 8))
    try:
        shipment_services.capture_shipment(shipment_id=shipment.pk, by=story.staff.finance)
    except PaymentDeclined:
        return
    raise AssertionError(f"{order}'s capture should have been declined.")


def capture_requested(order, story):
    """Good-to-go and captured at a provider that settles later: the capture is
    requested, and the provider's notification has not come yet
    (`manage.py send_test_notifications` sends it)."""
    from payments.models import Payment

    _confirm(order, story)
    _later(story, hours=(1, 24))
    shipment = _ship(order, story)
    _good_to_go(shipment, story)
    # The test gateway's asynchronous mode: a provider setting, not a state.
    Payment.objects.filter(order=order).update(test_settles_later=True)
    _later(story, hours=(1, 8))
    shipment_services.capture_shipment(shipment_id=shipment.pk, by=story.staff.finance)


STORIES: dict[str, Callable[[Order, Story], None]] = {
    "abandoned": abandoned,
    "declined": declined,
    "pending": pending,
    "confirmed": confirmed,
    "held": held,
    "cancelled": cancelled,
    "processing": processing,
    "split": split,
    "completed": completed,
    "archived": completed,  # then archived by the command, once old enough
    "failed_capture": failed_capture,
    "capture_requested": capture_requested,
}


@dataclass
class Warehouses:
    europe: Warehouse
    america: Warehouse
    store: Warehouse  # a shop's back room: little stock, ships parts of orders

    def home(self, order: Order) -> Warehouse:
        return self.america if order.market == "US" else self.europe


def make_warehouses(rng: random.Random) -> Warehouses:
    made = Warehouses(
        europe=Warehouse.objects.get_or_create(name="Stockholm DC", defaults={"priority": 1})[0],
        america=Warehouse.objects.get_or_create(name="New Jersey 3PL", defaults={"priority": 2})[0],
        store=Warehouse.objects.get_or_create(name="Berlin store", defaults={"priority": 3})[0],
    )
    for sku in all_skus():
        for warehouse, most in ((made.europe, 120), (made.america, 80), (made.store, 12)):
            shipment_services.receive_stock(
                warehouse_id=warehouse.pk, sku=sku, quantity=rng.randint(most // 2, most)
            )
    return made


def _ship(
    order: Order,
    story: Story,
    *,
    quantities: dict[int, int] | None = None,
    warehouse: Warehouse | None = None,
) -> Shipment:
    """A shipment of `quantities` (default: all that is left), restocking if it ran out."""
    warehouse = warehouse or story.warehouses.home(order)
    if quantities is None:
        quantities = {
            line.pk: line.quantity_unshipped
            for line in order.lines_with_shipped()
            if line.quantity_unshipped
        }
    _restock(order, warehouse, quantities)
    return shipment_services.create_shipment(
        order_id=order.pk,
        warehouse_id=warehouse.pk,
        quantities=quantities,
        by=story.staff.warehouse,
    )


def _restock(order: Order, warehouse: Warehouse, quantities: dict[int, int]) -> None:
    """A supplier delivery when the warehouse has fewer units than the shipment needs."""
    skus = dict(order.lines.filter(pk__in=quantities).values_list("pk", "sku"))
    available = shipment_services.available_by_sku(warehouse=warehouse, skus=skus.values())
    for line_id, quantity in quantities.items():
        missing = quantity - available.get(skus[line_id], 0)
        if missing > 0:
            shipment_services.receive_stock(
                warehouse_id=warehouse.pk, sku=skus[line_id], quantity=missing + 20
            )


def _good_to_go(shipment: Shipment, story: Story) -> None:
    shipment_services.mark_good_to_go(shipment_id=shipment.pk, by=story.staff.warehouse)


def _pay(shipment: Shipment, order: Order, story: Story) -> None:
    if order.payment_method == "invoice":
        shipment_services.mark_shipment_paid(
            shipment_id=shipment.pk,
            by=story.staff.finance,
            reference=f"Bank transfer {story.rng.randint(100000, 999999)}",
        )
    else:
        shipment_services.capture_shipment(shipment_id=shipment.pk, by=story.staff.finance)


def _ship_through(shipment: Shipment, order: Order, story: Story) -> None:
    """Good-to-go, paid, and handed to the carrier."""
    _later(story, hours=(1, 12))
    _good_to_go(shipment, story)
    _later(story, hours=(0.5, 6))
    _pay(shipment, order, story)
    _later(story, hours=(2, 30))
    carrier, prefix = story.rng.choice(CARRIERS)
    shipment_services.complete_shipment(
        shipment_id=shipment.pk,
        tracking_number=f"{prefix}{story.rng.randint(10**9, 10**10 - 1)}",
        carrier=carrier,
        # Shipped today; the history's move into the past takes the date along.
        shipped_date=timezone.localdate(),
        by=story.staff.warehouse,
    )
