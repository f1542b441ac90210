"""Direct to Shipment: the store option that ships an order at checkout."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import process
from core.errors import DomainError
from core.fsm import run_transition
from orders.events import record_event
from orders.models import Order
from outbox.event_types import EventType
from payments.errors import unless_declined
from shipments.models import Shipment, Warehouse
from shipments.selectors import propose_split
from shipments.services.common import record_shipment_event
from shipments.services.lifecycle import create_shipment_under_lock
from shipments.services.paying import pay_shipment

# The store options act on their own authority (the checkout's actor may be a
# storefront user without shipment rights); events name the option.
DIRECT_TO_SHIPMENT = process("store", "direct_to_shipment")


def ship_at_checkout(*, order: Order, capture: bool) -> Shipment | None:
    """Direct to Shipment: one good-to-go shipment holding every line, paid with `capture`.

    Runs inside the checkout's transaction, which holds the order lock and has
    just confirmed the order and authorized its payment. Ships from the first
    active warehouse (by priority) that has every line in stock; when none has,
    nothing is created and the order waits in Confirmed for staff to split it.
    With Direct Capture the shipment is captured at once; a declined capture
    leaves it Good-to-go (the failed row is in the ledger) and the checkout stands.
    """
    for warehouse in Warehouse.objects.filter(is_active=True):
        proposal = propose_split(order=order, warehouse=warehouse)
        if not proposal.lines or not proposal.ships_everything:
            continue
        try:
            with transaction.atomic():
                shipment = create_shipment_under_lock(
                    order=order,
                    warehouse=warehouse,
                    quantities=proposal.quantities,
                    by=DIRECT_TO_SHIPMENT,
                )
        except DomainError:
            # The stock went between the proposal and the locked check: the
            # savepoint undid the attempt; undo the order's in-memory move too.
            order.refresh_from_db()
            continue
        from_state, _to_state = run_transition(shipment.good_to_go, by=DIRECT_TO_SHIPMENT)
        shipment.save()
        record_shipment_event(
            shipment,
            by=DIRECT_TO_SHIPMENT,
            transition="good_to_go",
            publishes=EventType.SHIPMENT_GOOD_TO_GO,
            from_state=from_state,
            message=_("Shipment %(ref)s is good-to-go.") % {"ref": shipment.ref},
        )
        if capture:
            _capture_at_checkout(order, shipment)
        return shipment
    record_event(
        order=order,
        by=DIRECT_TO_SHIPMENT,
        transition="note",
        publishes=None,
        from_state=order.status,
        to_state=order.status,
        message=_("No active warehouse has every line in stock: the order waits in Confirmed."),
    )
    return None


def _capture_at_checkout(order: Order, shipment: Shipment) -> None:
    declined = unless_declined(
        lambda: pay_shipment(order, shipment, by=DIRECT_TO_SHIPMENT, manually=False)
    )
    if declined:
        # The checkout stands; staff capture the good-to-go shipment later.
        shipment.refresh_from_db()
