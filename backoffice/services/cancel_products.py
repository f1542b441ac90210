"""Cancel products and restore them: how an order shrinks (and grows back) once its
lines are read-only, with the money settled in the same step.

Money rules (docs/architecture.md, "Money rules for cancelling products"):
what the order still owes is its new grand total (nothing at all once every unit
is cancelled); what was captured and not refunded above that is refunded through
the provider in the same step; money only authorized is not touched until the
order needs no more, and then the rest of the authorization is released.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services.exchange_credit import give_back_exchange_credit
from backoffice.services.reservations import follow_units
from core.actors import Actor, process
from core.errors import DomainError
from core.fsm import ensure_allowed, refusal, run_transition
from core.money import ZERO, compute_totals, format_money, quantize
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderLine, OrderStatus
from orders.services import complete_when_fully_shipped
from outbox.event_types import EventType
from payments.errors import unless_declined
from payments.models import Payment, PaymentStatus, PaymentTransaction
from payments.services import refund_cancelled_products, release_when_settled, void_payment

# The refund and release a cancellation makes are part of it, under its permission;
# the user who cancelled is on the order's event.
FOR_CANCEL_PRODUCTS = process("system", "cancel_products")
# The refusals of a quantity asked for, per step ("cancel", "restore"): whole
# sentences, each formatted with the order, the line's SKU and the figures.
REFUSALS = {
    "cancel": {
        "not_mapping": gettext_lazy("Give the quantity to cancel for each line."),
        "not_whole": gettext_lazy("The quantity of %(sku)s to cancel must be a whole number."),
        "negative": gettext_lazy("The quantity of %(sku)s to cancel cannot be negative."),
        "too_many": gettext_lazy(
            "Only %(room)s of %(sku)s can be cancelled in %(order)s, not %(quantity)s."
        ),
        "none": gettext_lazy("Choose at least one unit to cancel."),
    },
    "restore": {
        "not_mapping": gettext_lazy("Give the quantity to restore for each line."),
        "not_whole": gettext_lazy("The quantity of %(sku)s to restore must be a whole number."),
        "negative": gettext_lazy("The quantity of %(sku)s to restore cannot be negative."),
        "too_many": gettext_lazy(
            "Only %(room)s of %(sku)s can be restored in %(order)s, not %(quantity)s."
        ),
        "none": gettext_lazy("Choose at least one unit to restore."),
    },
}


def cancel_products(
    *, order_id: int, quantities: Mapping[int, int], reason: str, by: Actor
) -> Order:
    """Cancel unshipped units (order line id → units) of an open order, on hold or not.

    Only units in no shipment can be cancelled: they hold no shipment's stock,
    and what the order reserved for them at placement is released. Money
    captured above the new total is refunded in the same step (a decline
    refuses the step, nothing changed but the failed ledger row). Cancelling every unit
    cancels the order and voids what is left;
    cancelling the last open units of an order whose shipments are all completed
    completes it (unless it is on hold: resuming completes it), and the rest of
    the authorization is released.
    """
    reason = _required(reason, _("Give a reason for cancelling the products."))
    with transaction.atomic():
        order = lock_order(order_id)
        ensure_allowed(order.cancel_products, by=by)
        lines = list(order.lines_with_shipped())
        wanted = _checked_units(
            order, lines, quantities, room=lambda line: line.quantity_unshipped, what="cancel"
        )
        # In memory until the provider has said yes: a decline leaves the lines alone.
        for line, units in wanted.items():
            line.quantity_cancelled += units
        totals = compute_totals(lines, shipping=order.shipping_price, currency=order.currency)
        every_unit_gone = not any(line.quantity_active for line in lines)
        owed = ZERO if every_unit_gone else totals.grand_total
        described = _described(wanted)
        why = _("Cancelled products: %(products)s") % {"products": described}
        refunded, declined = _refund_above(order, owed=owed, why=why)
        if not declined and every_unit_gone and not refunded:
            declined = _void_authorization(order)
        if not declined:
            _settle(order, wanted, totals.grand_total, every_unit_gone, reason, refunded, by=by)
    if declined:
        raise declined.explaining(
            _("%(order)s: its products were not cancelled") % {"order": order}
        )
    # What the step did, for the message that reports it (`backoffice.steps.orders`).
    order.cancelled_units = described
    order.refunded_now = refunded
    return order


# Cancelling products publishes the status it reached: every unit cancelled is a
# cancelled order (with its e-mail), the last open units of a shipped order a
# completed one; otherwise the order was updated.
REACHED = {
    OrderStatus.CANCELLED: EventType.ORDER_CANCELLED,
    OrderStatus.COMPLETED: EventType.ORDER_COMPLETED,
}


def _settle(order, wanted, grand_total, every_unit_gone, reason, refunded, *, by) -> None:
    """Save the cancelled units and the order's new state, record it, release the rest."""
    OrderLine.objects.bulk_update(list(wanted), ["quantity_cancelled"])
    follow_units(order)  # cancelled units reserved at placement go back on the shelf
    previous, order.grand_total = order.grand_total, grand_total
    from_status = order.status
    if every_unit_gone:
        run_transition(order.cancel_emptied, by=by, reason=reason)
    else:
        run_transition(order.cancel_products, by=by)
        # The last open units of a fully shipped order: it completes in this step
        # (a held one does not move on: resuming completes it).
        complete_when_fully_shipped(order=order, by=FOR_CANCEL_PRODUCTS)
    to_status = order.status
    order.save()
    if every_unit_gone:
        give_back_exchange_credit(order=order, by=by)
    record_event(
        order=order,
        by=by,
        transition="cancel_products",
        publishes=REACHED.get(to_status, EventType.ORDER_UPDATED),
        from_state=from_status,
        to_state=to_status,
        message=_cancel_message(order, _described(wanted), reason, refunded, to_status),
        data=_event_data(wanted, reason, order, previous, refunded=refunded),
    )
    # Nothing left to capture: what is still authorized goes back (automatic path,
    # so a decline keeps its ledger row and the cancellation stands).
    release_when_settled(order)


def cancel_unshipped_products(*, order_id: int, reason: str, by: Actor) -> Order:
    """Cancel every unit of the order that is in no shipment (the bulk action's step).

    The units are read under the order lock, so a shipment created meanwhile is
    never cancelled from under it.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        quantities = {
            line.pk: line.quantity_unshipped
            for line in order.lines_with_shipped()
            if line.quantity_unshipped
        }
        if not quantities:
            ensure_allowed(order.cancel_products, by=by)
            raise DomainError(_nothing_to_cancel(order))
        declined = unless_declined(
            lambda: cancel_products(order_id=order.pk, quantities=quantities, reason=reason, by=by)
        )
    if declined:
        raise declined
    return Order.objects.get(pk=order_id)


def restore_products(
    *, order_id: int, quantities: Mapping[int, int], reason: str, by: Actor
) -> Order:
    """Put cancelled units (order line id → units) back on an open order's lines.

    Up to what was cancelled, and only while the authorization still open covers
    the new total: money refunded or released is not asked for again
    (re-authorizing is not built), so a larger total is refused.
    """
    reason = _required(reason, _("Give a reason for restoring the products."))
    with transaction.atomic():
        order = lock_order(order_id)
        ensure_allowed(order.restore_products, by=by)
        wanted = _checked_units(
            order,
            list(order.lines_with_shipped()),
            quantities,
            room=lambda line: line.quantity_cancelled,
            what="restore",
        )
        for line, units in wanted.items():
            line.quantity_cancelled -= units
            line.save(update_fields=["quantity_cancelled"])
        follow_units(order)  # restored units are reserved again, or refused
        previous = order.grand_total
        order.recalculate_totals()
        _refuse_above_authorization(order)
        from_status, to_status = run_transition(order.restore_products, by=by)
        order.save()
        described = _described(wanted)
        record_event(
            order=order,
            by=by,
            transition="restore_products",
            publishes=EventType.ORDER_UPDATED,
            from_state=from_status,
            to_state=to_status,
            message=_("Products restored: %(products)s. Reason: %(reason)s New total %(total)s.")
            % {
                "products": described,
                "reason": _sentence(reason),
                "total": format_money(order.grand_total, order.currency),
            },
            data=_event_data(wanted, reason, order, previous, refunded=ZERO),
        )
    return order


def cancel_products_refusal(order: Order, by: Actor) -> str | None:
    """Why `by` cannot cancel products of `order` now: the transition's refusal,
    or that no unit is left unshipped (what the step's page and buttons ask)."""
    sentence = refusal(order.cancel_products, by=by)
    if sentence is None and not any(line.quantity_unshipped for line in order.lines_with_shipped()):
        return _nothing_to_cancel(order)
    return sentence


def _nothing_to_cancel(order: Order) -> str:
    return _("%(order)s has no unshipped products to cancel.") % {"order": order}


def restore_products_refusal(order: Order, by: Actor) -> str | None:
    """Why `by` cannot restore products of `order` now: the transition's refusal,
    or that nothing was cancelled."""
    sentence = refusal(order.restore_products, by=by)
    if sentence is None and not order.lines.filter(quantity_cancelled__gt=0).exists():
        return _("%(order)s has no cancelled products to restore.") % {"order": order}
    return sentence


def _required(text: str, sentence: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(sentence)
    return text


def _sentence(text: str) -> str:
    """Staff's reason as a sentence in the timeline, whether or not they ended it."""
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _checked_units(
    order: Order,
    lines: list[OrderLine],
    quantities: Mapping[int, int],
    *,
    room: Callable[[OrderLine], int],
    what: str,
) -> dict[OrderLine, int]:
    """The positive quantities asked for, each within `room` of its line (under the lock)."""
    refusals = REFUSALS[what]
    if not isinstance(quantities, Mapping):
        raise DomainError(str(refusals["not_mapping"]))
    by_id = {line.pk: line for line in lines}
    wanted: dict[OrderLine, int] = {}
    for line_id, quantity in quantities.items():
        line = by_id.get(line_id) if isinstance(line_id, int) else None
        if line is None:
            raise DomainError(
                _("Line #%(line)s is not a line of %(order)s.") % {"line": line_id, "order": order}
            )
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise DomainError(refusals["not_whole"] % {"sku": line.sku})
        if quantity < 0:
            raise DomainError(refusals["negative"] % {"sku": line.sku})
        if quantity > room(line):
            raise DomainError(
                refusals["too_many"]
                % {"room": room(line), "sku": line.sku, "order": order, "quantity": quantity}
            )
        if quantity:
            wanted[line] = quantity
    if not wanted:
        raise DomainError(str(refusals["none"]))
    return wanted


def _described(wanted: Mapping[OrderLine, int]) -> str:
    return ", ".join(f"{units} × {line.sku}" for line, units in wanted.items())


def _payment(order: Order) -> Payment | None:
    return Payment.objects.filter(order=order).first()


def _refunded_for_cancellations(payment: Payment) -> Decimal:
    """What earlier product cancellations refunded, or asked back in a refund the
    provider has not settled yet (their refunds are this step's)."""
    cancellations = payment.transactions.filter(
        purpose=PaymentTransaction.Purpose.CANCELLATION_REFUND
    )
    rows = cancellations.filter(outcome=PaymentTransaction.Outcome.SUCCESS)
    rows = rows | cancellations.open_requests()
    return quantize(rows.aggregate(total=Sum("amount"))["total"] or ZERO, payment.currency)


def _refund_above(order: Order, *, owed: Decimal, why: str) -> tuple[Decimal, object]:
    """Refund what was captured for units now cancelled; (amount refunded, decline or None).

    Captured money covers what the order owes; above that it paid for cancelled
    units. Refunds made for other reasons (goodwill, a return) are the customer's
    on top and are not counted, but nothing beyond what is kept can be refunded.
    """
    payment = _payment(order)
    if payment is None:
        return ZERO, None
    paid_for_order = payment.captured_amount - _refunded_for_cancellations(payment)
    kept = payment.refundable_amount  # less what is asked back and not settled yet
    refund = min(kept, max(ZERO, paid_for_order - owed))
    if not refund:
        return ZERO, None
    declined = unless_declined(
        lambda: refund_cancelled_products(
            order_id=order.pk, amount=refund, reason=why, by=FOR_CANCEL_PRODUCTS
        )
    )
    return (ZERO, declined) if declined else (refund, None)


def _void_authorization(order: Order):
    """Every unit cancelled and nothing captured: the authorization is voided, as
    cancelling the order does, and a decline refuses the step."""
    payment = _payment(order)
    if payment is None or payment.status != PaymentStatus.AUTHORIZED:
        return None
    return unless_declined(lambda: void_payment(order_id=order.pk, by=FOR_CANCEL_PRODUCTS))


def _refuse_above_authorization(order: Order) -> None:
    """Money refunded for cancelled units or released is gone: a total above what
    is still captured for the order plus what is still open needs a new authorization."""
    payment = _payment(order)
    available = (
        payment.captured_amount
        + payment.capture_requested_amount
        - _refunded_for_cancellations(payment)
        + payment.open_amount
        if payment
        else ZERO
    )
    if order.grand_total > available:
        more = format_money(order.grand_total - available, order.currency)
        raise DomainError(
            _("%(order)s needs a new authorization for %(amount)s more: restore fewer products.")
            % {"order": order, "amount": more}
        )


def _cancel_message(
    order: Order, described: str, reason: str, refunded: Decimal, to_status: int
) -> str:
    # Whole sentences, one after another.
    sentences = [
        _("Products cancelled: %(products)s. Reason: %(reason)s")
        % {"products": described, "reason": _sentence(reason)}
    ]
    if refunded:
        sentences.append(
            _("Refunded %(amount)s.") % {"amount": format_money(refunded, order.currency)}
        )
    if to_status == OrderStatus.CANCELLED:
        sentences.append(_("Every product is cancelled, so the order is cancelled."))
        return " ".join(sentences)
    sentences.append(
        _("New total %(total)s.") % {"total": format_money(order.grand_total, order.currency)}
    )
    if to_status == OrderStatus.COMPLETED:
        sentences.append(_("Every line is shipped or cancelled, so the order is completed."))
    elif order.on_hold and order.is_fully_shipped():
        sentences.append(_("Every line is shipped or cancelled: resuming the order completes it."))
    return " ".join(sentences)


def _event_data(
    wanted: Mapping[OrderLine, int], reason: str, order: Order, previous: Decimal, *, refunded
) -> dict:
    return {
        "lines": {str(line.pk): units for line, units in wanted.items()},
        "reason": reason,
        "refunded": str(refunded),
        "grand_total": str(order.grand_total),
        "previous_grand_total": str(previous),
    }
