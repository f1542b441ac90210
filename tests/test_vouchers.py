"""Vouchers: a percentage or a fixed amount off a selection's lines, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from backoffice.services.selections import add_voucher, price_selection, remove_voucher
from catalog.models import Voucher
from core.errors import DomainError
from core.money import compute_totals, currency_places, quantize, spread, voucher_discounts
from orders.models import Order
from tests.factories import FACTORY
from tests.helpers import snapshot
from tests.test_selections import add, empty_selection, markets  # noqa: F401 (fixture)

CURRENCIES = st.sampled_from(["EUR", "SEK", "JPY", "KWD"])
GROSS = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)


@given(
    currency=CURRENCIES,
    amount=st.decimals(min_value=0, max_value=100_000, places=2),
    weights=st.lists(GROSS, min_size=1, max_size=8),
)
# Half a yen: the amount is rounded as all money is (half up), not as Decimal's
# default context would (half even: 2476).
@example(currency="JPY", amount=Decimal("2476.50"), weights=[Decimal("0.01")])
def test_spread_adds_up_exactly_and_follows_the_weights(currency, amount, weights):
    shares = spread(amount, weights, currency)
    places = currency_places(currency)
    target = quantize(amount, currency) if any(weights) else Decimal(0)

    assert sum(shares) == target
    assert all(share >= 0 for share in shares)
    assert all(share == share.quantize(Decimal(1).scaleb(-places)) for share in shares)
    total = sum(weights)
    unit = Decimal(1).scaleb(-places)
    for share, weight in zip(shares, weights, strict=True):
        # Each share is within one minor unit of its exact part.
        if total:
            assert abs(share - target * weight / total) < unit + unit / 100


@given(
    # Line prices have cents: currencies with at least two decimal places.
    currency=st.sampled_from(["EUR", "SEK", "KWD"]),
    grosses=st.lists(GROSS, min_size=1, max_size=8),
    amount=st.decimals(min_value=Decimal("0.01"), max_value=1_000_000, places=2),
)
def test_a_fixed_voucher_never_takes_more_than_the_lines_cost(currency, grosses, amount):
    discounts = voucher_discounts(grosses, amount=amount, currency=currency)

    assert all(discount <= gross for discount, gross in zip(discounts, grosses, strict=True))
    assert sum(discounts) == (min(amount, sum(grosses)) if any(grosses) else 0)


@pytest.mark.django_db
class TestOnASelection:
    @pytest.fixture
    def order(self, markets):  # noqa: F811
        Voucher.objects.create(market=markets.web, code="TENOFF", amount=Decimal("10.00"))
        Voucher.objects.create(market=markets.web, code="SALE15", percent=Decimal("15"))
        return add(add(empty_selection(), "TEE-M", 2), "CAP-ONE")  # 2 × 29.90 + 35.00

    def lines(self, order: Order) -> list[tuple[str, Decimal]]:
        return list(order.lines.order_by("pk").values_list("sku", "discount"))

    def test_a_fixed_voucher_is_shared_by_the_lines_price(self, order):
        order = add_voucher(order_id=order.pk, code="tenoff", by=FACTORY)

        # 10.00 over 59.80 and 35.00: 6.31 and 3.69.
        assert self.lines(order) == [("TEE-M", Decimal("6.31")), ("CAP-ONE", Decimal("3.69"))]
        assert order.voucher == "TENOFF"
        assert order.grand_total == Decimal("59.80") + Decimal("35.00") - 10 + Decimal("4.90")
        totals = compute_totals(order.lines.all(), shipping=order.shipping_price, currency="EUR")
        assert totals.grand_total == order.grand_total
        assert totals.discount == Decimal("10.00")

    def test_a_percentage_voucher_takes_its_share_of_every_line(self, order):
        order = add_voucher(order_id=order.pk, code="SALE15", by=FACTORY)

        assert self.lines(order) == [("TEE-M", Decimal("8.97")), ("CAP-ONE", Decimal("5.25"))]

    def test_the_discount_follows_the_lines(self, order):
        add_voucher(order_id=order.pk, code="SALE15", by=FACTORY)
        order = add(order, "TEE-M")

        assert self.lines(order) == [("TEE-M", Decimal("13.46")), ("CAP-ONE", Decimal("5.25"))]

    def test_removing_the_voucher_takes_its_discount_off(self, order):
        add_voucher(order_id=order.pk, code="TENOFF", by=FACTORY)
        order = remove_voucher(order_id=order.pk, code="TenOff", by=FACTORY)

        assert order.voucher == ""
        assert self.lines(order) == [("TEE-M", Decimal("0.00")), ("CAP-ONE", Decimal("0.00"))]
        assert order.grand_total == Decimal("99.70")

    def test_an_unknown_code_is_refused_and_changes_nothing(self, order, markets):  # noqa: F811
        Voucher.objects.create(market=markets.us, code="USONLY", percent=Decimal("50"))
        before = snapshot(order)
        for code in ("NOPE", "USONLY", ""):
            with pytest.raises(DomainError) as refused:
                add_voucher(order_id=order.pk, code=code, by=FACTORY)
            assert str(refused.value) == f"There is no voucher “{code}” in this market."
        assert snapshot(order) == before

    def test_a_voucher_switched_off_is_dropped_at_the_next_pricing(self, order):
        add_voucher(order_id=order.pk, code="TENOFF", by=FACTORY)
        Voucher.objects.filter(code="TENOFF").update(is_active=False)

        order = price_selection(order_id=order.pk, by=FACTORY)

        assert order.voucher == ""
        assert order.grand_total == Decimal("99.70")
