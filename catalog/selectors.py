"""Reading the catalogue: a market's allocation rule, its shipping, an item's price and tax.

Each lookup a selection needs refuses with one sentence when the catalogue has
no answer, so a storefront never sells at a price the server did not set.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext as _

from catalog.models import CountryTax, Item, Market, Price, ShippingMethod, Voucher
from core.errors import DomainError
from shipments.models import Warehouse


def allocation_rule_for(market_code: str) -> list[Warehouse]:
    """The warehouses an order of this market reserves stock from, first choice first;
    empty when the market is unknown or has no rule (stock is then taken when a
    shipment is created)."""
    market = Market.objects.filter(code=market_code).first() if market_code else None
    return market.allocation_rule() if market else []


def market_of(code: str) -> Market:
    market = Market.objects.select_related("pricelist").filter(code=code).first()
    if market is None:
        raise DomainError(
            _("Market %(code)s is not in the catalogue.") % {"code": code}
            if code
            else _("Market (none) is not in the catalogue.")
        )
    return market


def item_for_sale(sku: str) -> Item:
    item = Item.objects.select_related("product").filter(sku=sku).first()
    if item is None or not (item.is_active and item.product.is_active):
        raise DomainError(_("%(sku)s is not for sale.") % {"sku": sku})
    return item


def prices_for(skus: Sequence[str], market: Market) -> dict[str, Decimal]:
    """Each SKU's price in the market's pricelist, read in two queries however many
    lines a selection has; refused with one sentence for the first SKU that is
    not for sale (as `item_for_sale`) or has no price."""
    wanted = set(skus)
    items = Item.objects.select_related("product").filter(sku__in=wanted)
    for_sale = {item.sku for item in items if item.is_active and item.product.is_active}
    prices = dict(
        Price.objects.filter(pricelist=market.pricelist, item__sku__in=wanted).values_list(
            "item__sku", "amount"
        )
    )
    for sku in skus:
        if sku not in for_sale:
            raise DomainError(_("%(sku)s is not for sale.") % {"sku": sku})
        if sku not in prices:
            raise DomainError(
                _("%(sku)s has no price in the %(pricelist)s pricelist.")
                % {"sku": sku, "pricelist": market.pricelist}
            )
    return prices


def tax_percent_for(country: str) -> Decimal:
    tax = CountryTax.objects.filter(country=country).first()
    if tax is None:
        raise DomainError(
            _("There is no tax rate for %(country)s.") % {"country": country}
            if country
            else _("There is no tax rate for an empty country.")
        )
    return tax.percent


def shipping_method_of(market: Market, name: str = "") -> ShippingMethod:
    """The market's method by name, or its default when no name is given."""
    methods = market.shipping_methods.all()
    method = methods.filter(name=name).first() if name else methods.filter(is_default=True).first()
    if method is None:
        raise DomainError(
            _("%(market)s has no shipping method %(name)s.") % {"market": market, "name": name}
            if name
            else _("%(market)s has no default shipping method.") % {"market": market}
        )
    return method


def voucher_in(market: Market, code: str) -> Voucher | None:
    """The market's active voucher with this code (not case-sensitive), if there is one."""
    code = code.strip()
    if not code:
        return None
    return market.vouchers.filter(code__iexact=code, is_active=True).first()
