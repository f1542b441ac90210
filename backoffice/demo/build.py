"""Building the demo: users, warehouses, a plan of stories; and resetting it."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count
from django.dispatch import Signal

from backoffice.demo.catalog import ARCHIVER, DEMO_USERS, make_selection
from backoffice.demo.shop import delete_catalogue, give_markets_allocation_rules, make_catalogue
from backoffice.demo.staff import tell_staff_stories
from backoffice.demo.stories import STORIES, Staff, Story, make_warehouses
from backoffice.demo.timeshift import move_into_the_past, ship_on_the_day_of_completion
from core.errors import DomainError
from orders import bulk
from orders.models import DeletedOrder, Order, StoreSettings
from payments.models import PaymentTransaction
from returns.models import Return
from shipments.models import Shipment, Stock, Warehouse


@dataclass
class Demo:
    """What was made, for the command's report."""

    statuses: Counter = field(default_factory=Counter)
    held: int = 0
    shipments: int = 0
    split_orders: int = 0
    warehouses: int = 0
    failed_payments: int = 0
    # Lines the packages above the back office add to the report (the shop's address).
    notes: list[str] = field(default_factory=list)


# The demo is built and reset here, below the storefront; the storefront app
# listens to make its demo shop and to remove storefronts before their markets go.
# `demo_built` receivers may answer a line for the command's report.
demo_built = Signal()
demo_resetting = Signal()


def demo_exists() -> bool:
    return Order.objects.exists()


def build_demo(*, orders: int, seed: int, progress: Callable[[str], None] = lambda _: None) -> Demo:
    store = StoreSettings.load()
    if store.autoconfirm or store.direct_to_shipment or store.direct_capture:
        # The stories take each step by hand (confirm, ship, capture).
        raise DomainError(
            "The demo needs the default store options: turn off Autoconfirm, "
            "Direct to Shipment and Direct Capture in the store settings first."
        )
    # One transaction for the whole demo: the services nest in it as savepoints, so
    # SQLite syncs to disk once, not once per order (a third of the time on a busy
    # disk); and a demo that fails half-way leaves nothing behind.
    # The five passwords' hashes (PBKDF2, about 2 s of CPU) are made on the other
    # core while the stories run; the users wait for them with unusable passwords.
    with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as hasher:
        hashes = {username: hasher.submit(make_password, username) for username in DEMO_USERS}
        progress("Users, groups and warehouses…")
        staff, created = make_users()
        demo = _build(orders=orders, rng=random.Random(seed), staff=staff, progress=progress)
        for user in created:
            user.password = hashes[user.username].result()
            user.save(update_fields=["password"])
    return demo


def _build(
    *, orders: int, rng: random.Random, staff: Staff, progress: Callable[[str], None]
) -> Demo:
    warehouses = make_warehouses(rng)
    make_catalogue()
    plan = _plan_stories(rng, orders)
    archive_ids: list[int] = []
    for index, (story_name, age_days) in enumerate(plan):
        order = make_selection(
            rng,
            index,
            failing_checkout=story_name == "declined",
            by_card=story_name in CARD_ONLY,
            min_lines=2 if story_name == "split" else 1,
        )
        story = Story(rng, staff, age_days, warehouses)
        STORIES[story_name](order, story)
        move_into_the_past([order.pk], days=age_days, pauses=story.pauses)
        ship_on_the_day_of_completion([order.pk])
        if story_name == "archived":
            archive_ids.append(order.pk)
        if (index + 1) % 50 == 0 or index + 1 == len(plan):
            progress(f"{index + 1} of {len(plan)} orders made.")
    # Old completed orders go the way they would in production: the cron command.
    progress("Archiving the old completed orders…")
    bulk.archive_orders(queryset=Order.objects.filter(pk__in=archive_ids), by=ARCHIVER)
    # Orders placed from now on (the shop's) reserve stock at placement; the
    # stories' orders above took theirs at shipment and keep doing so.
    give_markets_allocation_rules(warehouses)
    progress("Orders staff made: a phone order, an exchange, a resend…")
    staff_note = tell_staff_stories(staff)
    notes = [staff_note, *(note for _, note in demo_built.send(sender=Demo) if note)]
    return Demo(
        notes=notes,
        statuses=Counter(Order.objects.values_list("status", flat=True)),
        held=Order.objects.filter(on_hold=True).count(),
        shipments=Shipment.objects.count(),
        split_orders=Order.objects.annotate(n=Count("shipments")).filter(n__gt=1).count(),
        warehouses=Warehouse.objects.count(),
        failed_payments=PaymentTransaction.objects.filter(outcome="failed").count(),
    )


def make_users() -> tuple[Staff, list]:
    """The demo users, and those of them made just now (with unusable passwords)."""
    User = get_user_model()
    made, created = {}, []
    for username, group in DEMO_USERS.items():
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.com", "is_staff": True},
        )
        if is_new:
            user.is_superuser = group is None
            user.set_unusable_password()
            user.save()
            created.append(user)
        if group:
            user.groups.add(Group.objects.get(name=group))
        made[username] = user
    staff = Staff(
        customer_service=made["customer-service"],
        warehouse=made["warehouse"],
        finance=made["finance"],
    )
    return staff, created


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
    "capture_requested": 5,
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
    "capture_requested": (0, 14),
    "declined": (0, 999),
}


# Stories about the provider declining: the test gateway can, invoices never do.
CARD_ONLY = {"declined", "failed_capture", "capture_requested"}


def reset_demo() -> None:
    """Delete every order (and what hangs off it), the stock, warehouses and demo users."""
    with transaction.atomic():
        demo_resetting.send(sender=Demo)
        # A return holds its shipment's lines (protected): it goes first.
        Return.objects.all().delete()
        Order.objects.all().delete()
        DeletedOrder.objects.all().delete()
        Stock.objects.all().delete()
        delete_catalogue()
        Warehouse.objects.all().delete()
        get_user_model().objects.filter(username__in=DEMO_USERS).delete()
