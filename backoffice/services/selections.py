"""A selection (an Incomplete order) filled and priced from the catalogue.

What a storefront's cart calls: every price comes from the pricelist of the
selection's market, the tax from the country it ships to, the shipping from the
market's shipping method; never from the client. Totals are the order's own
(`core.money.compute_totals`, through `Order.recalculate_totals`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Market, MarketCountry, Price
from catalog.selectors import (
    item_for_sale,
    market_of,
    prices_for,
    shipping_method_of,
    tax_percent_for,
    voucher_in,
)
from core.actors import Actor
from core.errors import DomainError
from core.money import ZERO, voucher_discounts
from orders.locks import lock_order
from orders.models import Order, OrderLine, OrderOrigin, OrderStatus
from orders.services import create_selection

# A cart's bound: more is a typing error, and would strain the totals' columns.
MAX_UNITS = 9999


def add_item(*, order_id: int, sku: str, quantity: int = 1, by: Actor) -> Order:
    """Put `quantity` units of an item in the selection, and price it all again.

    A second add of the same SKU raises its line's quantity.
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise DomainError(_("The quantity must be a whole number, 1 or more."))
    if quantity > MAX_UNITS:
        raise DomainError(_too_many())
    with transaction.atomic():
        order = _lock_selection(order_id)
        item = item_for_sale(sku)
        line = order.lines.filter(sku=item.sku).first() or OrderLine(
            order=order, sku=item.sku, product_name=item.product.name, variant=item.size, quantity=0
        )
        line.quantity += quantity
        if line.quantity > MAX_UNITS:
            raise DomainError(_too_many())
        line.save()
        _price(order)
    return order


def start_selection(
    *,
    market: str,
    country: str = "",
    language: str = "en",
    origin: str = OrderOrigin.STOREFRONT,
    by: Actor,
) -> Order:
    """A new, empty selection of a market, shipping to `country` (the market's first
    country when none is given), priced: its currency, pricelist and default shipping."""
    found = market_of(market)
    country = country or _first_country(found)
    _check_country_in(found, country)
    with transaction.atomic():
        order = create_selection(
            by=by,
            lines=[],
            market=found.code,
            language=language,
            billing_country=country,
            shipping_country=country,
            origin=origin,
        )
        _price(order)
    return order


def set_line_quantity(*, order_id: int, line_id: int, quantity: int, by: Actor) -> Order:
    """The line's quantity becomes `quantity`; 0 removes the line."""
    _check_quantity(quantity, low=0)
    with transaction.atomic():
        order = _lock_selection(order_id)
        line = _line_of(order, line_id)
        if quantity == 0:
            line.delete()
        else:
            line.quantity = quantity
            line.save(update_fields=["quantity"])
        _price(order)
    return order


def change_line_quantity(*, order_id: int, line_id: int, change: int, by: Actor) -> Order:
    """The line's quantity raised (or, negative, lowered) by `change`; at 0 or
    below the line is removed."""
    if isinstance(change, bool) or not isinstance(change, int):
        raise DomainError(_("The quantity must be a whole number."))
    with transaction.atomic():
        line = _line_of(_lock_selection(order_id), line_id)
        quantity = min(max(line.quantity + change, 0), MAX_UNITS)
        return set_line_quantity(order_id=order_id, line_id=line_id, quantity=quantity, by=by)


def remove_line(*, order_id: int, line_id: int, by: Actor) -> Order:
    return set_line_quantity(order_id=order_id, line_id=line_id, quantity=0, by=by)


@dataclass(frozen=True)
class Dropped:
    """A line a new market does not sell, removed from the selection."""

    sku: str
    product: str
    quantity: int


def set_country(
    *, order_id: int, country: str, language: str = "", by: Actor
) -> tuple[Order, list[Dropped]]:
    """Ship to `country`: its market (so its pricelist, currency and shipping) and its
    tax; the lines the new market does not sell are removed, and returned."""
    country = country.strip().upper()
    row = MarketCountry.objects.select_related("market").filter(country=country).first()
    if row is None:
        raise DomainError(
            _("%(country)s is not a country the shop ships to.") % {"country": country}
        )
    return set_location(
        order_id=order_id, market=row.market.code, country=country, language=language, by=by
    )


def set_location(
    *,
    order_id: int,
    market: str,
    country: str = "",
    language: str = "",
    pricelist: str = "",
    by: Actor,
) -> tuple[Order, list[Dropped]]:
    """Sell from `market` (server-side mode may name any): its pricelist, currency and
    shipping; ship to `country` (one of the market's; its first when none is given).

    A pricelist other than the market's own is refused: prices, shipping and tax
    follow the market. Lines the market does not sell are removed, and returned.
    """
    found = market_of(market)
    if pricelist and pricelist != found.pricelist.name:
        raise DomainError(
            _("%(market)s sells from the %(own)s pricelist, not %(pricelist)s.")
            % {"market": found, "own": found.pricelist, "pricelist": pricelist}
        )
    with transaction.atomic():
        order = _lock_selection(order_id)
        country = (country or order.shipping_country).upper()
        if not MarketCountry.objects.filter(market=found, country=country).exists():
            country = _first_country(found)
        _check_country_in(found, country)
        if found.code != order.market:
            order.shipping_method = ""  # the new market's default
        order.market = found.code
        if not order.billing_street:  # no address typed yet: it is the buyer's country
            order.billing_country = country
        order.shipping_country = country
        order.language = language or order.language
        dropped = _drop_unsold(order, found)
        _price(order)
    return order, dropped


def set_language(*, order_id: int, language: str, by: Actor) -> Order:
    with transaction.atomic():
        order = _lock_selection(order_id)
        order.language = language
        order.save(update_fields=["language", "updated_at"])
    return order


def set_shipping_method(*, order_id: int, name: str, by: Actor) -> Order:
    """Ship by the market's method `name` (refused when the market has none of that name)."""
    with transaction.atomic():
        order = _lock_selection(order_id)
        order.shipping_method = shipping_method_of(market_of(order.market), name).name
        _price(order)
    return order


def set_payment_method(*, order_id: int, method: str, by: Actor) -> Order:
    """The method the buyer will pay with (checked against the shop's methods by the caller)."""
    with transaction.atomic():
        order = _lock_selection(order_id)
        order.payment_method = method
        order.save(update_fields=["payment_method", "updated_at"])
    return order


@dataclass(frozen=True)
class Address:
    name: str = ""
    street: str = ""
    city: str = ""
    zipcode: str = ""
    country: str = ""


def set_customer(
    *,
    order_id: int,
    email: str | None = None,
    billing: Address | None = None,
    shipping: Address | None = None,
    by: Actor,
) -> Order:
    """The buyer's e-mail and addresses; without a shipping address goods go to the
    billing one. A new shipping country is the selection's country (market, tax)."""
    with transaction.atomic():
        order = _lock_selection(order_id)
        if email is not None:
            order.customer_email = email
        if billing is not None:
            _write_address(order, "billing", billing)
            order.customer_name = billing.name or order.customer_name
        target = shipping if shipping is not None else billing
        if target is not None:
            _write_address(order, "shipping", target)
        order.save()
        country = order.shipping_country
        if country and not MarketCountry.objects.filter(market__code=order.market, country=country):
            set_country(order_id=order_id, country=country, by=by)
        return price_selection(order_id=order_id, by=by)


def add_voucher(*, order_id: int, code: str, by: Actor) -> Order:
    """Put a voucher's discount on the selection (one voucher at a time: a second
    replaces the first)."""
    with transaction.atomic():
        order = _lock_selection(order_id)
        voucher = voucher_in(market_of(order.market), code)
        if voucher is None:
            raise DomainError(
                _("There is no voucher “%(code)s” in this market.") % {"code": code.strip()}
            )
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
    prices = prices_for([line.sku for line in lines], market)
    for line in lines:
        line.unit_price = prices[line.sku]
        line.tax_percent = tax
    _discount(order, market, lines)
    OrderLine.objects.bulk_update(lines, ["unit_price", "tax_percent", "discount"])
    order.recalculate_totals()
    order.save()


def _check_quantity(quantity: int, *, low: int) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < low:
        raise DomainError(_("The quantity must be a whole number, %(low)s or more.") % {"low": low})
    if quantity > MAX_UNITS:
        raise DomainError(_too_many())


def _too_many() -> str:
    return _("At most %(max)s units of an item fit in a selection.") % {"max": MAX_UNITS}


def _line_of(order: Order, line_id: int) -> OrderLine:
    line = order.lines.filter(pk=line_id).first()
    if line is None:
        raise DomainError(_("%(order)s has no line %(line)s.") % {"order": order, "line": line_id})
    return line


def _first_country(market: Market) -> str:
    row = market.countries.order_by("country").first()
    if row is None:
        raise DomainError(_("%(market)s sells to no country.") % {"market": market})
    return row.country


def _check_country_in(market: Market, country: str) -> None:
    if not market.countries.filter(country=country).exists():
        if not country:
            raise DomainError(
                _("%(market)s does not ship to an empty country.") % {"market": market}
            )
        raise DomainError(
            _("%(market)s does not ship to %(country)s.") % {"market": market, "country": country}
        )


def _drop_unsold(order: Order, market: Market) -> list[Dropped]:
    """Remove the lines whose item the market does not sell (inactive, or unpriced)."""
    lines = list(order.lines.order_by("pk"))
    priced = set(
        Price.objects.filter(
            pricelist=market.pricelist,
            item__sku__in=[line.sku for line in lines],
            item__is_active=True,
            item__product__is_active=True,
        ).values_list("item__sku", flat=True)
    )
    dropped = [line for line in lines if line.sku not in priced]
    for line in dropped:
        line.delete()
    return [
        Dropped(sku=line.sku, product=line.product_name, quantity=line.quantity) for line in dropped
    ]


def _write_address(order: Order, kind: str, address: Address) -> None:
    for field in ("name", "street", "city", "zipcode"):
        setattr(order, f"{kind}_{field}", getattr(address, field))
    setattr(order, f"{kind}_country", address.country.strip().upper())


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


def _lock_selection(order_id: int) -> Order:
    order = lock_order(order_id)
    if order.status != OrderStatus.INCOMPLETE:
        raise DomainError(
            _("%(order)s is placed: its selection can no longer change.") % {"order": order}
        )
    return order


def _follow_market(order: Order, market: Market) -> None:
    """The market's pricelist and currency, and its shipping method's price."""
    method = shipping_method_of(market, order.shipping_method)
    order.pricelist = market.pricelist.name
    order.currency = market.pricelist.currency
    order.shipping_method = method.name
    if not order.shipping_price_by_hand:
        order.shipping_price = method.price
