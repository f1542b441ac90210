"""Cancel: an order with nothing captured ends, its authorization voided and its
open shipments deleted, in one transaction."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.services.exchange_credit import give_back_exchange_credit
from core.actors import Actor
from core.errors import DomainError
from core.fsm import run_transition
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order
from outbox.event_types import EventType
from payments.errors import unless_declined
from payments.models import PaymentStatus
from payments.services import void_payment
from shipments.services import delete_open_shipments


def cancel_order(*, order_id: int, by: Actor, reason: str) -> Order:
    """Cancel an order that has nothing captured, voiding its open authorization.

    When the provider declines the void, the order is not cancelled: it stays
    as it was, the failed void stays in the ledger, and the sentence says why.
    Cancelling is refused once anything is captured (refund through a return).
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give a reason for the cancellation."))
    with transaction.atomic():
        order = lock_order(order_id)
        from_status, to_status = run_transition(order.cancel, by=by, reason=reason)
        # On a decline the order is not saved; the failed void is kept.
        declined = unless_declined(lambda: _void_open_authorization(order, by=by))
        if not declined:
            # Part of the cancel, under its permission; one event per shipment.
            deleted = delete_open_shipments(order=order, by=by)
            order.save()
            give_back_exchange_credit(order=order, by=by)
            message = _("Cancelled: %(reason)s") % {"reason": reason}
            if deleted:
                # A sentence of its own after the reason (which ends as staff typed it).
                message += " " + _("Deleted shipments %(shipments)s, releasing their stock.") % {
                    "shipments": ", ".join(deleted)
                }
            record_event(
                order=order,
                by=by,
                transition="cancel",
                publishes=EventType.ORDER_CANCELLED,
                from_state=from_status,
                to_state=to_status,
                message=message,
                data={"on_hold": False, "reason": reason, "shipments_deleted": deleted},
            )
    if declined:
        raise declined.explaining(_("%(order)s was not cancelled") % {"order": order})
    return order


def _void_open_authorization(order: Order, *, by: Actor) -> None:
    try:
        payment = order.payment
    except ObjectDoesNotExist:
        return
    if payment.status == PaymentStatus.AUTHORIZED:
        void_payment(order_id=order.pk, by=by)
