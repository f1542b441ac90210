"""manage.py demo: realistic, deterministic, made through the services, safe to rerun."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format

from catalog.models import AllocationPriority, CountryTax, Item, Market, Price, Product
from orders.models import Order, OrderEvent, OrderLine, OrderStatus, StoreSettings
from payments.models import PaymentTransaction
from returns.models import Return
from shipments.models import Allocation, Shipment, Stock
from storefront.models import Storefront

S = OrderStatus


def run_demo(**options) -> str:
    out = StringIO()
    call_command("demo", stdout=out, **options)
    return out.getvalue()


def fingerprint() -> list[tuple]:
    return list(
        Order.objects.order_by("created_at", "id").values_list(
            "status", "on_hold", "market", "currency", "grand_total", "customer_email"
        )
    )


@pytest.mark.django_db
def test_demo_makes_every_status_and_the_logins():
    output = run_demo(orders=30, seed=7)

    assert set(Order.objects.values_list("status", flat=True)) == set(S.values)
    assert Order.objects.filter(on_hold=True).exclude(hold_reason="").exists()
    assert Order.objects.values("currency").distinct().count() >= 3
    split = Order.objects.annotate(n=Count("shipments")).filter(n__gte=2)
    assert split.filter(shipments__warehouse__name="Berlin store").exists()
    assert Stock.objects.filter(on_hand__gt=0).values("warehouse").distinct().count() == 3
    assert PaymentTransaction.objects.filter(kind="capture", outcome="failed").exists()
    # A capture requested at a provider that settles later, not settled yet.
    assert PaymentTransaction.objects.filter(kind="capture").open_requests().exists()
    assert PaymentTransaction.objects.filter(kind="authorize", outcome="failed").exists()
    archived = Order.objects.filter(status=S.ARCHIVED).first()
    assert archived.events.filter(transition="archive").get().actor == "command:archive_orders"
    assert archived.completed_at < timezone.now() - timedelta(days=30)
    # Every order's history starts with its selection and follows on step by step.
    for order in Order.objects.all():
        events = list(OrderEvent.objects.filter(order=order, subject="order").order_by("id"))
        assert events[0].transition == "create_selection"
        for before, after in pairwise(events):
            assert after.from_state in ("", before.to_state), (order, before, after)
    # A shipment completed weeks ago says so on the timeline, not "shipped today".
    completions = OrderEvent.objects.filter(subject="shipment", transition="complete")
    old = [event for event in completions if event.created_at < timezone.now() - timedelta(days=2)]
    assert old
    for event in completions:
        shipped = Shipment.objects.get(pk=event.data["shipment_id"]).shipped_date
        assert shipped == timezone.localdate(event.created_at)
        assert f"shipped {date_format(shipped)} with" in event.message
        assert event.data["shipped_date"] == shipped.isoformat()
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="warehouse").groups.get().name == "Warehouse"
    assert users.get(username="finance").check_password("finance")
    # The 30 stories' orders and three staff made: a phone order, an exchange, a resend.
    assert "customer-service" in output and "Demo data: 33 orders" in output
    staff_made = Order.objects.exclude(origin="storefront")
    assert set(staff_made.values_list("origin", flat=True)) == {"back_office", "exchange", "resend"}
    assert "Orders staff made (docs/staff-orders.md): phone order" in output
    # The demo shop at /shop/ buys through its storefront, client-side from runserver.
    shop = Storefront.objects.get(name="demo-shop")
    assert (shop.market.code, shop.secret_hash) == ("EU", "")
    assert shop.allowed_origins == ""
    assert "/shop/" in output


@pytest.mark.django_db
def test_demo_twice_does_nothing_and_reset_rebuilds_the_same_data(settings):
    settings.DEBUG = True
    run_demo(orders=20, seed=3)
    first = fingerprint()
    # Staff's exchange takes a unit of an order's first shipment, not whichever of
    # its shipments the database returns first (a rebuild once exchanged another
    # unit, and the exchange order's total and hold differed).
    exchanged = Return.objects.get(exchange_order__isnull=False).shipment
    assert exchanged.order.shipments.count() > 1
    assert exchanged.sequence == 1

    assert "not created again" in run_demo(orders=20, seed=3)
    assert fingerprint() == first

    run_demo(orders=20, seed=3, reset=True)
    assert fingerprint() == first
    assert Storefront.objects.get().name == "demo-shop"
    run_demo(orders=20, seed=4, reset=True)
    assert fingerprint() != first


@pytest.mark.django_db
def test_demo_refuses_store_options_its_stories_do_by_hand():
    StoreSettings.objects.update_or_create(pk=1, defaults={"autoconfirm": True})

    with pytest.raises(CommandError, match="needs the default store options"):
        run_demo(orders=5)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_demo_catalogue_sells_every_line_at_the_price_charged():
    run_demo(orders=20, seed=5)

    prices = {
        (sku, pricelist): amount
        for sku, pricelist, amount in Price.objects.values_list(
            "item__sku", "pricelist__name", "amount"
        )
    }
    lines = OrderLine.objects.values_list("sku", "order__pricelist", "unit_price")
    assert lines.exists()
    for sku, pricelist, unit_price in lines:
        assert prices[sku, pricelist] == unit_price
    taxes = dict(CountryTax.objects.values_list("country", "percent"))
    for country, tax in OrderLine.objects.values_list("order__shipping_country", "tax_percent"):
        assert taxes[country] == tax
    markets = set(Market.objects.values_list("code", flat=True))
    assert markets == {"DK", "EU", "SE", "UK", "US"}
    assert set(Order.objects.values_list("market", flat=True)) <= markets
    # The stories allocate at shipment (no order reserved at placement); the rules
    # come afterwards, for the orders the demo shop and staff place.
    reserving = Allocation.objects.values_list("order_line__order__origin", flat=True)
    assert set(reserving) <= {"back_office", "exchange", "resend"}
    rules = AllocationPriority.objects.order_by("priority")
    assert rules.filter(market__code="US").first().warehouse.name == "New Jersey 3PL"
    assert rules.filter(market__code="SE").first().warehouse.name == "Stockholm DC"
    assert rules.values("market").distinct().count() == len(markets)
    assert Item.objects.exclude(ean__regex=r"^\d{13}$").count() == 0
    # Every product is on a shelf the Checkout API lists.
    assert not Product.objects.filter(categories=None).exists()
