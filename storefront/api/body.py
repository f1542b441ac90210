"""The selection as every Checkout API answer shows it, and the receipt of an order.

One builder for every endpoint: the amounts are the order's own (its lines'
prices from the catalogue, totals from `core.money.compute_totals`), each shown
as Centra shows them: a formatted string ("3\u00a0600.00\u00a0SEK") and its
`…AsNumber`. An item is named by its SKU; a line by its id, as a string.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.text import slugify

from catalog.models import Item, Market, ShippingMethod
from core.money import ZERO, compute_totals, currency_places, format_price, line_amount, quantize
from orders.models import Order, OrderLine, OrderStatus
from payments.hosted import checkout_methods
from storefront.api import places
from storefront.api.context import Checkout

ADDRESS_FIELDS = ("firstName", "lastName", "address1", "address2", "zipCode", "city", "state")
ADDRESS_FIELDS += ("country", "email", "phoneNumber")
# What `POST /payment` needs of the buyer (`required`), and the rest a shop may show.
PAYMENT_FIELDS = {
    "email": ("email", True),
    "firstName": ("text", True),
    "lastName": ("text", True),
    "address1": ("text", True),
    "address2": ("text", False),
    "zipCode": ("text", True),
    "city": ("text", True),
    "phoneNumber": ("tel", False),
    "country": ("select", True),
}
RECEIPT_STATUS = {
    OrderStatus.PENDING: "untouched",
    OrderStatus.CONFIRMED: "progress",
}


def price(amount: Decimal, currency: str, name: str) -> dict:
    """`name` formatted and `nameAsNumber`."""
    amount = quantize(amount, currency)
    return {name: format_price(amount, currency), f"{name}AsNumber": float(amount)}


def method_id(method: ShippingMethod) -> str:
    """A shipping method's id in the API: its name as a slug, unique in its market."""
    return slugify(method.name)


def empty_selection(checkout: Checkout) -> Order:
    """What a session without a stored selection shows: the storefront's market,
    its first country and default shipping. Never saved."""
    market = checkout.storefront.market
    country = market.countries.order_by("country").values_list("country", flat=True).first()
    method = market.shipping_methods.filter(is_default=True).first()
    return Order(
        market=market.code,
        pricelist=market.pricelist.name,
        currency=market.pricelist.currency,
        language=checkout.storefront.language,
        billing_country=country or "",
        shipping_country=country or "",
        shipping_method=method.name if method else "",
        shipping_price=method.price if method else ZERO,
    )


def selection_response(checkout: Checkout, order: Order | None = None) -> dict:
    """`token` and the whole selection: what every cart call answers."""
    order = order or checkout.selection() or empty_selection(checkout)
    lines = list(order.lines.order_by("pk")) if order.pk else []
    market = Market.objects.filter(code=order.market).first()
    methods = list(market.shipping_methods.all()) if market else []
    return {
        **token_of(checkout),
        "selection": selection_of(checkout, order, lines, methods),
        "paymentMethods": [
            {
                "paymentMethod": m.id,
                "name": m.name,
                "paymentMethodType": m.provider,
                "supportsInitiateOnly": False,
                "providesCustomerAddressAfterPayment": False,
                "handlingCost": format_price(ZERO, order.currency),
                "handlingCostAsNumber": 0.0,
            }
            for m in checkout_methods()
        ],
        "paymentFields": payment_fields(),
        "shippingMethods": [
            {
                "shippingMethod": method_id(m),
                "name": m.name,
                **price(m.price, order.currency, "price"),
            }
            for m in methods
        ],
        "countries": places.country_rows(checkout.storefront),
        "languages": places.language_list(checkout.storefront),
        "location": places.location(order, checkout.storefront),
        "loggedIn": False,
    }


def token_of(checkout: Checkout | None) -> dict:
    return {"token": checkout.token} if checkout and checkout.token else {}


def selection_of(
    checkout: Checkout, order: Order, lines: list[OrderLine], methods: list[ShippingMethod]
) -> dict:
    currency = order.currency
    totals = compute_totals(lines, shipping=order.shipping_price, currency=currency)
    catalogue = {
        item.sku: item
        for item in Item.objects.select_related("product").filter(sku__in=[x.sku for x in lines])
    }
    shipping = next((m for m in methods if m.name == order.shipping_method), None)
    payment = order.payment_method or next((m.id for m in checkout_methods()), "")
    payment_name = next((m.name for m in checkout_methods() if m.id == payment), "")
    return {
        "language": order.language,
        "currency": currency,
        "paymentMethod": payment,
        "paymentMethodName": payment_name,
        "shippingMethod": method_id(shipping) if shipping else "",
        "shippingMethodName": order.shipping_method,
        "items": [item_of(line, catalogue.get(line.sku), currency) for line in lines],
        "discounts": discounts_of(order, totals, currency),
        "totals": totals_of(totals, lines),
        "vatExempt": False,
        "address": address_of(order, "billing"),
        "shippingAddress": address_of(order, "shipping"),
        "additionalNotes": order.notes,
        "currencyFormat": currency_format(currency),
    }


def item_of(line: OrderLine, item: Item | None, currency: str) -> dict:
    active = line.quantity - line.quantity_cancelled
    total = line_amount(line, active, currency)
    each = quantize(total / active, currency) if active else ZERO
    without_tax = each - quantize(each * line.tax_percent / (100 + line.tax_percent), currency)
    product = item.product if item else None
    return {
        "item": line.sku,
        "line": str(line.pk),
        "sku": line.sku,
        "ean": item.ean if item else "",
        "size": line.variant,
        "quantity": active,
        **price(each, currency, "priceEach"),
        **price(total, currency, "totalPrice"),
        **price(line.unit_price, currency, "priceEachBeforeDiscount"),
        "anyDiscount": bool(line.discount),
        "taxPercent": float(line.tax_percent),
        **price(without_tax, currency, "priceEachWithoutTax"),
        **price(line.unit_price - each, currency, "priceEachReduction"),
        "product": {
            "product": str(product.pk) if product else "",
            "name": line.product_name,
            "uri": product.uri if product else "",
            "variantName": line.variant,
            "sku": line.sku,
            "media": {"standard": []},
        },
    }


def discounts_of(order: Order, totals, currency: str) -> dict:
    """A selection's one discount is its voucher's (`Order.voucher`), on its lines."""
    vouchers = (
        [{"voucher": order.voucher, "description": order.voucher,
          **price(-totals.discount, currency, "priceOff")}]
        if order.voucher
        else []
    )  # fmt: skip
    return {
        "anyDiscount": bool(totals.discount),
        **price(-totals.discount, currency, "discount"),
        "vouchers": vouchers,
        "automaticDiscounts": [],
    }


def totals_of(totals, lines: list[OrderLine]) -> dict:
    currency = totals.currency
    percents = {line.tax_percent for line in lines}
    return {
        **price(totals.subtotal, currency, "itemsTotalPrice"),
        **(
            price(-totals.discount, currency, "totalDiscountPrice")
            if totals.discount
            else {"totalDiscountPrice": False, "totalDiscountPriceAsNumber": 0.0}
        ),
        **price(totals.shipping, currency, "shippingPrice"),
        **price(ZERO, currency, "handlingCostPrice"),
        "totalQuantity": sum(line.quantity - line.quantity_cancelled for line in lines),
        **price(totals.tax, currency, "taxDeducted"),
        **price(ZERO, currency, "taxAdded"),
        # One rate when every line has the same (the usual case: one country's).
        "taxPercent": float(percents.pop()) if len(percents) == 1 else 0.0,
        **price(totals.grand_total, currency, "grandTotalPrice"),
        **price(totals.tax, currency, "grandTotalPriceTax"),
    }


def address_of(order: Order, kind: str) -> dict:
    """The address as the selection holds it: the name split at its first space, the
    street in `address1`."""
    name = getattr(order, f"{kind}_name")
    first, _, last = name.partition(" ")
    return {
        "firstName": first,
        "lastName": last,
        "address1": getattr(order, f"{kind}_street"),
        "address2": "",
        "zipCode": getattr(order, f"{kind}_zipcode"),
        "city": getattr(order, f"{kind}_city"),
        "state": "",
        "country": getattr(order, f"{kind}_country"),
        "email": order.customer_email if kind == "billing" else "",
        "phoneNumber": "",
    }


def currency_format(currency: str) -> dict:
    return {
        "currency": currency,
        "name": currency,
        "prefix": "",
        "suffix": f"\u00a0{currency}",
        "decimalPoint": ".",
        "thousandsSeparator": "\u00a0",
        "decimalDigits": currency_places(currency),
        "uri": currency.lower(),
    }


def payment_fields() -> dict:
    return {
        "address": {
            name: {"type": kind, "required": required, "visible": True}
            for name, (kind, required) in PAYMENT_FIELDS.items()
        },
        "termsAndConditions": {"type": "checkbox", "required": True, "visible": True},
    }


def receipt_response(checkout: Checkout, order: Order) -> dict:
    """`GET /receipt` and `POST /payment-result`: the placed order in Centra's shape."""
    lines = list(order.lines.order_by("pk"))
    market = Market.objects.filter(code=order.market).first()
    methods = list(market.shipping_methods.all()) if market else []
    shown = selection_of(checkout, order, lines, methods)
    for kind, key in (("billing", "address"), ("shipping", "shippingAddress")):
        shown[key]["countryName"] = places.country_name(getattr(order, f"{kind}_country"))
    return {
        **token_of(checkout),
        "order": {
            "order": str(order.number),
            "status": RECEIPT_STATUS.get(order.status, "progress"),
            "statusDescription": order.get_status_display(),
            "date": (order.placed_at or order.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            "affiliateHtml": "",
            **shown,
            "giftMessage": order.gift_message,
            "paymentMethodData": {},
        },
        "languages": places.language_list(checkout.storefront),
        "countries": places.country_rows(checkout.storefront),
        "location": places.location(order, checkout.storefront),
    }
