"""Money through the whole purchase: for generated selections (several lines, a voucher,
shipping, three tax rates, three currencies) the receipt's totals, the order's totals
and the authorization are equal to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import ShippingMethod, Voucher
from core.money import compute_totals, format_price
from orders.models import Order
from storefront.api.tokens import new_secret
from storefront.models import Storefront
from tests.catalog_support import make_item, make_market
from tests.checkout_support import Api
from tests.test_checkout_api_flow import pay_at_the_provider

pytestmark = pytest.mark.django_db

# (market, currency, country, tax): three currencies, three rates, one without decimals.
MARKETS = (("EU", "EUR", "SE", "25.00"), ("US", "USD", "US", "7.25"), ("JP", "JPY", "JP", "10.00"))
PRICES = {
    "EUR": ("29.90", "35.00", "119.95", "4.99"),
    "USD": ("32.00", "38.50", "129.99", "5.49"),
    "JPY": ("3900", "4500", "15800", "650"),
}
SKUS = ("TEE-M", "CAP-ONE", "JACKET-L", "SOCKS-2")


@pytest.fixture
def secret(store):
    markets = {}
    for code, currency, country, tax in MARKETS:
        shipping = "500" if currency == "JPY" else "4.90"
        market = make_market(
            code=code, currency=currency, countries=(country,), tax=tax, shipping=shipping
        )
        express = "1200" if currency == "JPY" else "12.90"
        ShippingMethod.objects.create(market=market, name="Express", price=express)
        off = "700" if currency == "JPY" else "7.00"
        Voucher.objects.create(market=market, code="PCT", percent=Decimal("15"))
        Voucher.objects.create(market=market, code="FIXED", amount=Decimal(off))
        markets[currency] = market
    for index, sku in enumerate(SKUS):
        make_item(
            sku,
            prices={m.pricelist: PRICES[c][index] for c, m in markets.items()},
            name=f"Product {index}",
        )
    secret, hashed = new_secret()
    Storefront.objects.create(name="web", market=markets["EUR"], secret_hash=hashed)
    return secret


baskets = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(min_value=1, max_value=4)), min_size=1, max_size=4
)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    market=st.sampled_from(MARKETS),
    basket=baskets,
    voucher=st.sampled_from(["", "PCT", "FIXED"]),
    shipping=st.sampled_from(["standard", "express"]),
)
def test_receipt_order_and_authorization_agree_to_the_cent(
    secret, market, basket, voucher, shipping
):
    _code, currency, country, _tax = market
    api = Api(secret=secret)
    assert api.put(f"countries/{country}").status_code == 200
    for sku, quantity in basket:
        assert api.post(f"items/{sku}/quantity/{quantity}").status_code == 201
    if voucher:
        assert api.post("vouchers", {"voucher": voucher}).status_code == 200
    shown = api.put(f"shipping-methods/{shipping}").data["selection"]["totals"]

    fields = pay_at_the_provider(api, "approve", country=country)
    receipt = api.post("payment-result", {"paymentMethodFields": fields})

    assert receipt.status_code == 200, receipt.data
    order = Order.objects.get(number=int(receipt.data["order"]["order"]))
    totals = receipt.data["order"]["totals"]
    expected = compute_totals(
        order.lines.all(), shipping=order.shipping_price, currency=order.currency
    )
    assert order.currency == currency
    assert order.grand_total == expected.grand_total == order.payment.authorized_amount
    assert totals["grandTotalPrice"] == shown["grandTotalPrice"]
    assert totals["grandTotalPrice"] == format_price(order.grand_total, currency)
    assert totals["taxDeducted"] == format_price(expected.tax, currency)
    items = receipt.data["order"]["items"]
    assert sum(Decimal(str(i["totalPriceAsNumber"])) for i in items) == (
        expected.subtotal - expected.discount
    )
