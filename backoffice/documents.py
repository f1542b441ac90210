"""Shipment documents: the warehouse's packing list and the pro-forma invoice that goes
into parcels leaving the EU, one per shipment, printed from HTML (A4 print CSS).

Every amount comes from the money kernel and from what the shipment charges:
the stored `ShipmentLine.amount` and `Shipment.shipping_amount` once it is paid,
and before that what paying it would charge now (`shipment_amounts`, the same
arithmetic). So a pro-forma agrees to the cent with the capture, and the
pro-formas of a fully shipped order add up to its grand total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.money import ZERO, format_money, quantize, tax_included
from orders.models import Order
from shipments.models import CHARGED_STATUSES, Shipment
from shipments.selectors import lines_with_order_lines
from shipments.services import shipment_amounts

# One page holds the documents of at most this many shipments.
MAX_SHIPMENTS = 200


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    product: str
    size: str
    quantity: int
    unit_price: str
    discount: str
    tax_percent: Decimal
    tax: str
    amount: str


@dataclass(frozen=True)
class ShipmentDocument:
    shipment: Shipment
    order: Order
    number_of: str  # "1 of 2"
    lines: list[DocumentLine]
    units: int
    charged: bool  # paid or completed: the amounts are the stored ones
    lines_total: str
    shipping: str
    tax: str
    total: str
    order_total: str


def shipments_for(*, ids: list[int] | None = None, order_id: int | None = None) -> list[Shipment]:
    """The shipments to print, by order number and sequence, with their lines and order."""
    shipments = Shipment.objects.select_related("order", "warehouse").prefetch_related(
        Prefetch("lines", queryset=lines_with_order_lines())
    )
    if order_id is not None:
        shipments = shipments.filter(order_id=order_id)
    else:
        shipments = shipments.filter(pk__in=ids or [])

    def count(**filters):
        of_order = Shipment.objects.filter(order=OuterRef("order"), **filters)
        counted = of_order.order_by().values("order").annotate(n=Count("pk")).values("n")
        return Subquery(counted, IntegerField())

    # "2 of 2" by position: sequences are never reused, so a deleted one leaves a gap.
    shipments = shipments.annotate(
        shipments_of_order=count(), position=count(sequence__lte=OuterRef("sequence"))
    )
    return list(shipments.order_by("order__number", "sequence")[:MAX_SHIPMENTS])


def documents(shipments: list[Shipment], *, priced: bool) -> list[ShipmentDocument]:
    return [document(shipment, priced=priced) for shipment in shipments]


def document(shipment: Shipment, *, priced: bool) -> ShipmentDocument:
    order = shipment.order
    currency = order.currency
    shipment_lines = sorted(shipment.lines.all(), key=lambda line: line.order_line_id)
    charged = shipment.status in CHARGED_STATUSES
    if not priced:
        amounts, shipping = {}, ZERO
    elif charged:
        amounts = {line.pk: line.amount for line in shipment_lines}
        shipping = shipment.shipping_amount
    else:
        amounts, shipping = shipment_amounts(shipment)
    lines, tax, lines_total = [], ZERO, ZERO
    for line in shipment_lines:
        order_line = line.order_line
        amount = amounts.get(line.pk, ZERO)
        line_tax = tax_included(amount, order_line.tax_percent, currency)
        gross = quantize(order_line.unit_price * line.quantity, currency)
        tax += line_tax
        lines_total += amount
        lines.append(
            DocumentLine(
                sku=order_line.sku,
                product=order_line.product_name,
                size=order_line.variant,
                quantity=line.quantity,
                unit_price=format_money(order_line.unit_price, currency),
                discount=format_money(gross - amount, currency) if gross != amount else "",
                tax_percent=order_line.tax_percent,
                tax=format_money(line_tax, currency),
                amount=format_money(amount, currency),
            )
        )
    return ShipmentDocument(
        shipment=shipment,
        order=order,
        number_of=_("%(position)s of %(count)s")
        % {"position": shipment.position, "count": shipment.shipments_of_order},
        lines=lines,
        units=sum(line.quantity for line in shipment_lines),
        charged=charged,
        lines_total=format_money(lines_total, currency),
        shipping=format_money(shipping, currency),
        tax=format_money(tax, currency),
        total=format_money(lines_total + shipping, currency),
        order_total=format_money(order.grand_total, currency),
    )


def printed_at() -> str:
    # The site's one date format, with the time: "7 Dec 2026, 14:05".
    return date_format(timezone.localtime(), "DATETIME_FORMAT")
