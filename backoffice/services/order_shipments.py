"""Steps on an order that take each of its shipments one step on: good-to-go and capture.

One service call per shipment (`shipments.services`), each its own transaction:
what one shipment refuses does not undo another. The words, permission and
refusals are the shipment's own transition's (`Shipment.good_to_go`,
`Shipment.capture`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor
from core.errors import DomainError, PartlyDone
from core.fsm import refusal
from orders.models import Order
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus


def _shipments_in(order: Order, status: str) -> list[Shipment]:
    shipments = [s for s in order.shipments.all() if s.status == status]
    for shipment in shipments:
        shipment.order = order
    return shipments


# Per transition taken across an order's shipments, whole sentences: that the
# order has no shipment to take it on, and what was done ("done": the shipments
# taken) and what not ("refused": each refused one and why).
NOTHING_TO = {
    "good_to_go": gettext_lazy("%(order)s has no created shipment to mark good-to-go."),
    "capture": gettext_lazy("%(order)s has no good-to-go shipment to capture."),
}
PARTLY = {
    "good_to_go": gettext_lazy("%(done)s marked good-to-go; %(refused)s"),
    "capture": gettext_lazy("%(done)s captured; %(refused)s"),
}


def _nothing_to(order: Order, transition) -> str:
    return NOTHING_TO[transition.__name__] % {"order": order}


def _refusal_across(order: Order, by: Actor, *, status: str, transition) -> str | None:
    """The first shipment's refusal (they share the order's state), or that there is none."""
    shipments = _shipments_in(order, status)
    if not shipments:
        return _nothing_to(order, transition)
    return refusal(getattr(shipments[0], transition.__name__), by=by)


def _take_each(
    *, order_id: int, by: Actor, status: str, transition, service: Callable[..., Shipment]
) -> list[Shipment]:
    """Each shipment in `status` through its service, in its own transaction."""
    shipments = Shipment.objects.filter(order_id=order_id, status=status).order_by("sequence")
    if not shipments:
        order = Order.objects.filter(pk=order_id).first()
        raise DomainError(
            _nothing_to(order, transition)
            if order
            else _("Order #%(id)s is gone.") % {"id": order_id}
        )
    done, refused = [], []
    for shipment in shipments:
        try:
            done.append(service(shipment_id=shipment.pk, by=by))
        except DomainError as error:
            refused.append((shipment.ref, error))
    if refused and not done:
        raise refused[0][1]
    if refused:
        why = "; ".join(
            _("%(shipment)s was not: %(reason)s") % {"shipment": ref, "reason": error}
            for ref, error in refused
        )
        refs = ", ".join(s.ref for s in done)
        raise PartlyDone(PARTLY[transition.__name__] % {"done": refs, "refused": why})
    return done


def mark_order_good_to_go(*, order_id: int, by: Actor) -> list[Shipment]:
    """Mark every created shipment of the order good-to-go."""
    return _take_each(
        order_id=order_id,
        by=by,
        status=ShipmentStatus.CREATED,
        transition=Shipment.good_to_go,
        service=shipping.mark_good_to_go,
    )


def good_to_go_refusal(order: Order, by: Actor) -> str | None:
    return _refusal_across(order, by, status=ShipmentStatus.CREATED, transition=Shipment.good_to_go)


def capture_order(*, order_id: int, by: Actor) -> list[Shipment]:
    """Capture every good-to-go shipment of the order."""
    return _take_each(
        order_id=order_id,
        by=by,
        status=ShipmentStatus.GOOD_TO_GO,
        transition=Shipment.capture,
        service=shipping.capture_shipment,
    )


def capture_refusal(order: Order, by: Actor) -> str | None:
    return _refusal_across(order, by, status=ShipmentStatus.GOOD_TO_GO, transition=Shipment.capture)
