"""What every shipment service shares: the lock on a shipment and the event it writes.

Locks follow the one lock order written down in `orders.locks`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.actors import Actor
from core.fsm import run_transition
from orders.events import Publishes, record_event
from orders.locks import lock_with_order
from orders.models import Order, OrderEvent
from shipments.models import Shipment

SHIPMENT = OrderEvent.Subject.SHIPMENT


def lock_shipment(shipment_id: int) -> tuple[Order, Shipment]:
    """Lock the shipment's order, then the shipment; a clear error if it is gone."""
    shipment = lock_with_order(
        Shipment.objects.all(),
        pk=shipment_id,
        gone=_("Shipment #%(id)s does not exist (it may have been deleted).") % {"id": shipment_id},
    )
    return shipment.order, shipment


def record_shipment_event(
    shipment: Shipment,
    *,
    by: Actor,
    transition: str,
    publishes: Publishes,
    from_state,
    message: str,
    to_state=None,
    **data,
) -> None:
    record_event(
        order=shipment.order,
        by=by,
        subject=SHIPMENT,
        subject_ref=shipment.ref,
        transition=transition,
        publishes=publishes,
        from_state=from_state,
        to_state=shipment.status if to_state is None else to_state,
        message=message,
        data={"shipment_id": shipment.pk, **data},
    )


def move_order(
    order: Order, method, *, by: Actor, publishes: Publishes, message: str, data: dict
) -> None:
    """Run an order transition the shipments drive, save it, and record it."""
    from_status, _to_state = run_transition(method, by=by)
    record_order_move(
        order,
        method.__name__,
        by=by,
        publishes=publishes,
        from_status=from_status,
        message=message,
        data=data,
    )


def record_order_move(
    order: Order,
    transition: str,
    *,
    by: Actor,
    publishes: Publishes,
    from_status,
    message: str,
    data: dict,
) -> None:
    """Save the order a shipment step has just moved, and record the move."""
    order.save()
    record_event(
        order=order,
        by=by,
        transition=transition,
        publishes=publishes,
        from_state=from_status,
        to_state=order.status,
        message=message,
        data=data,
    )
