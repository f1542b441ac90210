"""A deterministic, realistic demo data set for `manage.py demo`.

Every order is made through the services, by the staff user whose job it is
(the storefront checks out, customer service confirms, holds and cancels, the
warehouse ships, finance captures, the archive command archives), so each
history, ledger row and stock movement is one the back office would really
have. Afterwards each order's whole history is moved back in time as one piece
(`_move_into_the_past`: every timestamp of the order and of the rows under it by
the same amount), so the demo has weeks of past without inventing any event.

The same `seed` gives the same data.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from types import SimpleNamespace

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import models, transaction
from django.db.models import Count, F
from django.utils import timezone

from backoffice import services as backoffice
from core import roles
from core.actors import process
from core.errors import DomainError
from core.money import compute_totals, quantize
from orders import bulk, services
from orders.models import DeletedOrder, HoldKind, Order, StoreSettings
from payments.models import PaymentTransaction
from shipments import services as shipment_services
from shipments.models import Shipment, Stock, Warehouse

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


@dataclass
class Demo:
    """What was made, for the command's report."""

    statuses: Counter = field(default_factory=Counter)
    held: int = 0
    shipments: int = 0
    split_orders: int = 0
    warehouses: int = 0
    failed_payments: int = 0


@dataclass
class Staff:
    """Who does what in the stories: each step by the group whose job it is."""

    customer_service: AbstractBaseUser
    warehouse: AbstractBaseUser
    finance: AbstractBaseUser


def demo_exists() -> bool:
    return Order.objects.exists()


def build_demo(*, orders: int, seed: int, progress: Callable[[str], None] = lambda _: None) -> Demo:
    rng = random.Random(seed)
    demo = Demo()
    store = StoreSettings.load()
    if store.autoconfirm or store.direct_to_shipment or store.direct_capture:
        # The stories take each step by hand (confirm, ship, capture).
        raise DomainError(
            "The demo needs the default store options: turn off Autoconfirm, "
            "Direct to Shipment and Direct Capture in the store settings first."
        )
    staff = _make_users()
    warehouses = _make_warehouses(rng)
    plan = _plan_stories(rng, orders)
    archive_ids: list[int] = []
    for index, (story_name, age_days) in enumerate(plan):
        order = _make_selection(
            rng,
            index,
            failing_checkout=story_name == "declined",
            by_card=story_name in CARD_ONLY,
            min_lines=2 if story_name == "split" else 1,
        )
        STORIES[story_name](order, Story(rng, staff, age_days, warehouses))
        _move_into_the_past([order.pk], days=age_days)
        if story_name == "archived":
            archive_ids.append(order.pk)
        if (index + 1) % 50 == 0:
            progress(f"{index + 1} orders made.")
    # Old completed orders go the way they would in production: the cron command.
    bulk.archive_orders(queryset=Order.objects.filter(pk__in=archive_ids), by=ARCHIVER)
    demo.statuses = Counter(Order.objects.values_list("status", flat=True))
    demo.held = Order.objects.filter(on_hold=True).count()
    demo.shipments = Shipment.objects.count()
    demo.split_orders = Order.objects.annotate(n=Count("shipments")).filter(n__gt=1).count()
    demo.warehouses = Warehouse.objects.count()
    demo.failed_payments = PaymentTransaction.objects.filter(outcome="failed").count()
    return demo


# Users


def _make_users() -> Staff:
    User = get_user_model()
    made = {}
    for username, group in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.com", "is_staff": True},
        )
        if created:
            user.is_superuser = group is None
            user.set_password(username)
            user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
        made[username] = user
    return Staff(
        customer_service=made["customer-service"],
        warehouse=made["warehouse"],
        finance=made["finance"],
    )


# What happens to each order


def _plan_stories(rng: random.Random, count: int) -> list[tuple[str, float]]:
    """(story, age in days) per order, oldest first, so numbers and dates agree.

    Old orders are mostly done (archived, completed, cancelled), recent ones
    still open; every story appears at least once whatever the count.
    """
    ages = sorted((rng.uniform(0, 100) for _ in range(count)), reverse=True)
    plan = [(_story_for_age(rng, age), age) for age in ages]
    for story, (low, high) in REQUIRED_AGE.items():
        counts = Counter(name for name, _ in plan)
        if counts[story]:
            continue
        spare = [i for i, (name, age) in enumerate(plan) if low <= age < high and counts[name] > 1]
        if spare:
            index = rng.choice(spare)
            plan[index] = (story, plan[index][1])
    return plan


def _story_for_age(rng: random.Random, age: float) -> str:
    bands = OLD if age >= 40 else MIDDLE if age >= 10 else RECENT
    stories, weights = zip(*bands.items(), strict=True)
    return rng.choices(stories, weights)[0]


# Stories by age band, with weights.
OLD = {"archived": 60, "completed": 15, "cancelled": 15, "abandoned": 10}
MIDDLE = {
    "completed": 45,
    "processing": 15,
    "cancelled": 10,
    "confirmed": 10,
    "abandoned": 10,
    "split": 10,
    "held": 5,
}
RECENT = {
    "pending": 20,
    "confirmed": 15,
    "held": 25,
    "processing": 15,
    "split": 10,
    "failed_capture": 5,
    "declined": 5,
    "abandoned": 10,
    "cancelled": 5,
}
# Where a missing story may be put: (min age, max age) in days.
REQUIRED_AGE = {
    "archived": (31, 999),
    "completed": (0, 999),
    "cancelled": (0, 999),
    "abandoned": (0, 999),
    "pending": (0, 999),
    "confirmed": (0, 999),
    "held": (0, 999),
    "processing": (0, 999),
    "split": (0, 999),
    "failed_capture": (0, 999),
    "declined": (0, 999),
}


# Stories about the provider declining: the test gateway can, invoices never do.
CARD_ONLY = {"declined", "failed_capture"}


def _make_selection(
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
        pricelist=f"{market.currency} retail",
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
    # Shop prices: a whole amount in the local currency, less ten cents ("499.90").
    whole = (euro_price * Decimal(RATES[currency])).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    price = quantize(whole - Decimal("0.10"), currency)
    quantity = rng.choice([1, 1, 1, 2, 3])
    discount = Decimal("10.00") if rng.random() < 0.15 else Decimal("0.00")
    return {
        "sku": _sku(sku, variant),
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


@dataclass
class Story:
    """What a story needs besides its order."""

    rng: random.Random
    staff: Staff
    age_days: float
    warehouses: Warehouses


def _checkout(order: Order) -> Order:
    return backoffice.checkout_order(order_id=order.pk, by=STOREFRONT)


def _confirm(order: Order, story: Story) -> Order:
    _checkout(order)
    _later(order, story, hours=(0.2, 20))
    return services.confirm_order(order_id=order.pk, by=story.staff.customer_service)


def _later(order: Order, story: Story, *, hours: tuple[float, float]) -> None:
    """What the story does next happens some hours after what it did so far."""
    _move_into_the_past([order.pk], days=story.rng.uniform(*hours) / 24)


def abandoned(order, story):
    """A cart that never checked out."""


def declined(order, story):
    """Checkout declined by the provider: stays a selection with a failed authorization."""
    try:
        _checkout(order)
    except DomainError:
        return
    raise AssertionError(f"{order} should have been declined at checkout.")


def pending(order, story):
    _checkout(order)


def confirmed(order, story):
    _confirm(order, story)


def held(order, story):
    kind, reason = story.rng.choice(HOLDS)
    where = story.rng.random()
    if kind == HoldKind.WAITING_FOR_PAYMENT or where < 0.4:
        _checkout(order)
    elif where < 0.7:
        _confirm(order, story)
    else:
        _confirm(order, story)
        _ship(order, story)
    _later(order, story, hours=(0.1, 6))
    services.hold_order(
        order_id=order.pk, by=story.staff.customer_service, kind=kind, reason=reason
    )


def cancelled(order, story):
    where = story.rng.random()
    if where < 0.4:
        _checkout(order)
    else:
        _confirm(order, story)
        if where > 0.75:  # cancelling deletes the open shipment and releases its stock
            _later(order, story, hours=(1, 20))
            _ship(order, story)
    _later(order, story, hours=(1, 48))
    reason = story.rng.choice(CANCEL_REASONS)
    backoffice.cancel_order(order_id=order.pk, by=story.staff.customer_service, reason=reason)


def processing(order, story):
    """One shipment on its way: created, maybe good-to-go, maybe paid."""
    _confirm(order, story)
    _later(order, story, hours=(1, 24))
    shipment = _ship(order, story)
    progress = story.rng.random()
    if progress < 0.7:
        _later(order, story, hours=(1, 10))
        _good_to_go(shipment, story)
    if progress < 0.35:
        _later(order, story, hours=(0.5, 5))
        _pay(shipment, order, story)


def completed(order, story):
    _confirm(order, story)
    _later(order, story, hours=(1, 24))
    _ship_through(_ship(order, story), order, story)


def split(order, story):
    """Shipped in two parts from two warehouses; the second may still be on its way."""
    _confirm(order, story)
    _later(order, story, hours=(1, 24))
    lines = list(order.lines_with_shipped())
    first = {line.pk: line.quantity_unshipped for line in lines[: len(lines) // 2]}
    if not first:  # one line: ship part of its units first
        first = {lines[0].pk: lines[0].quantity_unshipped // 2}
    _ship_through(
        _ship(order, story, quantities=first, warehouse=story.warehouses.store), order, story
    )
    _later(order, story, hours=(6, 72))
    rest = _ship(order, story)
    if story.age_days >= 7:
        _ship_through(rest, order, story)
    else:
        _good_to_go(rest, story)


def failed_capture(order, story):
    """Good-to-go, but the provider declined the capture (the ledger says why)."""
    from payments.errors import PaymentDeclined
    from payments.models import Payment

    _confirm(order, story)
    _later(order, story, hours=(1, 24))
    shipment = _ship(order, story)
    _good_to_go(shipment, story)
    # The test gateway's switch for declining: a provider setting, not a state.
    Payment.objects.filter(order=order).update(test_decline="capture")
    _later(order, story, hours=(1, 8))
    try:
        shipment_services.capture_shipment(shipment_id=shipment.pk, by=story.staff.finance)
    except PaymentDeclined:
        return
    raise AssertionError(f"{order}'s capture should have been declined.")


STORIES: dict[str, Callable[[Order, Story], None]] = {
    "abandoned": abandoned,
    "declined": declined,
    "pending": pending,
    "confirmed": confirmed,
    "held": held,
    "cancelled": cancelled,
    "processing": processing,
    "split": split,
    "completed": completed,
    "archived": completed,  # then archived by the command, once old enough
    "failed_capture": failed_capture,
}


# Warehouses and shipments


@dataclass
class Warehouses:
    europe: Warehouse
    america: Warehouse
    store: Warehouse  # a shop's back room: little stock, ships parts of orders

    def home(self, order: Order) -> Warehouse:
        return self.america if order.market == "US" else self.europe


def _make_warehouses(rng: random.Random) -> Warehouses:
    made = Warehouses(
        europe=Warehouse.objects.get_or_create(name="Stockholm DC", defaults={"priority": 1})[0],
        america=Warehouse.objects.get_or_create(name="New Jersey 3PL", defaults={"priority": 2})[0],
        store=Warehouse.objects.get_or_create(name="Berlin store", defaults={"priority": 3})[0],
    )
    for sku in _all_skus():
        for warehouse, most in ((made.europe, 120), (made.america, 80), (made.store, 12)):
            shipment_services.receive_stock(
                warehouse_id=warehouse.pk, sku=sku, quantity=rng.randint(most // 2, most)
            )
    return made


def _all_skus() -> list[str]:
    return [_sku(sku, variant) for sku, _, variants, _ in PRODUCTS for variant in variants]


def _sku(sku: str, variant: str) -> str:
    return f"{sku}-{variant}".replace(" ", "").replace("/", "-").upper()


def _ship(
    order: Order,
    story: Story,
    *,
    quantities: dict[int, int] | None = None,
    warehouse: Warehouse | None = None,
) -> Shipment:
    """A shipment of `quantities` (default: all that is left), restocking if it ran out."""
    warehouse = warehouse or story.warehouses.home(order)
    if quantities is None:
        quantities = {
            line.pk: line.quantity_unshipped
            for line in order.lines_with_shipped()
            if line.quantity_unshipped
        }
    _restock(order, warehouse, quantities)
    return shipment_services.create_shipment(
        order_id=order.pk,
        warehouse_id=warehouse.pk,
        quantities=quantities,
        by=story.staff.warehouse,
    )


def _restock(order: Order, warehouse: Warehouse, quantities: dict[int, int]) -> None:
    """A supplier delivery when the warehouse has fewer units than the shipment needs."""
    skus = dict(order.lines.filter(pk__in=quantities).values_list("pk", "sku"))
    available = shipment_services.available_by_sku(warehouse=warehouse, skus=skus.values())
    for line_id, quantity in quantities.items():
        missing = quantity - available.get(skus[line_id], 0)
        if missing > 0:
            shipment_services.receive_stock(
                warehouse_id=warehouse.pk, sku=skus[line_id], quantity=missing + 20
            )


def _good_to_go(shipment: Shipment, story: Story) -> None:
    shipment_services.mark_good_to_go(shipment_id=shipment.pk, by=story.staff.warehouse)


def _pay(shipment: Shipment, order: Order, story: Story) -> None:
    if order.payment_method == "invoice":
        shipment_services.mark_shipment_paid(
            shipment_id=shipment.pk,
            by=story.staff.finance,
            reference=f"Bank transfer {story.rng.randint(100000, 999999)}",
        )
    else:
        shipment_services.capture_shipment(shipment_id=shipment.pk, by=story.staff.finance)


def _ship_through(shipment: Shipment, order: Order, story: Story) -> None:
    """Good-to-go, paid, and handed to the carrier."""
    _later(order, story, hours=(1, 12))
    _good_to_go(shipment, story)
    _later(order, story, hours=(0.5, 6))
    _pay(shipment, order, story)
    _later(order, story, hours=(2, 30))
    carrier, prefix = story.rng.choice(CARRIERS)
    shipment_services.complete_shipment(
        shipment_id=shipment.pk,
        tracking_number=f"{prefix}{story.rng.randint(10**9, 10**10 - 1)}",
        carrier=carrier,
        # The history is moved back by the order's age afterwards; the date goes with it.
        shipped_date=(timezone.now() - timedelta(days=story.age_days)).date(),
        by=story.staff.warehouse,
    )


CARRIERS = (("PostNord", "PN"), ("DHL Express", "JD"), ("UPS", "1Z"), ("Bring", "BR"))


# Time


def _move_into_the_past(order_ids: list[int], *, days: float) -> None:
    """Move every timestamp of the orders, and of every row under them, `days` back.

    The whole history moves as one piece, so its order and its gaps are kept;
    no status or event is touched otherwise.
    """
    delta = timedelta(days=days)
    for model, path in _models_under_order():
        stamps = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        if stamps:
            model.objects.filter(**{f"{path}__in": order_ids}).update(
                **{name: F(name) - delta for name in stamps}
            )


@cache
def _models_under_order() -> list[tuple[type[models.Model], str]]:
    """Order itself, and each model reaching it through one or two foreign keys."""
    found = [(Order, "pk")]
    for model in apps.get_models():
        for fk in _foreign_keys(model):
            if fk.related_model is Order:
                found.append((model, fk.name))
                break
            inner = next(
                (f for f in _foreign_keys(fk.related_model) if f.related_model is Order), None
            )
            if inner and fk.related_model is not model:
                found.append((model, f"{fk.name}__{inner.name}"))
                break
    return found


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def reset_demo() -> None:
    """Delete every order (and what hangs off it), the stock, warehouses and demo users."""
    with transaction.atomic():
        Order.objects.all().delete()
        DeletedOrder.objects.all().delete()
        Stock.objects.all().delete()
        Warehouse.objects.all().delete()
        get_user_model().objects.filter(username__in=DEMO_USERS).delete()
