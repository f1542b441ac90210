"""Stock reserved at placement, kept in step with what an order's lines still need.

The market's allocation rule (the catalogue) says where an order reserves;
`shipments.services.reserve` does the reserving. Every change to an order's
units that reserves at placement comes through here, under the order lock.
"""

from __future__ import annotations

from catalog.selectors import allocation_rule_for
from orders.models import Order
from shipments.services import release_reservation, reserve, reserves_at_placement


def reserve_at_checkout(order: Order) -> bool:
    """Reserve every unit by the market's rule; False when the market has none.

    Refused with one sentence, nothing reserved, when the rule's warehouses hold
    too few (there are no backorders).
    """
    rule = allocation_rule_for(order.market)
    if rule:
        reserve(order=order, warehouses=rule)
    return bool(rule)


def follow_units(order: Order, *, reserving: bool | None = None) -> None:
    """After units were cancelled, restored or edited: release what is no longer
    needed and reserve what is needed again (refused, with one sentence, when it
    is not in stock). `reserving` when the caller already knows."""
    if reserving if reserving is not None else reserves_at_placement(order):
        reserve(order=order, warehouses=allocation_rule_for(order.market))


def release_for_edit(order: Order) -> bool:
    """Before the lines change (SKUs may): give back all it holds. True when it reserves."""
    if not reserves_at_placement(order):
        return False
    release_reservation(order)
    return True


def release_all(order: Order) -> None:
    """A restore that did not go through: the cancelled order holds nothing again."""
    release_reservation(order)


def forget_reservation(order: Order) -> None:
    """A checkout that did not go through (the provider declined) reserves nothing."""
    release_reservation(order, forget=True)
