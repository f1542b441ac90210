"""Restore order: a cancelled order back to Pending, with a fresh authorization."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.services.reservations import follow_units, release_all
from core.actors import Actor, process
from core.errors import DomainError
from core.fsm import run_transition
from core.money import format_money
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order
from outbox.event_types import EventType
from payments.errors import unless_declined
from payments.services import reauthorize_payment

# The new authorization is part of the restore, under its permission.
FOR_RESTORE = process("system", "restore_order")


def restore_order(*, order_id: int, reason: str, by: Actor) -> Order:
    """Cancelled → Pending, when nothing was ever captured and products are left.

    An order that reserved its stock at placement reserves it again (refused
    with one sentence when it is gone). The grand total is authorized again
    through the provider; when it declines, the order stays Cancelled, holding
    no stock, the failed authorization stays in the ledger, and the sentence
    says why.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give a reason for restoring the order."))
    with transaction.atomic():
        order = lock_order(order_id)
        from_status, to_status = run_transition(order.restore, by=by)
        # Stock before money: an order that reserved at placement reserves again.
        follow_units(order)
        declined = unless_declined(
            lambda: reauthorize_payment(order_id=order.pk, amount=order.grand_total, by=FOR_RESTORE)
        )
        if declined:
            release_all(order)
        if not declined:
            order.save()
            record_event(
                order=order,
                by=by,
                transition="restore",
                publishes=EventType.ORDER_RESTORED,
                from_state=from_status,
                to_state=to_status,
                message=_("Restored: %(reason)s Authorized %(amount)s again.")
                % {"reason": reason, "amount": format_money(order.grand_total, order.currency)},
                data={"reason": reason, "authorized": str(order.grand_total)},
            )
    if declined:
        raise declined.explaining(_("%(order)s was not restored") % {"order": order})
    return order
