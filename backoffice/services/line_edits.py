"""Editing an order on its page: details and lines, in one locked step, from the
version of the order the page was loaded from.

Lines change only while the order has neither shipments nor captured money:
after that the amounts are fixed in the shipments and the payment ledger, and
an order shrinks only by cancelling products.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from backoffice.services.reservations import follow_units, release_for_edit
from core.actors import Actor
from core.errors import DomainError
from core.money import MAX_AMOUNT, ZERO, format_money
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderLine, OrderOrigin, OrderStatus
from orders.services import LINE_EDIT_STATUSES, update_order_details
from outbox.event_types import EventType
from payments.models import Payment

# What staff may type on a line; `quantity_cancelled` moves only by cancelling products.
LINE_FIELDS = (
    "sku",
    "product_name",
    "variant",
    "quantity",
    "unit_price",
    "tax_percent",
    "discount",
)


@dataclass(frozen=True)
class LineEdits:
    """Lines to add (field values), change (line id → changed field values) and remove."""

    added: tuple[Mapping[str, Any], ...] = ()
    changed: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    removed: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def line_edit_refusal(order: Order) -> str | None:
    """Why the order's lines cannot change now, or None when they can (on hold or not)."""
    if order.status not in LINE_EDIT_STATUSES:
        return f"{order} is {order.state_label}: its lines can no longer change."
    if order.shipments.exists():
        return f"{order} has shipments: its lines can no longer change; cancel products instead."
    made_for = staff_terms_refusal(order)
    if made_for:
        return made_for
    payment = Payment.objects.filter(order=order).first()
    if payment and (payment.captured_amount or payment.capture_requested_amount):
        return (
            f"{order} has captured payments: its lines can no longer change; "
            "cancel products instead."
        )
    return None


def staff_terms_refusal(order: Order) -> str | None:
    """An exchange's or a resend's lines are its terms (the credit, the resent units),
    and a payment link asks for the total it was opened with: such an order is
    cancelled and made again rather than edited."""
    if order.origin in (OrderOrigin.EXCHANGE, OrderOrigin.RESEND):
        what = {OrderOrigin.EXCHANGE: "an exchange", OrderOrigin.RESEND: "a resend"}[order.origin]
        return f"{order} is {what}: its lines are fixed; cancel it and make {what} again."
    if order.on_hold_for_payment:
        return (
            f"{order} waits for its payment link: its lines can no longer change; cancel it "
            "and create a new selection."
        )
    return None


def stale_page_refusal(order: Order, loaded_version: str) -> str | None:
    """Why a page showing `loaded_version` of the order may not save, or None."""
    if not loaded_version or loaded_version != order.version:
        return f"{order} changed since you opened it: reload and try again."
    return None


def edit_order(
    *,
    order_id: int,
    loaded_version: str,
    details: Mapping[str, Any],
    lines: LineEdits,
    by: Actor,
) -> Order:
    """Save what staff changed on the order page, or refuse all of it.

    `loaded_version` is `Order.version` as the page showed it: if anything moved
    the order since (a split, a hold, another edit), nothing is saved and staff
    reload, so no edit is ever made to an order other than the one they saw.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        sentence = stale_page_refusal(order, loaded_version)
        if sentence:
            raise DomainError(sentence)
        if details:
            order = update_order_details(order_id=order.pk, by=by, changes=dict(details))
        if lines:
            _edit_lines(order, lines, by=by)
    return order


def _edit_lines(order: Order, edits: LineEdits, *, by: Actor) -> None:
    sentence = line_edit_refusal(order)
    if sentence:
        raise DomainError(sentence)
    existing = {line.pk: line for line in order.lines.all()}
    unknown = [pk for pk in (*edits.changed, *edits.removed) if pk not in existing]
    if unknown:
        raise DomainError(f"Line #{unknown[0]} is not a line of {order}.")
    # Lines may change SKU or go: reserved stock is given back, then reserved anew.
    reserving = release_for_edit(order)
    changes = _apply(order, existing, edits)
    follow_units(order, reserving=reserving)
    if order.status != OrderStatus.INCOMPLETE and not order.lines.exists():
        raise DomainError(f"{order} must keep at least one line: cancel the order instead.")
    previous = order.grand_total
    order.recalculate_totals()
    _refuse_total_out_of_range(order)
    order.save(update_fields=["grand_total", "updated_at"])
    record_event(
        order=order,
        by=by,
        transition="edit_lines",
        publishes=EventType.ORDER_UPDATED,
        from_state=order.status,
        to_state=order.status,
        message="Lines changed: " + "; ".join(changes),
        data={
            "changes": changes,
            "grand_total": str(order.grand_total),
            "previous_grand_total": str(previous),
        },
    )


def _apply(order: Order, existing: dict[int, OrderLine], edits: LineEdits) -> list[str]:
    """Write the edits to the lines, each validated as the model and database would."""
    changes = []
    for pk in edits.removed:
        line = existing[pk]
        changes.append(f"removed {line}")
        line.delete()
    for pk, values in edits.changed.items():
        if pk in edits.removed:
            continue
        line = existing[pk]
        before = {name: getattr(line, name) for name in values}
        _set(line, values)
        _validated(line).save(update_fields=list(values))
        diff = ", ".join(f"{name} {before[name]} → {getattr(line, name)}" for name in values)
        changes.append(f"changed {line.sku} ({diff})")
    for values in edits.added:
        line = OrderLine(order=order)
        _set(line, values)
        _validated(line).save()
        changes.append(f"added {line}")
    return changes


def _set(line: OrderLine, values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise DomainError(f"{', '.join(sorted(unknown))} cannot be edited on a line.")
    for name, value in values.items():
        setattr(line, name, value)


def _validated(line: OrderLine) -> OrderLine:
    """The line, if the model's validation accepts it; else its first complaint as a refusal."""
    try:
        line.full_clean(exclude=["order"])
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        where = "" if name == "__all__" else f" ({OrderLine._meta.get_field(name).verbose_name})"
        raise DomainError(f"Line {line.sku or 'without SKU'}{where}: {messages[0]}") from None
    return line


def _refuse_total_out_of_range(order: Order) -> None:
    total = order.grand_total
    if total > MAX_AMOUNT:
        raise DomainError(
            f"The new total of {order} would be above {format_money(MAX_AMOUNT, order.currency)}."
        )
    if total < ZERO:
        raise DomainError(f"The new total of {order} would be below zero.")
    payment = Payment.objects.filter(order=order).first()
    if payment is None and total > 0 and order.origin != OrderOrigin.STOREFRONT:
        raise DomainError(
            f"{order} was placed with no payment: its total stays 0; create a new selection "
            "for what the customer pays."
        )
    if payment is None or not payment.authorized_amount:
        return
    # Captures never exceed the authorization, so a total above it could never be
    # paid in full; the customer would have to authorize again first.
    if total > payment.authorized_amount:
        raise DomainError(
            f"The new total of {format_money(total, order.currency)} is above the "
            f"{format_money(payment.authorized_amount, order.currency)} authorized for "
            f"{order}: lower it or take a new authorization."
        )
    kept = payment.captured_amount - payment.refunded_amount
    if total < kept:
        raise DomainError(
            f"The new total of {format_money(total, order.currency)} is below the "
            f"{format_money(kept, order.currency)} captured for {order}: refund first."
        )
