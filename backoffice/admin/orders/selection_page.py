"""What the selection page shows: the customer, the lines with their totals, the
catalogue search's items with price and stock, shipping, notes, totals and the
payment choices. A few queries, however many lines or hits (the tests count them).
"""

from __future__ import annotations

from backoffice.admin.orders import selection_forms as forms
from backoffice.services import staff_orders
from catalog.search import search_items
from catalog.selectors import market_of
from core.errors import DomainError
from core.money import ZERO, compute_totals, format_money
from orders.models import Order
from shipments.models import Warehouse


def selection_context(request, order: Order, *, bound: dict) -> dict:
    """The page's parts; `bound` holds the posted form that was refused (keyed by
    its part), shown with what was typed instead of a fresh one."""
    lines = list(order.lines.order_by("pk"))
    totals = compute_totals(lines, shipping=order.shipping_price, currency=order.currency)
    market = _market(order)
    methods = list(market.shipping_methods.all()) if market else []
    term = request.GET.get("q", "").strip()
    warehouses = list(Warehouse.objects.filter(is_active=True))
    hits = (
        search_items(term=term, pricelist=market.pricelist, warehouses=warehouses)
        if market and term
        else []
    )
    money = order.currency
    return {
        "market": market,
        "line_rows": [
            {
                "line": line,
                "price": format_money(line.unit_price, money),
                "total": format_money(amount, money),
            }
            for line, amount in zip(lines, totals.lines, strict=True)
        ],
        "totals": {
            "subtotal": format_money(totals.subtotal, money),
            "discount": format_money(totals.discount, money) if totals.discount else "",
            "shipping": format_money(totals.shipping, money),
            "tax": format_money(totals.tax, money),
            "grand_total": format_money(totals.grand_total, money),
        },
        "customer_form": bound.get("customer") or forms.CustomerForm(initial=_customer(order)),
        "term": term,
        "warehouses": warehouses,
        "hit_rows": [
            {"hit": hit, "price": format_money(hit.price, money) if hit.price is not None else ""}
            for hit in hits
        ],
        "catalogue_form": bound.get("catalogue"),
        "shipping_method_form": bound.get("shipping_method")
        or forms.ShippingMethodForm(
            methods=methods, initial={"shipping_method": order.shipping_method}
        ),
        "shipping_price_form": bound.get("shipping_price")
        or forms.ShippingPriceForm(currency=money, initial={"price": order.shipping_price}),
        "shipping_by_hand": order.shipping_price_by_hand,
        "notes_form": bound.get("notes") or forms.NotesForm(initial={"notes": order.notes}),
        "checkout_form": bound.get("checkout")
        or forms.CheckOutForm(choices=payment_choices(totals.grand_total)),
    }


def payment_choices(grand_total) -> list[tuple[str, str]]:
    """The ways to pay offered: "none" only when there is nothing to pay (and then
    only it); the service refuses the others' misuse all the same."""
    nothing_to_pay = grand_total <= ZERO
    return [
        (value, label)
        for value, label in staff_orders.PAYMENT_CHOICES
        if (value == "none") == nothing_to_pay
    ]


def _customer(order: Order) -> dict:
    return forms.CustomerForm.initial_of(order)


def _market(order: Order):
    try:
        return market_of(order.market)
    except DomainError:
        return None  # the page still shows; each step then says what is wrong
