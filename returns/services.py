"""Return services: create, complete, uncomplete, refund, delete.

Every service starts with the order lock and takes the rest in the one lock
order of `orders.locks` (order → shipment → return → stock rows → payment),
runs the return's transition (state, conditions, permission), saves, and
writes one `OrderEvent` (subject "return", ref "1042-R1") in the same
transaction. The money goes back through `payments.services.refund_payment`,
the one place that talks to the provider.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from typing import Required, TypedDict, Unpack

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.actors import Actor, actor_name, actor_user
from core.errors import DomainError
from core.fsm import ensure_allowed, run_transition
from core.money import ZERO, exact_amount, format_money, quantize
from orders.events import record_event
from orders.locks import lock_with_order
from orders.models import Order, OrderEvent
from outbox.event_types import EventType
from payments.errors import unless_declined
from payments.models import Payment
from payments.services import refund_payment
from returns import checks
from returns.models import Return, ReturnLine
from shipments.models import Shipment
from shipments.services.common import lock_shipment
from shipments.services.stock import put_back, take_back

RETURN = OrderEvent.Subject.RETURN


def lock_return(return_id: int) -> Return:
    """Lock the return's order, then the return; a clear error if it is gone."""
    return lock_with_order(
        Return.objects.all(),
        pk=return_id,
        gone=_("Return #%(id)s does not exist (it may have been deleted).") % {"id": return_id},
    )


def record_return_event(
    return_: Return,
    *,
    by: Actor,
    transition: str,
    publishes: str,
    from_state,
    message: str,
    to_state=None,
) -> None:
    record_event(
        order=return_.order,
        by=by,
        subject=RETURN,
        subject_ref=return_.number,
        transition=transition,
        publishes=publishes,
        from_state=from_state,
        to_state=return_.status if to_state is None else to_state,
        message=message,
        data={
            "return_id": return_.pk,
            "refund_amount": str(return_.refund_amount),
            "currency": return_.currency,
        },
    )


def _next_sequence(order: Order) -> int:
    # Numbers are never reused, even after a deletion, as shipments' are: "1042-R2"
    # in the event log, an integration's copy or an e-mail always means one
    # return. Each creation writes exactly one "create" event, under the order
    # lock; the highest number kept covers returns older than their events.
    created = OrderEvent.objects.filter(order=order, subject=RETURN, transition="create")
    highest = Return.objects.filter(order=order).aggregate(highest=Max("sequence"))["highest"]
    return max(created.count(), highest or 0) + 1


class ReturnChoices(TypedDict, total=False):
    """What staff choose for a new return: the arguments `create_return` and
    `preview_return` share, priced and checked the same way by `_draft`."""

    quantities: Required[Mapping[int, int]]  # shipment line id → units
    stock_action: Required[str]
    warehouse_id: int | None
    refund_shipping: bool
    handling_cost: Decimal
    return_fee: Decimal
    voucher_value: Decimal
    reason: str
    comment: str


def _draft(
    order: Order,
    shipment: Shipment,
    *,
    quantities: Mapping[int, int],
    stock_action: str,
    warehouse_id: int | None = None,
    refund_shipping: bool = False,
    handling_cost: Decimal = ZERO,
    return_fee: Decimal = ZERO,
    voucher_value: Decimal = ZERO,
    reason: str = "",
    comment: str = "",
) -> Return:
    """The return these choices make, checked and priced, unsaved.

    Its amounts are fixed here: each line's share of what was charged, and the
    shipment's shipping when `refund_shipping`. `draft.wanted` holds
    (shipment line, units, amount) for the lines to write.
    """
    checks.refuse_unless_returnable(order, shipment)
    currency = order.currency
    returned = checks.returned_so_far(shipment)
    wanted = checks.checked_quantities(shipment, quantities, returned)
    amounts = checks.line_amounts(wanted, returned, currency)
    draft = Return(order=order, shipment=shipment, stock_action=stock_action)
    draft.warehouse = checks.checked_warehouse(shipment, stock_action, warehouse_id)
    draft.refund_shipping = bool(refund_shipping)
    if draft.refund_shipping:
        draft.shipping_amount = checks.shipping_to_refund(shipment)
    draft.handling_cost = checks.checked_handling(
        handling_cost, currency=currency, limit=checks.handling_limit()
    )
    for field, value in (
        ("return_fee", return_fee),
        ("voucher_value", voucher_value),
    ):
        setattr(draft, field, checks.checked_amount(value, field=field, currency=currency))
    draft.lines_amount = quantize(sum(amounts.values(), ZERO), currency)
    checks.refuse_negative_refund(draft)
    draft.refund_amount = draft.suggested_refund
    draft.cap = checks.refund_caps([draft])[None]
    checks.refuse_above_cap(draft, draft.refund_amount, draft.cap)
    draft.reason = checks.checked_reason(reason)
    draft.comment = (comment or "").strip()
    draft.wanted = [(line, quantity, amounts[line]) for line, quantity in wanted.items()]
    return draft


def preview_return(*, shipment_id: int, **choices: Unpack[ReturnChoices]) -> Return:
    """The return `create_return` would make now, unsaved and without locks: the
    same checks and amounts, so the suggested refund shown is the one it stores.
    Refused with the same sentences."""
    try:
        shipment = Shipment.objects.select_related("order", "warehouse").get(pk=shipment_id)
    except (Shipment.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("Shipment #%(id)s does not exist.") % {"id": shipment_id}) from None
    return _draft(shipment.order, shipment, **choices)


def create_return(*, shipment_id: int, by: Actor, **choices: Unpack[ReturnChoices]) -> Return:
    """A pending return of `quantities` (shipment line id → units) of a completed shipment.

    Nothing moves yet: the goods go back into stock when it is completed, the
    money when it is refunded.
    """
    with transaction.atomic():
        order, shipment = lock_shipment(shipment_id)
        # Run, not only asked: creating is the edge Pending → Pending of the machine.
        run_transition(Return(order=order, shipment=shipment).create, by=by)
        return_ = _draft(order, shipment, **choices)
        return_.sequence = _next_sequence(order)
        return_.created_by, return_.created_by_name = actor_user(by), actor_name(by)
        return_.save()
        ReturnLine.objects.bulk_create(
            ReturnLine(order_return=return_, shipment_line=line, quantity=q, amount=amount)
            for line, q, amount in return_.wanted
        )
        units = ", ".join(f"{q} × {line.order_line.sku}" for line, q, _amount in return_.wanted)
        suggested = format_money(return_.refund_amount, order.currency)
        record_return_event(
            return_,
            by=by,
            transition="create",
            publishes=EventType.RETURN_CREATED,
            from_state="",
            message=_(
                "Return %(number)s created from shipment %(ref)s: %(units)s; "
                "suggested refund %(suggested)s."
            )
            % {
                "number": return_.number,
                "ref": shipment.ref,
                "units": units,
                "suggested": suggested,
            },
        )
    return return_


def _units_by_sku(return_: Return) -> Counter[str]:
    units: Counter[str] = Counter()
    for sku, quantity in return_.lines.values_list("shipment_line__order_line__sku", "quantity"):
        units[sku] += quantity
    return units


def complete_return(*, return_id: int, by: Actor) -> Return:
    """The goods are in: back on the shelf of the return's warehouse, or removed.

    Completes a pending return (exchange, resend: no money) or a refunded one.
    """
    with transaction.atomic():
        return_ = lock_return(return_id)
        from_state, _to_state = run_transition(return_.complete, by=by)
        checks.refuse_inactive_warehouse(return_)
        units = _units_by_sku(return_)
        if return_.moves_stock:
            put_back(return_.warehouse_id, units)
        return_.save()
        what = ", ".join(f"{q} × {sku}" for sku, q in units.items())
        record_return_event(
            return_,
            by=by,
            transition="complete",
            publishes=EventType.RETURN_COMPLETED,
            from_state=from_state,
            message=_completed_sentence(return_)
            % {"number": return_.number, "what": what, "warehouse": return_.warehouse},
        )
    return return_


def _completed_sentence(return_: Return) -> str:
    """The timeline's sentence for a completed return: where its goods went."""
    if return_.moves_stock:
        return _("Return %(number)s completed: %(what)s into %(warehouse)s.")
    return _("Return %(number)s completed: %(what)s removed (not saleable).")


def uncomplete_return(*, return_id: int, by: Actor) -> Return:
    """Undo a completion made by mistake: the goods received come off the shelf again.

    Never after a refund (a refund cannot be undone), and refused where
    shipments hold the units that would go.
    """
    with transaction.atomic():
        return_ = lock_return(return_id)
        from_state, _to_state = run_transition(return_.uncomplete, by=by)
        if return_.moves_stock:
            take_back(return_.warehouse_id, _units_by_sku(return_))
        return_.save()
        if return_.moves_stock:
            message = _("Return %(number)s uncompleted: its goods taken back out of stock.")
        else:
            message = _("Return %(number)s uncompleted: nothing moved.")
        record_return_event(
            return_,
            by=by,
            transition="uncomplete",
            publishes=EventType.RETURN_UNCOMPLETED,
            from_state=from_state,
            message=message % {"number": return_.number},
        )
    return return_


def _refund_amount(return_: Return, amount: Decimal | None) -> Decimal:
    """The amount to refund: the suggested one, or less, and above zero."""
    currency = return_.currency
    suggested = quantize(return_.suggested_refund, currency)
    if amount is None:
        amount = suggested
    else:
        try:
            amount = exact_amount(amount, currency)
        except ValueError as error:
            raise DomainError(str(error)) from None
    if amount <= 0:
        raise DomainError(
            _("Give an amount above zero to refund for return %(number)s.")
            % {"number": return_.number}
        )
    if amount > suggested:
        raise DomainError(
            _("%(amount)s is more than return %(number)s's suggested refund of %(suggested)s.")
            % {
                "amount": format_money(amount, currency),
                "number": return_.number,
                "suggested": format_money(suggested, currency),
            }
        )
    return amount


def _refuse_above_refundable(return_: Return, amount: Decimal) -> None:
    payment = Payment.objects.filter(order=return_.order).first()
    if payment is None:
        raise DomainError(_("%(order)s has no payment to refund from.") % {"order": return_.order})
    if amount > payment.refundable_amount:
        currency = return_.currency
        raise DomainError(
            _(
                "Return %(number)s would refund %(amount)s, but %(order)s has only "
                "%(refundable)s captured and not refunded."
            )
            % {
                "number": return_.number,
                "amount": format_money(amount, currency),
                "order": return_.order,
                "refundable": format_money(payment.refundable_amount, currency),
            }
        )


def refund_return(*, return_id: int, amount: Decimal | None = None, by: Actor) -> Return:
    """Give the return's money back through the payment provider, once: Pending →
    Refunded (completed when the goods are in), or Completed staying Completed.

    `amount` None is the suggested refund; staff may refund less, never more.
    The payment's refund carries the return's number, so it is made once per
    return. A declined refund leaves the return Pending (the failed row stays in
    the payment's ledger) and raises the provider's sentence.
    """
    with transaction.atomic():
        return_ = lock_return(return_id)
        ensure_allowed(return_.refund, by=by)
        amount = _refund_amount(return_, amount)
        checks.refuse_above_cap(return_, amount, checks.refund_caps([return_])[return_.pk])
        _refuse_above_refundable(return_, amount)
        declined = unless_declined(
            lambda: refund_payment(
                order_id=return_.order_id,
                amount=amount,
                reason=_("Return %(number)s") % {"number": return_.number},
                by=by,
                return_ref=return_.number,
            )
        )
        if not declined:
            from_state, _to_state = run_transition(return_.refund, by=by, amount=amount)
            return_.save()
            record_return_event(
                return_,
                by=by,
                transition="refund",
                publishes=EventType.RETURN_REFUNDED,
                from_state=from_state,
                message=_("Return %(number)s refunded: %(amount)s.")
                % {"number": return_.number, "amount": format_money(amount, return_.currency)},
            )
    if declined:
        raise declined
    return return_


def delete_return(*, return_id: int, by: Actor) -> None:
    """Remove a pending return (never refunded); its units can be returned again.

    The event stays on the order's timeline.
    """
    with transaction.atomic():
        return_ = lock_return(return_id)
        from_state, _to_state = run_transition(return_.delete_return, by=by)
        record_return_event(
            return_,
            by=by,
            transition="delete",
            publishes=EventType.RETURN_DELETED,
            from_state=from_state,
            to_state="deleted",
            message=_("Return %(number)s deleted; nothing was refunded or received.")
            % {"number": return_.number},
        )
        return_.delete()
