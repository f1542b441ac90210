"""A selection filled and priced from the catalogue: the server's prices, never the client's."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from backoffice.services.selections import add_item, price_selection
from catalog.models import Item, Price
from core.errors import DomainError
from core.money import compute_totals
from orders.models import Order, OrderStatus
from tests.catalog_support import make_item, make_market
from tests.factories import FACTORY, OrderFactory
from tests.helpers import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def markets():
    """WEB sells in EUR to Sweden (25 %), US in USD to the US (0 %), UK in GBP (20 %)."""
    web = make_market(code="WEB", currency="EUR", countries=("SE",), tax="25.00")
    us = make_market(code="US", currency="USD", countries=("US",), tax="0.00", shipping="7.00")
    uk = make_market(code="UK", currency="GBP", countries=("GB",), tax="20.00", shipping="3.95")
    prices = {web.pricelist: "29.90", us.pricelist: "32.00", uk.pricelist: "24.90"}
    make_item("TEE-M", prices=prices)
    make_item("CAP-ONE", prices={**prices, web.pricelist: "35.00"}, name="Cap")
    return SimpleNamespace(web=web, us=us, uk=uk)


def empty_selection(market: str = "WEB", country: str = "SE") -> Order:
    return OrderFactory(market=market, billing_country=country, lines=[], shipping_method="")


def add(order: Order, sku: str, quantity: int = 1) -> Order:
    return add_item(order_id=order.pk, sku=sku, quantity=quantity, by=FACTORY)


def expected_total(order: Order) -> Decimal:
    rows = [
        SimpleNamespace(
            quantity=line.quantity,
            quantity_cancelled=0,
            unit_price=line.unit_price,
            tax_percent=line.tax_percent,
            discount=line.discount,
        )
        for line in order.lines.all()
    ]
    return compute_totals(rows, shipping=order.shipping_price, currency=order.currency).grand_total


def test_add_item_prices_from_the_markets_pricelist_and_the_countrys_tax(markets):
    order = add(add(add(empty_selection(), "TEE-M", 2), "CAP-ONE"), "TEE-M")

    lines = list(
        order.lines.order_by("pk").values_list("sku", "quantity", "unit_price", "tax_percent")
    )
    assert lines == [
        ("TEE-M", 3, Decimal("29.90"), Decimal("25.00")),
        ("CAP-ONE", 1, Decimal("35.00"), Decimal("25.00")),
    ]
    order.refresh_from_db()
    assert (order.currency, order.pricelist) == ("EUR", "EUR retail")
    assert (order.shipping_method, order.shipping_price) == ("Standard", Decimal("4.90"))
    assert order.grand_total == Decimal("129.60") == expected_total(order)


@pytest.mark.parametrize(
    ("market", "country", "currency", "price", "tax", "shipping"),
    [
        ("WEB", "SE", "EUR", "29.90", "25.00", "4.90"),
        ("US", "US", "USD", "32.00", "0.00", "7.00"),
        ("UK", "GB", "GBP", "24.90", "20.00", "3.95"),
    ],
)
def test_price_selection_follows_the_market_in_three_currencies(
    markets, market, country, currency, price, tax, shipping
):
    order = add(empty_selection(), "TEE-M", 2)
    Order.objects.filter(pk=order.pk).update(market=market, shipping_country=country)

    order = price_selection(order_id=order.pk, by=FACTORY)

    line = order.lines.get()
    assert (line.unit_price, line.tax_percent) == (Decimal(price), Decimal(tax))
    assert (order.currency, order.shipping_price) == (currency, Decimal(shipping))
    assert order.grand_total == Decimal(price) * 2 + Decimal(shipping) == expected_total(order)
    assert Order.objects.get(pk=order.pk).grand_total == order.grand_total


@pytest.mark.parametrize(
    ("sku", "quantity", "sentence"),
    [
        ("NOPE", 1, "NOPE is not for sale."),
        ("TEE-M", 0, "The quantity must be a whole number, 1 or more."),
        ("TEE-M", True, "The quantity must be a whole number, 1 or more."),
        ("TEE-M", 10_000, "At most 9999 units of an item fit in a selection."),
        ("CAP-ONE", 1, "CAP-ONE is not for sale."),
        ("TEE-L", 1, "TEE-L has no price in the EUR retail pricelist."),
    ],
)
def test_add_item_refuses_with_one_sentence_and_changes_nothing(markets, sku, quantity, sentence):
    Item.objects.filter(sku="CAP-ONE").update(is_active=False)
    item = make_item("TEE-L", prices={markets.us.pricelist: "30.00"})
    assert not Price.objects.filter(item=item, pricelist=markets.web.pricelist).exists()
    order = add(empty_selection(), "TEE-M")
    before = snapshot(order)

    with pytest.raises(DomainError) as refused:
        add(order, sku, quantity)

    assert str(refused.value) == sentence
    assert snapshot(order) == before


def test_a_placed_order_or_an_unknown_market_is_refused(markets):
    placed = OrderFactory(market="WEB", status=OrderStatus.PENDING)
    with pytest.raises(DomainError, match="is placed: its selection can no longer change"):
        add(placed, "TEE-M")
    nowhere = empty_selection(market="MARS")
    with pytest.raises(DomainError, match="Market MARS is not in the catalogue"):
        add(nowhere, "TEE-M")
    assert not nowhere.lines.exists()


def test_a_country_without_a_tax_rate_is_refused(markets):
    order = empty_selection(country="NO")
    before = snapshot(order)

    with pytest.raises(DomainError, match="There is no tax rate for NO"):
        add(order, "TEE-M")

    assert snapshot(order) == before
