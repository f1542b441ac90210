"""Vouchers through the Checkout API: `POST /vouchers`, `DELETE /vouchers[/{code}]`; the
discount is the selection's pricing path's (backoffice.services.selections.add_voucher)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Voucher
from storefront.api.tokens import digest
from storefront.models import CheckoutSession
from tests.checkout_support import Api, make_shop

D = Decimal
NBSP = "\u00a0"


@pytest.fixture
def shop(db):
    shop = make_shop()
    Voucher.objects.create(market=shop.web, code="TEN", percent=D("10"))
    Voucher.objects.create(market=shop.web, code="FIVE", amount=D("5.00"))
    Voucher.objects.create(market=shop.us, code="USONLY", amount=D("1.00"))
    return shop


@pytest.fixture
def api(shop):
    return Api(secret=shop.secret)


def order_of(api):
    return CheckoutSession.objects.get(token_hash=digest(api.token)).selection


def test_a_percentage_voucher_discounts_the_lines_and_the_totals(api):
    api.post("items/TEE-M/quantity/2")  # 59.80
    api.post("items/CAP-ONE")  # 35.00

    response = api.post("vouchers", {"voucher": "ten"})

    assert response.status_code == 200
    discounts = response.data["selection"]["discounts"]
    assert discounts["anyDiscount"] is True
    assert discounts["vouchers"] == [
        {"voucher": "TEN", "description": "TEN", "priceOff": f"-9.48{NBSP}EUR",
         "priceOffAsNumber": -9.48}
    ]  # fmt: skip
    totals = response.data["selection"]["totals"]
    assert totals["totalDiscountPriceAsNumber"] == -9.48
    assert totals["grandTotalPriceAsNumber"] == 90.22  # 94.80 − 9.48 + 4.90
    order = order_of(api)
    assert sum(line.discount for line in order.lines.all()) == D("9.48")
    assert order.grand_total == D("90.22")


def test_a_fixed_voucher_and_its_removal(api):
    api.post("items/TEE-M")

    added = api.post("vouchers", {"voucher": "FIVE"})
    removed = api.delete("vouchers/FIVE")
    again = api.delete("vouchers/FIVE")

    assert added.data["selection"]["totals"]["grandTotalPriceAsNumber"] == 29.8  # 29.90 − 5 + 4.90
    assert removed.data["selection"]["totals"]["grandTotalPriceAsNumber"] == 34.8
    assert removed.data["selection"]["discounts"]["vouchers"] == []
    assert again.status_code == 200  # a known code not in use
    assert order_of(api).lines.get().discount == D("0.00")


def test_delete_vouchers_with_the_code_in_the_body(api):
    api.post("items/TEE-M")
    api.post("vouchers", {"voucher": "FIVE"})

    response = api.delete("vouchers", {"voucher": "FIVE"})

    assert response.data["selection"]["discounts"]["vouchers"] == []


@pytest.mark.parametrize("code", ["NOPE", "USONLY", ""])
def test_an_unknown_voucher_or_one_of_another_market_is_404(api, code):
    api.post("items/TEE-M")

    response = api.post("vouchers", {"voucher": code})

    assert response.status_code == 404
    assert response.data["errors"] == {"voucher": "not found"}
    assert order_of(api).grand_total == D("34.80")


def test_moving_to_another_market_drops_its_vouchers(api):
    api.post("items/TEE-M")
    api.post("vouchers", {"voucher": "TEN"})

    response = api.put("countries/US")

    assert response.data["selection"]["discounts"]["vouchers"] == []
    assert response.data["selection"]["totals"]["grandTotalPriceAsNumber"] == 39.0


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("3600", "SEK", "3\u00a0600.00\u00a0SEK"),
        ("1234567.5", "EUR", "1\u00a0234\u00a0567.50\u00a0EUR"),
        ("-9.48", "EUR", "-9.48\u00a0EUR"),
        ("1500", "JPY", "1\u00a0500\u00a0JPY"),
    ],
)
def test_format_price_is_centras_no_break_spaced_format(amount, currency, shown):
    from core.money import format_price

    assert format_price(D(amount), currency) == shown


def test_a_second_voucher_replaces_the_first(api):
    api.post("items/TEE-M")
    api.post("vouchers", {"voucher": "TEN"})

    response = api.post("vouchers", {"voucher": "five"})

    assert [v["voucher"] for v in response.data["selection"]["discounts"]["vouchers"]] == ["FIVE"]
    assert response.data["selection"]["totals"]["grandTotalPriceAsNumber"] == 29.8
