"""A selection (an Incomplete order) filled and priced from the catalogue.

What a storefront's cart calls: every price comes from the pricelist of the
selection's market, the tax from the country it ships to, the shipping from the
market's shipping method; never from the client. Totals are the order's own
(`core.money.compute_totals`, through `Order.recalculate_totals`).
"""

from __future__ import annotations

from django.db import transaction

from catalog.models import Market
from catalog.selectors import (
    item_for_sale,
    market_of,
    price_in,
    shipping_method_of,
    tax_percent_for,
    voucher_in,
)
from core.actors import Actor
from core.errors import DomainError
from core.money import ZERO, voucher_discounts
from orders.locks import lock_order
from orders.models import Order, OrderLine, OrderStatus

# A cart's bound: more is a typing error, and would strain the totals' columns.
MAX_UNITS = 9999


def add_item(*, order_id: int, sku: str, quantity: int = 1, by: Actor) -> Order:
    """Put `quantity` units of an item in the selection, and price it all again.

    A second add of the same SKU raises its line's quantity.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError("The quantity must be a whole number, 1 or more.")
    if quantity > MAX_UNITS:
        raise DomainError(f"At most {MAX_UNITS} units of an item fit in a selection.")
    with transaction.atomic():
        order = _lock_selection(order_id)
        item = item_for_sale(sku)
        line = order.lines.filter(sku=item.sku).first() or OrderLine(
            order=order, sku=item.sku, product_name=item.product.name, variant=item.size, quantity=0
        )
        line.quantity += quantity
        if line.quantity > MAX_UNITS:
            raise DomainError(f"At most {MAX_UNITS} units of an item fit in a selection.")
        line.save()
        _price(order)
    return order


def price_selection(*, order_id: int, by: Actor) -> Order:
    """Price every line and the shipping again from the catalogue.

    For a selection whose market, country or shipping method changed: a line
    whose item is no longer for sale, or has no price, refuses it all.
    """
    with transaction.atomic():
        order = _lock_selection(order_id)
        _price(order)
    return order


def _price(order: Order) -> None:
    """The market's pricelist, currency and shipping; each line's price and tax; totals."""
    market = market_of(order.market)
    _follow_market(order, market)
    tax = tax_percent_for(order.shipping_country)
    lines = list(order.lines.order_by("pk"))
    for line in lines:
        line.unit_price = price_in(item_for_sale(line.sku), market)
        line.tax_percent = tax
    _discount(order, market, lines)
    OrderLine.objects.bulk_update(lines, ["unit_price", "tax_percent", "discount"])
    order.recalculate_totals()
    order.save()


def _discount(order: Order, market: Market, lines: list[OrderLine]) -> None:
    """The voucher's discount on every line. A voucher the market no longer has (the
    selection moved to another market, the code was switched off) is dropped with
    its discount; a selection that never had one keeps its lines' discounts."""
    if not order.voucher:
        return
    voucher = voucher_in(market, order.voucher)
    grosses = [line.unit_price * line.quantity for line in lines]
    if voucher is None:
        order.voucher = ""
        discounts = voucher_discounts(grosses, amount=ZERO, currency=order.currency)
    else:
        discounts = voucher_discounts(
            grosses, percent=voucher.percent, amount=voucher.amount, currency=order.currency
        )
    for line, discount in zip(lines, discounts, strict=True):
        line.discount = discount


def add_voucher(*, order_id: int, code: str, by: Actor) -> Order:
    """Put a voucher's discount on the selection (one voucher at a time: a second
    replaces the first)."""
    with transaction.atomic():
        order = _lock_selection(order_id)
        voucher = voucher_in(market_of(order.market), code)
        if voucher is None:
            raise DomainError(f"There is no voucher “{code.strip()}” in this market.")
        order.voucher = voucher.code
        _price(order)
    return order


def remove_voucher(*, order_id: int, code: str, by: Actor) -> Order:
    """Take the voucher off; a code that is not on the selection changes nothing."""
    with transaction.atomic():
        order = _lock_selection(order_id)
        if order.voucher and order.voucher.casefold() == code.strip().casefold():
            order.voucher = ""
            lines = list(order.lines.all())
            for line in lines:
                line.discount = ZERO
            OrderLine.objects.bulk_update(lines, ["discount"])
            _price(order)
    return order


def _lock_selection(order_id: int) -> Order:
    order = lock_order(order_id)
    if order.status != OrderStatus.INCOMPLETE:
        raise DomainError(f"{order} is placed: its selection can no longer change.")
    return order


def _follow_market(order: Order, market: Market) -> None:
    """The market's pricelist and currency, and its shipping method's price."""
    method = shipping_method_of(market, order.shipping_method)
    order.pricelist = market.pricelist.name
    order.currency = market.pricelist.currency
    order.shipping_method = method.name
    order.shipping_price = method.price
