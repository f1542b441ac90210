"""Vouchers: a code per market, a percentage or a fixed amount off the items, spread
over the lines by the one pricing path so the slices add up to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import Voucher
from core.money import spread_discount
from storefront.api.tokens import digest
from storefront.models import CheckoutSession
from tests.checkout_support import Api, make_shop

D = Decimal
NBSP = "\u00a0"

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda n: D(n).scaleb(-2))


@given(amounts=st.lists(cents, min_size=1, max_size=8), discount=cents)
def test_spread_discount_adds_up_to_the_cent_and_never_exceeds_a_line(amounts, discount):
    slices = spread_discount(amounts, discount, "EUR")

    assert sum(slices, D(0)) == min(discount, sum(amounts, D(0)))
    for amount, slice_ in zip(amounts, slices, strict=True):
        assert D(0) <= slice_ <= amount
        assert slice_ == slice_.quantize(D("0.01"))


def test_spread_discount_in_a_currency_without_decimals():
    assert spread_discount([D(100), D(200), D(300)], D(100), "JPY") == [D(17), D(33), D(50)]


@pytest.fixture
def shop(db):
    shop = make_shop()
    Voucher.objects.create(market=shop.web, code="TEN", percent=D("10"), description="10 %")
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
        {"voucher": "TEN", "description": "10 %", "priceOff": f"-9.48{NBSP}EUR",
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
