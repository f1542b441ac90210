"""A selection's stock before it is placed: what is short, and taking it out.

The market's allocation rule (the catalogue) says which warehouses count; the
units are reserved only at placement, under the order lock (the checkout), so
this is the check a buyer sees first, not the guarantee.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.services.selections import price_selection
from catalog.selectors import allocation_rule_for
from core.actors import Actor
from core.errors import DomainError
from orders.locks import lock_order
from orders.models import Order, OrderStatus
from shipments.models import Stock


@dataclass(frozen=True)
class Unavailable:
    """A SKU the selection wants more of than the market's warehouses hold."""

    sku: str
    product: str
    original_quantity: int
    unavailable: int
    available: int


class StockShort(DomainError):
    """Too few in stock for the selection (410): `unavailable` says what and how many."""

    def __init__(self, unavailable: list[Unavailable]):
        skus = ", ".join(row.sku for row in unavailable)
        super().__init__(_("Not enough in stock: %(skus)s.") % {"skus": skus})
        self.unavailable = unavailable


def shortages(order: Order) -> list[Unavailable]:
    """What the selection wants beyond what its market's warehouses have available.

    A market without an allocation rule takes stock at shipment: nothing is short.
    """
    rule = allocation_rule_for(order.market)
    if not rule:
        return []
    lines = list(order.lines.order_by("pk"))
    wanted: Counter[str] = Counter()
    for line in lines:
        wanted[line.sku] += line.quantity
    available: Counter[str] = Counter()
    for row in Stock.objects.filter(warehouse__in=rule, sku__in=list(wanted)):
        available[row.sku] += max(0, row.available)
    names = {line.sku: line.product_name for line in reversed(lines)}
    return [
        Unavailable(sku, names[sku], units, units - available[sku], available[sku])
        for sku, units in wanted.items()
        if units > available[sku]
    ]


def remove_unavailable(*, order_id: int, by: Actor) -> list[Unavailable]:
    """Lower (or remove) the lines stock cannot fill, price the selection again; what was short."""
    with transaction.atomic():
        order = lock_order(order_id)
        if order.status != OrderStatus.INCOMPLETE:
            raise DomainError(
                _("%(order)s is placed: its selection can no longer change.") % {"order": order}
            )
        short = shortages(order)
        left = {row.sku: row.available for row in short}
        for line in order.lines.filter(sku__in=list(left)).order_by("pk"):
            keep = min(line.quantity, left[line.sku])
            left[line.sku] -= keep
            if keep:
                line.quantity = keep
                line.save(update_fields=["quantity"])
            else:
                line.delete()
        if short:
            price_selection(order_id=order.pk, by=by)
    return short
