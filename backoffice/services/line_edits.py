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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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
        return _("%(order)s is %(state)s: its lines can no longer change.") % {
            "order": order,
            "state": order.state_label,
        }
    if order.shipments.exists():
        return _(
            "%(order)s has shipments: its lines can no longer change; cancel products instead."
        ) % {"order": order}
    made_for = staff_terms_refusal(order)
    if made_for:
        return made_for
    payment = Payment.objects.filter(order=order).first()
    if payment and (payment.captured_amount or payment.capture_requested_amount):
        return _(
            "%(order)s has captured payments: its lines can no longer change; "
            "cancel products instead."
        ) % {"order": order}
    return None


def staff_terms_refusal(order: Order) -> str | None:
    """An exchange's or a resend's lines are its terms (the credit, the resent units),
    and a payment link asks for the total it was opened with: such an order is
    cancelled and made again rather than edited."""
    if order.origin == OrderOrigin.EXCHANGE:
        return _(
            "%(order)s is an exchange: its lines are fixed; cancel it and make an exchange again."
        ) % {"order": order}
    if order.origin == OrderOrigin.RESEND:
        return _(
            "%(order)s is a resend: its lines are fixed; cancel it and make a resend again."
        ) % {"order": order}
    if order.on_hold_for_payment:
        return _(
            "%(order)s waits for its payment link: its lines can no longer change; cancel it "
            "and create a new selection."
        ) % {"order": order}
    return None


def stale_page_refusal(order: Order, loaded_version: str) -> str | None:
    """Why a page showing `loaded_version` of the order may not save, or None."""
    if not loaded_version or loaded_version != order.version:
        return _("%(order)s changed since you opened it: reload and try again.") % {"order": order}
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
        raise DomainError(
            _("Line #%(line)s is not a line of %(order)s.") % {"line": unknown[0], "order": order}
        )
    # Lines may change SKU or go: reserved stock is given back, then reserved anew.
    reserving = release_for_edit(order)
    changes = _apply(order, existing, edits)
    follow_units(order, reserving=reserving)
    if order.status != OrderStatus.INCOMPLETE and not order.lines.exists():
        raise DomainError(
            _("%(order)s must keep at least one line: cancel the order instead.") % {"order": order}
        )
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
        message=_("Lines changed: %(changes)s")
        % {"changes": "; ".join(_(change) % values for change, values in changes)},
        data={
            # In English whoever edits: data, not words.
            "changes": [change % values for change, values in changes],
            "grand_total": str(order.grand_total),
            "previous_grand_total": str(previous),
        },
    )


def _apply(
    order: Order, existing: dict[int, OrderLine], edits: LineEdits
) -> list[tuple[str, dict[str, str]]]:
    """Write the edits to the lines, each validated as the model and database would;
    what changed, as (English phrase, its values) each."""
    changes = []
    for pk in edits.removed:
        line = existing[pk]
        changes.append((gettext_noop("removed %(line)s"), {"line": str(line)}))
        line.delete()
    for pk, values in edits.changed.items():
        if pk in edits.removed:
            continue
        line = existing[pk]
        before = {name: getattr(line, name) for name in values}
        _set(line, values)
        _validated(line).save(update_fields=list(values))
        diff = ", ".join(f"{name} {before[name]} → {getattr(line, name)}" for name in values)
        changes.append(
            (gettext_noop("changed %(sku)s (%(diff)s)"), {"sku": line.sku, "diff": diff})
        )
    for values in edits.added:
        line = OrderLine(order=order)
        _set(line, values)
        _validated(line).save()
        changes.append((gettext_noop("added %(line)s"), {"line": str(line)}))
    return changes


def _set(line: OrderLine, values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(LINE_FIELDS)
    if unknown:
        raise DomainError(
            _("%(fields)s cannot be edited on a line.") % {"fields": ", ".join(sorted(unknown))}
        )
    for name, value in values.items():
        setattr(line, name, value)


def _validated(line: OrderLine) -> OrderLine:
    """The line, if the model's validation accepts it; else its first complaint as a refusal."""
    try:
        line.full_clean(exclude=["order"])
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise DomainError(_line_refusal(line, name, messages[0])) from None
    return line


def _line_refusal(line: OrderLine, name: str, message: str) -> str:
    """The model's complaint about one field of a line (or the whole line: "__all__")."""
    values = {"sku": line.sku, "error": message}
    if name != "__all__":
        values["field"] = OrderLine._meta.get_field(name).verbose_name
        if line.sku:
            return _("Line %(sku)s (%(field)s): %(error)s") % values
        return _("Line without SKU (%(field)s): %(error)s") % values
    if line.sku:
        return _("Line %(sku)s: %(error)s") % values
    return _("Line without SKU: %(error)s") % values


def _refuse_total_out_of_range(order: Order) -> None:
    total = order.grand_total
    if total > MAX_AMOUNT:
        raise DomainError(
            _("The new total of %(order)s would be above %(amount)s.")
            % {"order": order, "amount": format_money(MAX_AMOUNT, order.currency)}
        )
    if total < ZERO:
        raise DomainError(_("The new total of %(order)s would be below zero.") % {"order": order})
    payment = Payment.objects.filter(order=order).first()
    if payment is None and total > 0 and order.origin != OrderOrigin.STOREFRONT:
        raise DomainError(
            _(
                "%(order)s was placed with no payment: its total stays 0; create a new selection "
                "for what the customer pays."
            )
            % {"order": order}
        )
    if payment is None or not payment.authorized_amount:
        return
    # Captures never exceed the authorization, so a total above it could never be
    # paid in full; the customer would have to authorize again first.
    if total > payment.authorized_amount:
        raise DomainError(
            _(
                "The new total of %(total)s is above the %(authorized)s authorized for "
                "%(order)s: lower it or take a new authorization."
            )
            % {
                "total": format_money(total, order.currency),
                "authorized": format_money(payment.authorized_amount, order.currency),
                "order": order,
            }
        )
    kept = payment.captured_amount - payment.refunded_amount
    if total < kept:
        raise DomainError(
            _(
                "The new total of %(total)s is below the %(captured)s captured for "
                "%(order)s: refund first."
            )
            % {
                "total": format_money(total, order.currency),
                "captured": format_money(kept, order.currency),
                "order": order,
            }
        )
