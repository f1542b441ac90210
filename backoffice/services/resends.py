"""Resends: a completed shipment's goods sent again as a new order (Centra S3: the
parcel never arrived, or arrived damaged).

The resend is an order of origin "resend" for the original's customer and
addresses, with the chosen units of the shipment at the catalogue's price and
the whole of it taken off (a zero total: nothing to pay, nothing captured), no
shipping charged, placed through the one checkout, so its stock is reserved at
placement and shipped as any order's. The original shipment keeps its status and
tracking. Goods worth more than the store's resend limit are a Back-office
admin's to give away.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services.checkout import NO_PAYMENT
from backoffice.services.staff_built import build_staff_order, credit_lines, place_staff_order
from catalog.selectors import market_of, prices_for
from core.actors import Actor, has_full_rights
from core.errors import DomainError
from core.fsm import refusal, run_transition
from core.money import ZERO, format_money, quantize
from orders.events import record_event
from orders.models import Order, OrderOrigin, StoreSettings
from outbox.event_types import EventType
from shipments.models import Shipment
from shipments.services.common import lock_shipment, record_shipment_event

ABOVE_LIMIT = "shipments.resend_above_limit"


class ResendReason(models.TextChoices):
    LOST = "lost", gettext_lazy("Lost in transit")
    DAMAGED = "damaged", gettext_lazy("Arrived damaged")
    OTHER = "other", gettext_lazy("Other")


def resend_refusal(shipment: Shipment, by: Actor) -> str | None:
    """Why the shipment's goods cannot be resent now, in one sentence, or None."""
    return refusal(shipment.resend, by=by)


def resend_value(*, shipment_id: int, quantities: dict[int, int]) -> Decimal:
    """The chosen units' value at the market's prices (shipment line id → units)."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    return _value(shipment, _lines(shipment, quantities))


def create_resend(
    *, shipment_id: int, quantities: dict[int, int], reason: str, note: str = "", by: Actor
) -> Order:
    """The resend order for the chosen units of a completed shipment, placed.

    Refused with one sentence, nothing changed: a shipment not completed, a line
    of another shipment, more units than were shipped, no reason, a value above
    the store's limit without a Back-office admin's permission, stock short.
    """
    if reason not in ResendReason.values:
        raise DomainError(_("Choose why the goods are resent: lost, damaged or other."))
    with transaction.atomic():
        original, shipment = lock_shipment(shipment_id)
        run_transition(shipment.resend, by=by)  # the check; the state stays
        lines = _lines(shipment, quantities)
        value = _value(shipment, lines)
        _refuse_above_limit(value, original, by=by)
        order = build_staff_order(original=original, lines=lines, origin=OrderOrigin.RESEND, by=by)
        order = credit_lines(order, amount=value)
        order = place_staff_order(order, payment=NO_PAYMENT, base_url="", by=by).order
        _record(shipment, order, value, reason=reason, note=note.strip(), by=by)
    return order


def _lines(shipment: Shipment, quantities: dict[int, int]) -> dict[str, int]:
    """SKU → units from shipment line id → units, each at most what was shipped."""
    shipped = {line.pk: line for line in shipment.lines.select_related("order_line")}
    lines: dict[str, int] = {}
    for line_id, units in quantities.items():
        if not units:
            continue
        line = shipped.get(line_id)
        if line is None:
            raise DomainError(
                _("Line %(line)s is not a line of shipment %(shipment)s.")
                % {"line": line_id, "shipment": shipment.ref}
            )
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise DomainError(_("A quantity must be a whole number, 0 or more."))
        if units > line.quantity:
            raise DomainError(
                _(
                    "Shipment %(shipment)s shipped %(shipped)s × %(sku)s; "
                    "%(units)s cannot be resent."
                )
                % {
                    "shipment": shipment.ref,
                    "shipped": line.quantity,
                    "sku": line.order_line.sku,
                    "units": units,
                }
            )
        sku = line.order_line.sku
        lines[sku] = lines.get(sku, 0) + units
    if not lines:
        raise DomainError(_("Choose at least one unit to resend."))
    return lines


def _value(shipment: Shipment, lines: dict[str, int]) -> Decimal:
    order = shipment.order
    prices = prices_for(list(lines), market_of(order.market))
    return quantize(
        sum((prices[sku] * units for sku, units in lines.items()), ZERO), order.currency
    )


def _refuse_above_limit(value: Decimal, original: Order, *, by: Actor) -> None:
    limit = StoreSettings.load().resend_limit
    if value > limit and not has_full_rights(by) and not by.has_perm(ABOVE_LIMIT):
        money = original.currency
        raise DomainError(
            _(
                "Goods worth %(value)s are above the store's resend limit of "
                "%(limit)s: a Back-office admin resends them."
            )
            % {"value": format_money(value, money), "limit": format_money(limit, money)}
        )


def _record(shipment: Shipment, order: Order, value: Decimal, *, reason, note, by) -> None:
    figures = {
        "shipment": shipment.ref,
        "order": order.number,
        "original": shipment.order.number,
        "value": format_money(value, order.currency),
        "reason": ResendReason(reason).label,
        "note": note,
    }
    if note:
        resent = _(
            "Shipment %(shipment)s resent as order %(order)s (%(value)s): %(reason)s: %(note)s."
        )
        made = _(
            "Resend of shipment %(shipment)s of order %(original)s, "
            "%(value)s at no charge: %(reason)s: %(note)s."
        )
    else:
        resent = _("Shipment %(shipment)s resent as order %(order)s (%(value)s): %(reason)s.")
        made = _(
            "Resend of shipment %(shipment)s of order %(original)s, "
            "%(value)s at no charge: %(reason)s."
        )
    record_shipment_event(
        shipment,
        by=by,
        transition="resend",
        publishes=None,  # the resend order's own "resend.created" says it
        from_state=shipment.status,
        message=resent % figures,
    )
    record_event(
        order=order,
        by=by,
        transition="resend_created",
        publishes=EventType.RESEND_CREATED,
        subject_ref=shipment.ref,
        message=made % figures,
        data={"shipment": shipment.ref, "reason": reason, "value": str(value)},
    )
