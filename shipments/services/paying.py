"""Paying a shipment: its amount from the money kernel, captured or recorded by hand.

A shipment's amount is its lines' share of the order, charged as consecutive
slices of each line (`core.money.slice_charge`), plus the order's shipping cost
on the first shipment paid; so the captures of a fully shipped order add up to
its grand total to the cent.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.actors import Actor
from core.fsm import ensure_allowed, run_transition
from core.money import ZERO, format_money, quantize, shipping_charge, slice_charge
from orders.models import Order
from outbox.event_types import EventType
from payments import services as payments
from payments.errors import unless_declined
from payments.models import Payment
from shipments.models import CHARGED_STATUSES, Shipment, ShipmentLine
from shipments.services.common import lock_shipment, record_shipment_event


def shipment_amounts(shipment: Shipment) -> tuple[dict[int, Decimal], Decimal]:
    """What paying this shipment charges: per shipment line id, and for shipping.

    Reads what the order's other paid shipments charged; the arithmetic is the
    money kernel's (`slice_charge`, `shipping_charge`).
    """
    order = shipment.order
    others = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status__in=CHARGED_STATUSES)
        .exclude(shipment=shipment)
        .order_by()
        .values("order_line")
        .annotate(units=Sum("quantity"), charged=Sum("amount"))
    )
    before = {row["order_line"]: (row["units"], row["charged"]) for row in others}
    lines = {}
    for shipment_line in shipment.lines.select_related("order_line"):
        units, charged = before.get(shipment_line.order_line_id, (0, ZERO))
        lines[shipment_line.pk] = slice_charge(
            shipment_line.order_line,
            units_charged=units,
            amount_charged=charged,
            quantity=shipment_line.quantity,
            currency=order.currency,
        )
    shipping_charged = (
        Shipment.objects.filter(order=order, status__in=CHARGED_STATUSES)
        .exclude(pk=shipment.pk)
        .aggregate(total=Sum("shipping_amount"))["total"]
    )
    shipping = shipping_charge(
        order.shipping_price, already_charged=shipping_charged or ZERO, currency=order.currency
    )
    return lines, shipping


def _captured_for_no_shipment(order: Order) -> Decimal:
    """Money captured for the order that no paid shipment accounts for yet.

    Direct Capture without Direct to Shipment captures the grand total at
    checkout; the shipments then draw on it instead of capturing again. Stable
    under the order lock, which the payment services take first too.
    """
    payment = Payment.objects.filter(order=order).first()
    captured = payment.captured_amount if payment else ZERO
    accounted = Shipment.objects.filter(order=order, status__in=CHARGED_STATUSES).aggregate(
        total=Sum("amount")
    )["total"]
    # Quantized: SQLite sums decimals in floating point.
    return max(ZERO, quantize(captured - (accounted or ZERO), order.currency))


def pay_shipment(
    order: Order, shipment: Shipment, *, by: Actor, manually: bool, reference: str = ""
) -> None:
    """Move the shipment to Paid, capturing (or recording by hand) what it costs;
    to Capture requested when the provider settles later.

    The transition is checked before any money moves, and nothing is saved
    before the provider said yes: a `PaymentDeclined` leaves only the payment's
    failed ledger row behind (see `_unless_declined`).
    """
    method = shipment.mark_paid if manually else shipment.capture
    ensure_allowed(method, by=by)
    line_amounts, shipping = shipment_amounts(shipment)
    amount = sum(line_amounts.values(), ZERO) + shipping
    to_take = max(ZERO, amount - _captured_for_no_shipment(order))
    if to_take and manually:
        payments.record_manual_payment(
            order_id=order.pk, amount=to_take, by=by, shipment_ref=shipment.ref, reference=reference
        )
    elif to_take:
        row = payments.capture_payment(
            order_id=order.pk, amount=to_take, by=by, shipment_ref=shipment.ref
        )
        method = shipment.request_capture if row.pending else method
    from_state, _to_state = run_transition(method, by=by)
    shipment.amount, shipment.shipping_amount = amount, shipping
    shipment.save()
    ShipmentLine.objects.bulk_update(
        [ShipmentLine(pk=pk, amount=line_amount) for pk, line_amount in line_amounts.items()],
        ["amount"],
    )
    sentence = _paid_sentence(method.__name__, captured_before=to_take != amount)
    message = sentence % {
        "ref": shipment.ref,
        "money": format_money(amount, order.currency),
        "before": format_money(amount - to_take, order.currency),
    }
    record_shipment_event(
        shipment,
        by=by,
        transition=method.__name__,
        publishes=None,  # the payment's own event ("payment.captured") says it
        from_state=from_state,
        message=message,
        amount=str(amount),
        shipping=str(shipping),
        taken=str(to_take),
    )


def _paid_sentence(transition: str, *, captured_before: bool) -> str:
    """The timeline's sentence for a paid shipment, per transition taken; with the
    part of its amount an earlier capture (at checkout) had taken already."""
    if transition == "mark_paid":
        if captured_before:
            return _(
                "Shipment %(ref)s marked paid by hand: %(money)s "
                "(%(before)s of it captured before)."
            )
        return _("Shipment %(ref)s marked paid by hand: %(money)s.")
    if transition == "request_capture":
        if captured_before:
            return _(
                "Shipment %(ref)s capture requested: %(money)s (%(before)s of it captured before)."
            )
        return _("Shipment %(ref)s capture requested: %(money)s.")
    if captured_before:
        return _("Shipment %(ref)s captured: %(money)s (%(before)s of it captured before).")
    return _("Shipment %(ref)s captured: %(money)s.")


def capture_shipment(*, shipment_id: int, by: Actor) -> Shipment:
    """Capture the shipment's amount through the provider: Good-to-go → Paid.

    When the provider declines, the shipment stays Good-to-go, the failed
    capture is in the payment's ledger, and the provider's sentence is raised.
    """
    with transaction.atomic():
        order, shipment = lock_shipment(shipment_id)
        declined = unless_declined(lambda: pay_shipment(order, shipment, by=by, manually=False))
    if declined:
        raise declined
    return shipment


def mark_shipment_paid(*, shipment_id: int, by: Actor, reference: str = "") -> Shipment:
    """Record the shipment's amount as received by hand (invoice, bank transfer)."""
    with transaction.atomic():
        order, shipment = lock_shipment(shipment_id)
        pay_shipment(order, shipment, by=by, manually=True, reference=reference.strip())
    return shipment


def mark_shipment_unpaid(*, shipment_id: int, by: Actor) -> Shipment:
    """Undo a hand-marked payment: Paid → Good-to-go. Never for a provider's capture."""
    with transaction.atomic():
        order, shipment = lock_shipment(shipment_id)
        from_state, _to_state = run_transition(shipment.mark_unpaid, by=by)
        if payments.capture_for_shipment(order_id=order.pk, shipment_ref=shipment.ref):
            payments.reverse_manual_payment(order_id=order.pk, shipment_ref=shipment.ref, by=by)
        amount = shipment.amount
        shipment.amount = shipment.shipping_amount = ZERO
        shipment.save()
        shipment.lines.update(amount=ZERO)
        record_shipment_event(
            shipment,
            by=by,
            transition="mark_unpaid",
            publishes=EventType.SHIPMENT_UPDATED,
            from_state=from_state,
            message=_("Shipment %(ref)s marked unpaid (%(money)s).")
            % {"ref": shipment.ref, "money": format_money(amount, order.currency)},
            amount=str(amount),
        )
    return shipment
