"""Finding items to sell by SKU or product name, with a pricelist's price and what
each warehouse has available: what staff look at when they fill a selection.

Two queries however many items match: the items (with their product and the
price as a subquery), then their stock rows in the warehouses asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from catalog.models import Item, Price, Pricelist
from core.money import quantize
from shipments.models import Stock, Warehouse

# A search box, not a listing: more hits than this means the term needs narrowing.
MAX_HITS = 20


@dataclass(frozen=True)
class CatalogueHit:
    sku: str
    product: str
    size: str
    price: Decimal | None  # None: the item has no price in the pricelist
    available: tuple[int, ...]  # per warehouse, in the order asked for


def search_items(
    *, term: str, pricelist: Pricelist, warehouses: Sequence[Warehouse], limit: int = MAX_HITS
) -> list[CatalogueHit]:
    """Items for sale whose SKU starts with `term` or whose product's name contains
    it, by product name; an empty term finds nothing."""
    term = term.strip()
    if not term:
        return []
    price = Price.objects.filter(item=OuterRef("pk"), pricelist=pricelist).values("amount")[:1]
    items = list(
        Item.objects.select_related("product")
        .filter(is_active=True, product__is_active=True)
        .filter(Q(sku__istartswith=term) | Q(product__name__icontains=term))
        .annotate(price=Subquery(price))
        .order_by("product__name", "sku")[:limit]
    )
    stock = _available(skus=[item.sku for item in items], warehouses=warehouses)
    return [
        CatalogueHit(
            sku=item.sku,
            product=item.product.name,
            size=item.size,
            price=_money(item.price, pricelist.currency),
            available=tuple(stock.get((item.sku, w.pk), 0) for w in warehouses),
        )
        for item in items
    ]


def _money(value, currency: str) -> Decimal | None:
    # SQLite hands a subquery's decimal back as a number: read it as money.
    return None if value is None else quantize(Decimal(str(value)), currency)


def _available(*, skus: list[str], warehouses: Sequence[Warehouse]) -> dict[tuple[str, int], int]:
    if not skus or not warehouses:
        return {}
    rows = Stock.objects.filter(sku__in=skus, warehouse__in=[w.pk for w in warehouses])
    return {
        (sku, warehouse): on_hand - allocated
        for sku, warehouse, on_hand, allocated in rows.values_list(
            "sku", "warehouse_id", "on_hand", "allocated"
        )
    }
