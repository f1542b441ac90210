"""An exchange order cancelled gives its return's credit back (`Return.give_back_credit`):
the customer will not get the replacement, so the returned value is theirs again."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.actors import Actor
from core.fsm import run_transition
from core.money import format_money
from orders.models import Order, OrderOrigin
from returns.models import Return
from returns.services import record_return_event


def give_back_exchange_credit(*, order: Order, by: Actor) -> Return | None:
    """Called by cancelling `order` (locked), in its transaction; the return, if any.

    Locks only the return's row: whoever changes the return (its order, then the
    return) never waits for the exchange order, so no two locks cross.
    """
    if order.origin != OrderOrigin.EXCHANGE:
        return None
    return_ = Return.objects.select_for_update().filter(exchange_order=order).first()
    if return_ is None or not return_.exchange_credit:
        return None
    credit = return_.exchange_credit
    from_state, _to_state = run_transition(return_.give_back_credit, by=by)
    return_.save()
    figures = {
        "order": order.number,
        "credit": format_money(credit, order.currency),
        "return": return_.number,
        "refund": format_money(return_.refund_amount, order.currency),
    }
    if return_.refunded_at is None:
        message = _(
            "Exchange order %(order)s cancelled: the %(credit)s credited to it is "
            "return %(return)s's again; its suggested refund is %(refund)s."
        )
    else:
        message = _(
            "Exchange order %(order)s cancelled: the %(credit)s credited to it is "
            "return %(return)s's again; it was refunded already: give it back with a "
            "goodwill refund."
        )
    record_return_event(
        return_,
        by=by,
        transition="give_back_credit",
        publishes=None,  # the exchange order's "order.cancelled" says it
        from_state=from_state,
        message=message % figures,
    )
    return return_
