"""Line edits: after staff change an order's lines, its totals and its timeline follow,
within what the payment authorized."""

from __future__ import annotations

from django.db import transaction

from core.actors import Actor
from core.errors import DomainError
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order
from orders.services import lines_editable
from payments.models import Payment


def _refuse_total_above_authorization(order: Order) -> None:
    # Captures never exceed the authorization, so a total above it could never be
    # paid in full; the customer would have to authorize again first.
    payment = Payment.objects.filter(order=order).first()
    if payment and payment.authorized_amount and order.grand_total > payment.authorized_amount:
        raise DomainError(
            f"The new total of {order.grand_total} {order.currency} is above the "
            f"{payment.authorized_amount} {order.currency} authorized for {order}: "
            "lower it or take a new authorization."
        )


def record_line_changes(*, order_id: int, by: Actor, changes: list[str]) -> Order:
    """After an edit of an order's lines: recompute its totals and log the edit.

    Called in the transaction that saved the lines, so the totals and the event
    commit with them or not at all.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        if not lines_editable(order):
            raise DomainError(f"{order} is {order.state_label}: its lines can no longer change.")
        previous = order.grand_total
        order.recalculate_totals()
        _refuse_total_above_authorization(order)
        order.save(update_fields=["grand_total", "updated_at"])
        record_event(
            order=order,
            by=by,
            transition="edit_lines",
            from_state=order.status,
            to_state=order.status,
            message="Lines changed: " + "; ".join(changes),
            data={
                "changes": changes,
                "grand_total": str(order.grand_total),
                "previous_grand_total": str(previous),
            },
        )
    return order
