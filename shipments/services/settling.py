"""A capture request settled by the provider's notification, with the shipment it pays.

A shipment whose capture the provider took as a request waits in Capture
requested. When the notification says the capture went through, the shipment
is Paid (and whatever the order no longer needs is released). When it says the
capture failed:

- the shipment goes back to Good-to-go, its amount cleared (as when a payment by
  hand is marked unpaid), so staff can capture it again once the cause is fixed;
- the failed settlement is in the payment's ledger, with the provider's reason,
  and the request's amount is open on the authorization again;
- the order is put on hold ("Capture failed", the reason in the hold's words)
  when it is open and not held already, so nothing ships before Finance looks.

A shipment completed on the request (the store's `complete_on_capture_request`)
stays completed either way: its goods are gone; a failure then puts the order
on hold while it is open, and is otherwise the ledger's and the event's to tell.

Locks: the order, the shipment, then (in `payments.settling`) the payment.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.actors import Actor
from core.fsm import run_transition
from core.money import ZERO, format_money
from orders.locks import lock_order
from orders.models import OPEN_STATUSES, HoldKind, Order
from orders.services import hold_order
from outbox.event_types import EventType
from payments.models import PaymentTransaction
from payments.releasing import release_when_settled
from payments.settling import Settled, settle_request
from shipments.models import Shipment, ShipmentStatus
from shipments.services.common import record_shipment_event


def settle_capture_request(
    *, request: PaymentTransaction, succeeded: bool, message: str, raw: dict, by: Actor
) -> Settled:
    """Settle a capture request once, and move the shipment it was for."""
    with transaction.atomic():
        order = lock_order(request.payment.order_id)
        shipment = _lock_shipment_of(order, request.shipment_ref)
        settled = settle_request(
            order_id=order.pk,
            request_id=request.pk,
            succeeded=succeeded,
            message=message,
            raw=raw,
            by=by,
        )
        if not settled.fresh:
            return settled
        if shipment is not None and shipment.status == ShipmentStatus.CAPTURE_REQUESTED:
            _move_shipment(shipment, succeeded=succeeded, by=by, reason=message)
        if succeeded:
            # A decline of the release stays in the ledger; the settlement stands.
            release_when_settled(Order.objects.get(pk=order.pk))
        else:
            _hold_for_failed_capture(order, request, reason=message, by=by)
    return settled


def _lock_shipment_of(order: Order, shipment_ref: str) -> Shipment | None:
    """The shipment a request names ("1042-1"), locked after its order."""
    number, _dash, sequence = shipment_ref.rpartition("-")
    if number != str(order.number) or not sequence.isdigit():
        return None
    shipment = Shipment.objects.select_for_update().filter(order=order, sequence=int(sequence))
    found = shipment.first()
    if found is not None:
        found.order = order
    return found


def _move_shipment(shipment: Shipment, *, succeeded: bool, by: Actor, reason: str) -> None:
    method = shipment.settle_capture if succeeded else shipment.fail_capture
    from_state, _to_state = run_transition(method, by=by)
    amount = shipment.amount
    if not succeeded:
        shipment.amount = shipment.shipping_amount = ZERO
        shipment.lines.update(amount=ZERO)
    shipment.save()
    money = format_money(amount, shipment.order.currency)
    if succeeded:
        message = _("Shipment %(ref)s paid: its capture of %(money)s settled.") % {
            "ref": shipment.ref,
            "money": money,
        }
    else:
        why = reason.strip().rstrip(".") or _("no reason given")
        message = _(
            "Shipment %(ref)s back to good-to-go: its capture of %(money)s failed (%(why)s)."
        ) % {"ref": shipment.ref, "money": money, "why": why}
    record_shipment_event(
        shipment,
        by=by,
        transition=method.__name__,
        # A settled capture is told by the payment's "payment.captured".
        publishes=None if succeeded else EventType.SHIPMENT_UPDATED,
        from_state=from_state,
        message=message,
        amount=str(amount),
    )


def _hold_for_failed_capture(
    order: Order, request: PaymentTransaction, *, reason: str, by: Actor
) -> None:
    if order.status not in OPEN_STATUSES or order.on_hold:
        return
    words = {
        "money": format_money(request.amount, request.payment.currency),
        "ref": request.shipment_ref,
        "why": reason.strip().rstrip(".") or _("no reason given"),
    }
    if request.shipment_ref:
        sentence = _(
            "The capture of %(money)s for shipment %(ref)s failed: %(why)s. "
            "Capture again or re-authorize."
        )
    else:
        sentence = _("The capture of %(money)s failed: %(why)s. Capture again or re-authorize.")
    hold_order(order_id=order.pk, by=by, kind=HoldKind.CAPTURE_FAILED, reason=sentence % words)
