"""Exchanges (Centra: "Create selection" from a return): the returned goods pay for
a new order.

The exchange order is a selection of the original order's market, customer and
addresses, with the replacement lines priced from the catalogue and no shipping
charged, placed through the one checkout with origin "exchange". The return's
value (what its refund would be) is credited to it as line discounts, at most
the replacement's value:

- dearer replacement: the whole value is credited; the customer pays the
  difference (payment link or invoice) and the return refunds nothing;
- cheaper: the replacement is paid in full by the credit (no payment); the
  return refunds what is left, through its own refund step;
- equal: no payment, no refund.

The return stays where it is: the goods still come back (completing it puts
them on the shelf), and its refund is reduced by the credit (`Return.exchange`).
Over both orders, captured − refunded is what the customer kept, to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.services.checkout import NO_PAYMENT
from backoffice.services.staff_built import (
    build_staff_order,
    check_quantities,
    credit_lines,
    place_staff_order,
)
from catalog.models import Item, Price
from catalog.selectors import market_of, prices_for
from core.actors import Actor
from core.fsm import ensure_allowed, refusal, run_transition
from core.money import ZERO, format_money, quantize
from orders.events import record_event
from orders.models import Order, OrderOrigin
from outbox.event_types import EventType
from returns.models import Return
from returns.services import lock_return, record_return_event


@dataclass(frozen=True)
class ReplacementChoice:
    """A returned line and what may replace it: the same product's items for sale
    in the order's market, (sku, size, price text) each, the other sizes first."""

    returned_sku: str
    product: str
    quantity: int
    options: list[tuple[str, str, str]]


@dataclass(frozen=True)
class ExchangeFigures:
    currency: str
    value: Decimal  # what the return would refund without the exchange
    replacement: Decimal  # the replacement lines at the market's prices
    credit: Decimal  # the part of the value the exchange order takes
    to_pay: Decimal  # what the customer pays for the exchange order
    to_refund: Decimal  # what the return still refunds


def exchange_refusal(return_: Return, by: Actor) -> str | None:
    """Why no exchange can be made from the return now, in one sentence, or None."""
    return refusal(return_.exchange, by=by)


def replacement_choices(return_: Return) -> list[ReplacementChoice]:
    """Per returned line, the items of its product the order's market sells."""
    market = market_of(return_.order.market)
    returned = [
        (line.shipment_line.order_line, line.quantity)
        for line in return_.lines.select_related("shipment_line__order_line")
    ]
    skus = [order_line.sku for order_line, _units in returned]
    product_of = dict(Item.objects.filter(sku__in=skus).values_list("sku", "product_id"))
    offered = (
        Price.objects.filter(
            pricelist=market.pricelist,
            item__product_id__in=set(product_of.values()),
            item__is_active=True,
            item__product__is_active=True,
        )
        .select_related("item")
        .order_by("item__sku")
    )
    by_product: dict[int, list[Price]] = {}
    for price in offered:
        by_product.setdefault(price.item.product_id, []).append(price)
    currency = market.pricelist.currency
    choices = []
    for order_line, quantity in returned:
        prices = by_product.get(product_of.get(order_line.sku), [])
        # The returned size last: "another size" is what an exchange usually is.
        prices.sort(key=lambda price: price.item.sku == order_line.sku)
        options = [
            (price.item.sku, price.item.size, format_money(price.amount, currency))
            for price in prices
        ]
        choices.append(
            ReplacementChoice(order_line.sku, order_line.product_name, quantity, options)
        )
    return choices


def exchange_figures(*, return_id: int, lines: dict[str, int]) -> ExchangeFigures:
    """What an exchange of the return for `lines` (SKU → units) would credit, cost
    and refund; the same arithmetic `create_exchange` stores."""
    return_ = Return.objects.select_related("order").get(pk=return_id)
    return _figures(return_, lines)


def _figures(return_: Return, lines: dict[str, int]) -> ExchangeFigures:
    check_quantities(lines)
    currency = return_.currency
    market = market_of(return_.order.market)
    prices = prices_for(list(lines), market)
    replacement = quantize(
        sum((prices[sku] * units for sku, units in lines.items()), ZERO), currency
    )
    value = quantize(return_.suggested_refund, currency)
    credit = min(value, replacement)
    return ExchangeFigures(
        currency=currency,
        value=value,
        replacement=replacement,
        credit=credit,
        to_pay=replacement - credit,
        to_refund=value - credit,
    )


def create_exchange(
    *,
    return_id: int,
    lines: dict[str, int],
    payment: str = "link",
    base_url: str = "",
    by: Actor,
) -> Order:
    """The exchange order for the return, placed; the return credits it.

    `lines`: SKU → units of the replacement. `payment` ("link" or "invoice") is
    how the customer pays a difference; with none to pay the order has no
    payment. Refused with one sentence, nothing changed: a refunded return, one
    exchanged already, a permission missing, an item not for sale or short of
    stock.
    """
    with transaction.atomic():
        return_ = lock_return(return_id)
        ensure_allowed(return_.exchange, by=by)
        figures = _figures(return_, lines)
        original = return_.order
        order = build_staff_order(
            original=original, lines=lines, origin=OrderOrigin.EXCHANGE, by=by
        )
        order = credit_lines(order, amount=figures.credit)
        from_state, _to_state = run_transition(
            return_.exchange, by=by, order=order, credit=figures.credit
        )
        return_.save()
        placed = place_staff_order(
            order, payment=payment if figures.to_pay else NO_PAYMENT, base_url=base_url, by=by
        )
        _record(return_, placed.order, figures, by=by, from_state=from_state)
    return placed.order


def _record(return_: Return, order: Order, figures: ExchangeFigures, *, by: Actor, from_state):
    money = figures.currency

    def text(amount: Decimal) -> str:
        return format_money(amount, money)

    amounts = {
        "order": order.number,
        "return": return_.number,
        "original": return_.order.number,
        "credit": text(figures.credit),
        "value": text(figures.value),
        "replacement": text(figures.replacement),
        "to_pay": text(figures.to_pay),
        "to_refund": text(figures.to_refund),
    }
    if figures.to_pay:
        settled = _(
            "Exchange order %(order)s created for return %(return)s: "
            "%(credit)s of its %(value)s credited; the customer pays %(to_pay)s."
        )
    elif figures.to_refund:
        settled = _(
            "Exchange order %(order)s created for return %(return)s: "
            "%(credit)s of its %(value)s credited; return %(return)s refunds %(to_refund)s."
        )
    else:
        settled = _(
            "Exchange order %(order)s created for return %(return)s: "
            "%(credit)s of its %(value)s credited; nothing to pay or refund."
        )
    record_return_event(
        return_,
        by=by,
        transition="exchange",
        publishes=None,  # the exchange order's own "exchange.created" says it
        from_state=from_state,
        message=settled % amounts,
    )
    record_event(
        order=order,
        by=by,
        transition="exchange_created",
        publishes=EventType.EXCHANGE_CREATED,
        subject_ref=return_.number,
        message=_(
            "Exchange for return %(return)s of order %(original)s: "
            "replacement %(replacement)s, credit %(credit)s, to pay %(to_pay)s."
        )
        % amounts,
        data={
            "return": return_.number,
            "credit": str(figures.credit),
            "to_pay": str(figures.to_pay),
            "to_refund": str(figures.to_refund),
        },
    )
