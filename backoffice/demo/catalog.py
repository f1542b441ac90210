"""What the demo shop sells, where, to whom, and how its orders start as selections."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from core import roles
from core.actors import process
from core.money import compute_totals, quantize
from orders import services
from orders.models import HoldKind, Order

# The shop checks out through its integration; the archive runs as the command would.
STOREFRONT = process("integration", "storefront")


ARCHIVER = process("command", "archive_orders")


# username → (group, or None for the superuser). Passwords equal the username:
# a demo on a developer's machine, never a production setup.
DEMO_USERS = {
    "admin": None,
    "customer-service": roles.CUSTOMER_SERVICE,
    "warehouse": roles.WAREHOUSE,
    "finance": roles.FINANCE,
    "backoffice-admin": roles.BACKOFFICE_ADMIN,
}


@dataclass(frozen=True)
class Market:
    code: str
    currency: str
    countries: tuple[str, ...]
    language: str
    cities: tuple[str, ...]


MARKETS = (
    Market("EU", "EUR", ("DE", "FR", "NL"), "en", ("Berlin", "Lyon", "Utrecht", "Hamburg")),
    Market("SE", "SEK", ("SE",), "sv", ("Stockholm", "Göteborg", "Malmö", "Uppsala")),
    Market("US", "USD", ("US",), "en", ("Brooklyn", "Portland", "Austin", "Chicago")),
    Market("UK", "GBP", ("GB",), "en", ("London", "Leeds", "Bristol", "Glasgow")),
    Market("DK", "DKK", ("DK",), "da", ("København", "Aarhus", "Odense")),
)


# How much of each currency one euro of list price is, rounded to .90/.00 prices.
RATES = {"EUR": 1, "SEK": 11, "USD": Decimal("1.1"), "GBP": Decimal("0.85"), "DKK": Decimal("7.5")}


TAX = {"EUR": "19.00", "SEK": "25.00", "USD": "0.00", "GBP": "20.00", "DKK": "25.00"}


PRODUCTS = (
    ("TEE-ORGANIC", "Organic cotton tee", ("XS", "S", "M", "L", "XL"), Decimal("29")),
    ("HOODIE-LOOP", "Loopback hoodie", ("S", "M", "L", "XL"), Decimal("89")),
    ("JEANS-STRAIGHT", "Straight jeans", ("28/32", "30/32", "32/32", "34/34"), Decimal("119")),
    ("SNEAKER-LOW", "Low-top sneaker", ("38", "39", "40", "41", "42", "43", "44"), Decimal("139")),
    ("CAP-WOOL", "Wool cap", ("One size",), Decimal("35")),
    ("SOCKS-3PK", "Socks, 3-pack", ("36-40", "41-45"), Decimal("19")),
    ("JACKET-RAIN", "Rain jacket", ("S", "M", "L"), Decimal("179")),
    ("TOTE-CANVAS", "Canvas tote", ("One size",), Decimal("25")),
)


FIRST_NAMES = ("Anna", "Erik", "Maja", "Oscar", "Lea", "Noah", "Sofia", "Liam", "Ella", "Hugo")


LAST_NAMES = ("Andersson", "Müller", "Smith", "Jensen", "Dubois", "Brown", "Berg", "Novak")


STREETS = ("Main Street", "Storgatan", "Kirkestræde", "Rue Verte", "Hauptstraße", "Park Lane")


HOLDS = (
    (HoldKind.FRAUD_CHECK, "Billing and shipping country differ; verifying with the customer."),
    (HoldKind.PAYMENT_MISMATCH, "Authorized amount differs from the order total after an edit."),
    (HoldKind.WAITING_FOR_PAYMENT, "Invoice customer: waiting for the bank transfer."),
    (HoldKind.MANUAL, "Customer asked us to wait for a second item before shipping."),
)


CANCEL_REASONS = (
    "Customer changed their mind.",
    "Suspected fraud: card holder did not confirm.",
    "Out of stock, customer chose a refund.",
    "Duplicate order.",
)


CARRIERS = (("PostNord", "PN"), ("DHL Express", "JD"), ("UPS", "1Z"), ("Bring", "BR"))


def make_selection(
    rng: random.Random, index: int, *, failing_checkout: bool, by_card: bool, min_lines: int
) -> Order:
    market = rng.choice(MARKETS)
    country = rng.choice(market.countries)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}"
    street = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
    city = rng.choice(market.cities)
    lines = [_line(rng, product, market.currency) for product in _basket(rng, min_lines)]
    method = "test" if by_card or rng.random() >= 0.15 else "invoice"
    shipping = _shipping_price(lines, market.currency, failing_checkout=failing_checkout)
    return services.create_selection(
        by=STOREFRONT,
        lines=lines,
        currency=market.currency,
        market=market.code,
        pricelist=pricelist_name(market.currency),
        language=market.language,
        customer_email=f"{first}.{last}.{index}@example.com".lower(),
        customer_name=name,
        billing_name=name,
        billing_street=street,
        billing_city=city,
        billing_zipcode=f"{rng.randint(10000, 99999)}",
        billing_country=country,
        shipping_name=name,
        shipping_street=street,
        shipping_city=city,
        shipping_zipcode=f"{rng.randint(10000, 99999)}",
        shipping_country=country,
        shipping_method=rng.choice(["Standard", "Express", "Pick-up point"]),
        shipping_price=shipping,
        payment_method=method,
        notes="Leave at the door." if rng.random() < 0.1 else "",
        gift_message="Happy birthday!" if rng.random() < 0.05 else "",
    )


def _basket(rng: random.Random, min_lines: int) -> list[tuple]:
    return rng.sample(PRODUCTS, k=max(min_lines, rng.choice([1, 1, 2, 2, 3, 4])))


def _line(rng: random.Random, product: tuple, currency: str) -> dict:
    sku, name, variants, euro_price = product
    variant = rng.choice(variants)
    price = shop_price(euro_price, currency)
    quantity = rng.choice([1, 1, 1, 2, 3])
    discount = Decimal("10.00") if rng.random() < 0.15 else Decimal("0.00")
    return {
        "sku": sku_of(sku, variant),
        "product_name": name,
        "variant": variant,
        "quantity": quantity,
        "unit_price": price,
        "tax_percent": Decimal(TAX[currency]),
        "discount": min(discount, price * quantity),
    }


def _shipping_price(lines: list[dict], currency: str, *, failing_checkout: bool) -> Decimal:
    """A shipping price; the test gateway declines totals ending in .13, so only
    the story that wants a declined checkout gets such a total."""
    shipping = Decimal("4.90")
    rows = [SimpleNamespace(quantity_cancelled=0, **line) for line in lines]
    total = compute_totals(rows, shipping=shipping, currency=currency).grand_total
    cents = (total * 100) % 100
    if failing_checkout:
        return shipping + (Decimal(13) - cents) / 100 + (1 if cents > 13 else 0)
    return shipping + Decimal("0.01") if cents == 13 else shipping


def all_skus() -> list[str]:
    return [sku_of(sku, variant) for sku, _, variants, _ in PRODUCTS for variant in variants]


def sku_of(sku: str, variant: str) -> str:
    return f"{sku}-{variant}".replace(" ", "").replace("/", "-").upper()


def shop_price(euro_price: Decimal, currency: str) -> Decimal:
    """A shop price: a whole amount in the local currency, less ten cents ("499.90")."""
    whole = (euro_price * Decimal(RATES[currency])).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return quantize(whole - Decimal("0.10"), currency)


def pricelist_name(currency: str) -> str:
    return f"{currency} retail"
