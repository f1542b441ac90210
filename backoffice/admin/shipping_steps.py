"""The order steps that ship: expedite, split into shipments, good-to-go, capture.

They call `shipments.services` (one call per shipment, each its own
transaction); the checks that decide which buttons an order gets come from the
same transitions the services run (`Order.start_processing`, and the shipment's
`good_to_go` / `capture`).
"""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.actors import Actor
from core.admin.steps import PartlyDone, Step
from core.errors import DomainError
from core.fsm import refusal
from orders.models import Order, OrderLine
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus

# Selectors ------------------------------------------------------------------


def with_shipment_progress(queryset):
    """Annotate `shipments_total`, `shipments_completed` and `units_cancelled`:
    correlated subqueries on the shipments' and lines' order indexes, evaluated
    only for the rows shown."""

    def count(**filters):
        shipments = (
            Shipment.objects.filter(order=OuterRef("pk"), **filters)
            .order_by()
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(shipments, output_field=IntegerField()), Value(0))

    cancelled = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Sum("quantity_cancelled"))
        .values("n")
    )
    return queryset.annotate(
        shipments_total=count(),
        shipments_completed=count(status=ShipmentStatus.COMPLETED),
        units_cancelled=Coalesce(Subquery(cancelled, output_field=IntegerField()), Value(0)),
    )


def order_ids_by_reference(term: str):
    """Ids of the orders with a line of this SKU or a shipment with this tracking
    number (exact), each found on its own index: a UNION subquery, not a list."""
    by_sku = OrderLine.objects.filter(sku=term).order_by().values("order_id")
    by_tracking = Shipment.objects.filter(tracking_number=term).order_by().values("order_id")
    return by_sku.union(by_tracking)


# Steps over an order's shipments ---------------------------------------------


def _shipments_in(order: Order, status: str) -> list[Shipment]:
    shipments = [s for s in order.shipments.all() if s.status == status]
    for shipment in shipments:
        shipment.order = order
    return shipments


def shipments_step(*, name: str, status: str, transition: str, service, label: str, past: str):
    """A step on an order that takes every shipment of it in `status` one step on."""

    def nothing_to_do(order: Order) -> str:
        return f"{order} has no {ShipmentStatus(status).label.lower()} shipment to {label}."

    def check(order: Order, by: Actor) -> str | None:
        shipments = _shipments_in(order, status)
        if not shipments:
            return nothing_to_do(order)
        return refusal(getattr(shipments[0], transition), by=by)

    def take_each(*, order_id: int, by: Actor) -> list[Shipment]:
        """Each shipment through its service, each in its own transaction."""
        shipments = Shipment.objects.filter(order_id=order_id, status=status).order_by("sequence")
        if not shipments:
            order = Order.objects.filter(pk=order_id).first()
            raise DomainError(nothing_to_do(order) if order else f"Order #{order_id} is gone.")
        done, refused = [], []
        for shipment in shipments:
            try:
                done.append(service(shipment_id=shipment.pk, by=by))
            except DomainError as error:
                refused.append((shipment.ref, error))
        if refused and not done:
            raise refused[0][1]
        if refused:
            why = "; ".join(f"{ref} was not: {error}" for ref, error in refused)
            raise PartlyDone(f"{', '.join(s.ref for s in done)} {past}; {why}")
        return done

    permission = next(
        iter(getattr(Shipment, transition)._django_fsm.transitions.values())
    ).permission
    return Step(
        name,
        take_each,
        check=check,
        # The shipments section shows each shipment's own steps and blocks.
        explain_when_blocked=False,
        label_text=label[:1].upper() + label[1:],
        past_text=past,
        permission_name=permission,
    )


SHIPPING_STEPS = [
    Step("expedite", shipping.expedite_order, transition="start_processing", past_text="expedited"),
    shipments_step(
        name="good_to_go",
        status=ShipmentStatus.CREATED,
        transition="good_to_go",
        service=shipping.mark_good_to_go,
        label="mark good-to-go",
        past="marked good-to-go",
    ),
    shipments_step(
        name="capture",
        status=ShipmentStatus.GOOD_TO_GO,
        transition="capture",
        service=shipping.capture_shipment,
        label="capture",
        past="captured",
    ),
]
