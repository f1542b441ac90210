"""The Checkout API's cart: every call answers the whole selection in Centra's shape,
priced by the server; every refusal is `errors` keyed by field with the reference's status."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import Order, OrderStatus
from payments.models import PaymentAttempt
from storefront.api.tokens import digest
from storefront.models import CheckoutSession
from tests.checkout_support import Api, make_shop

pytestmark = pytest.mark.django_db

RESPONSE = {"token", "selection", "paymentMethods", "paymentFields", "shippingMethods"}
RESPONSE |= {"countries", "languages", "location", "loggedIn"}
SELECTION = {"language", "currency", "paymentMethod", "paymentMethodName", "shippingMethod"}
SELECTION |= {"shippingMethodName", "items", "discounts", "totals", "vatExempt", "address"}
SELECTION |= {"shippingAddress", "additionalNotes", "currencyFormat"}
ITEM = {"item", "line", "sku", "ean", "size", "quantity", "priceEach", "priceEachAsNumber"}
ITEM |= {"totalPrice", "totalPriceAsNumber", "priceEachBeforeDiscount", "anyDiscount"}
ITEM |= {"priceEachBeforeDiscountAsNumber", "taxPercent", "priceEachWithoutTax", "product"}
ITEM |= {"priceEachWithoutTaxAsNumber", "priceEachReduction", "priceEachReductionAsNumber"}
TOTALS = {"itemsTotalPrice", "totalDiscountPrice", "shippingPrice", "handlingCostPrice"}
TOTALS |= {"taxDeducted", "taxAdded", "grandTotalPrice", "grandTotalPriceTax"}
TOTALS = {*TOTALS, *(f"{name}AsNumber" for name in TOTALS), "totalQuantity", "taxPercent"}
LOCATION = {"country", "name", "state", "stateName", "eu", "shipTo", "language", "market"}
LOCATION |= {"pricelist"}
ADDRESS = {"email", "firstName", "lastName", "address1", "address2", "zipCode", "city"}
ADDRESS |= {"phoneNumber", "country"}
NBSP = "\u00a0"


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def api(shop):
    return Api(secret=shop.secret)


def selection_of(api) -> Order:
    session = CheckoutSession.objects.get(token_hash=digest(api.token))
    return session.selection


def assert_selection_shape(data: dict) -> None:
    assert set(data) == RESPONSE
    assert set(data["selection"]) == SELECTION
    assert set(data["selection"]["totals"]) == TOTALS
    assert set(data["selection"]["discounts"]) >= {"anyDiscount", "vouchers", "automaticDiscounts"}
    assert set(data["location"]) == LOCATION
    assert set(data["paymentFields"]["address"]) == ADDRESS
    for field in data["paymentFields"]["address"].values():
        assert set(field) == {"type", "required", "visible"}
    assert set(data["paymentFields"]["termsAndConditions"]) == {"type", "required", "visible"}
    for item in data["selection"]["items"]:
        assert set(item) == ITEM
        assert isinstance(item["line"], str)
    for method in data["shippingMethods"]:
        assert set(method) == {"shippingMethod", "name", "price", "priceAsNumber"}
    for method in data["paymentMethods"]:
        assert {"paymentMethod", "name"} <= set(method)
    assert set(data["selection"]["currencyFormat"]) >= {
        "currency", "name", "prefix", "suffix", "decimalPoint", "decimalDigits", "uri"
    }  # fmt: skip


# --- every endpoint, its exact shape -------------------------------------------------


def test_get_selection_without_a_token_answers_an_empty_selection_and_stores_nothing(api):
    response = api.get("selection")

    assert response.status_code == 200
    assert_selection_shape(response.data)
    assert response.data["selection"]["items"] == []
    assert response.data["selection"]["currency"] == "EUR"
    assert response.data["location"]["market"] == "WEB"
    assert not CheckoutSession.objects.exists() and not Order.objects.exists()


def test_post_item_prices_from_the_catalogue_in_the_shops_format(api):
    response = api.post("items/TEE-M/quantity/2")

    assert response.status_code == 201
    assert_selection_shape(response.data)
    (item,) = response.data["selection"]["items"]
    assert (item["item"], item["sku"], item["size"], item["quantity"]) == ("TEE-M", "TEE-M", "M", 2)
    assert item["priceEach"] == f"29.90{NBSP}EUR" and item["totalPriceAsNumber"] == 59.8
    assert item["taxPercent"] == 25.0
    totals = response.data["selection"]["totals"]
    assert totals["grandTotalPrice"] == f"64.70{NBSP}EUR"  # 59.80 + 4.90 shipping
    assert totals["taxDeducted"] == f"11.96{NBSP}EUR"  # the lines' tax (compute_totals)
    order = selection_of(api)
    assert order.status == OrderStatus.INCOMPLETE and order.grand_total == Decimal("64.70")
    assert str(order.pk) not in {str(v) for v in response.data["selection"].values()}


def test_post_item_twice_raises_its_line(api):
    api.post("items/TEE-M")
    response = api.post("items/TEE-M")

    (item,) = response.data["selection"]["items"]
    assert item["quantity"] == 2
    assert response.data["selection"]["totals"]["totalQuantity"] == 2


def test_line_calls_set_raise_lower_and_remove(api):
    line = api.post("items/TEE-M").data["selection"]["items"][0]["line"]

    assert api.put(f"lines/{line}/quantity/5").data["selection"]["items"][0]["quantity"] == 5
    assert api.post(f"lines/{line}/quantity/2").data["selection"]["items"][0]["quantity"] == 7
    lowered = api.delete(f"lines/{line}/quantity/3")
    assert lowered.status_code == 200
    assert lowered.data["selection"]["items"][0]["quantity"] == 4
    assert api.delete(f"lines/{line}/quantity/9").data["selection"]["items"] == []
    line = api.post("items/CAP-ONE").data["selection"]["items"][0]["line"]
    removed = api.delete(f"lines/{line}")
    assert removed.status_code == 200 and removed.data["selection"]["items"] == []
    line = api.post("items/CAP-ONE").data["selection"]["items"][0]["line"]
    assert api.put(f"lines/{line}/quantity/0").data["selection"]["items"] == []
    assert_selection_shape(removed.data)


def test_put_country_moves_the_selection_to_its_market_and_drops_what_it_does_not_sell(api):
    api.post("items/TEE-M")
    api.post("items/CAP-ONE")

    response = api.put("countries/US", {"language": "sv"})

    assert response.status_code == 200
    assert_selection_shape(response.data)
    assert response.data["selection"]["currency"] == "USD"
    assert [i["sku"] for i in response.data["selection"]["items"]] == ["TEE-M"]
    assert response.data["location"] | {} == {
        "country": "US", "name": "United States", "state": "", "stateName": "", "eu": False,
        "shipTo": True, "language": "sv", "market": "US", "pricelist": "USD retail",
    }  # fmt: skip
    assert response.data["selection"]["totals"]["grandTotalPriceAsNumber"] == 39.0  # 32 + 7


def test_put_language(api):
    response = api.put("languages/sv")

    assert response.status_code == 200
    assert response.data["selection"]["language"] == "sv"
    assert_selection_shape(response.data)


def test_put_shipping_method_prices_its_shipping(api):
    api.post("items/TEE-M")

    response = api.put("shipping-methods/express")

    assert response.data["selection"]["shippingMethod"] == "express"
    assert response.data["selection"]["shippingMethodName"] == "Express"
    assert response.data["selection"]["totals"]["shippingPriceAsNumber"] == 9.9
    assert {m["shippingMethod"] for m in response.data["shippingMethods"]} == {
        "standard",
        "express",
    }


def test_put_payment_method(api):
    response = api.put("payment-methods/test")

    assert response.status_code == 200
    assert response.data["selection"]["paymentMethod"] == "test"
    assert selection_of(api).payment_method == "test"


def test_put_payment_fields_keeps_what_was_typed_and_fills_the_selection(api):
    api.post("items/TEE-M")
    address = {
        "firstName": "Anna", "lastName": "Berg", "address1": "Storgatan 1", "address2": "",
        "zipCode": "11122", "city": "Stockholm", "country": "se", "email": "Anna@Example.com",
        "phoneNumber": "+4670000000",
    }  # fmt: skip

    response = api.put("payment-fields", {"address": address, "termsAndConditions": True})

    assert response.status_code == 200
    shown = response.data["selection"]["address"]
    assert (shown["firstName"], shown["lastName"], shown["address1"]) == (
        "Anna",
        "Berg",
        "Storgatan 1",
    )
    assert shown["country"] == "SE"
    order = selection_of(api)
    assert (order.customer_email, order.billing_name, order.shipping_city) == (
        "anna@example.com",
        "Anna Berg",
        "Stockholm",
    )
    assert order.shipping_country == "SE"
    assert response.data["location"]["country"] == "SE"


def test_put_selection_server_side_sets_market_country_and_language(api):
    response = api.put(
        "selection", {"market": "US", "pricelist": "USD retail", "country": "US", "language": ""}
    )

    assert response.status_code == 200
    assert_selection_shape(response.data)
    location = response.data["location"]
    assert (location["market"], location["pricelist"], location["country"]) == (
        "US",
        "USD retail",
        "US",
    )
    assert CheckoutSession.objects.count() == 1


# --- errors ---------------------------------------------------------------------------


def test_unknown_item_is_404(api):
    response = api.post("items/NOPE")

    assert response.status_code == 404
    assert response.data == {"token": api.token, "errors": {"item": "product item not found"}}
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "errors"),
    [
        ("PUT", "lines/999/quantity/2", {"line": "not found"}),
        ("DELETE", "lines/abc", {"line": "not found"}),
        ("PUT", "shipping-methods/pigeon", {"shippingMethod": "not found"}),
        ("PUT", "payment-methods/cash", {"paymentMethod": "not found"}),
        ("PUT", "countries/XX", {"country": "not found"}),
        ("PUT", "languages/xx", {"language": "not found"}),
        ("GET", "no-such-call", {"uri": "not found"}),
    ],
)
def test_unknown_things_are_404_with_their_field(api, method, path, errors):
    api.post("items/TEE-M")
    before = selection_of(api).grand_total

    response = api.call(method, path)

    assert response.status_code == 404
    assert response.data == {"token": api.token, "errors": errors}
    assert selection_of(api).grand_total == before


def test_validation_is_406_with_dotted_keys_and_changes_nothing(api):
    api.post("items/TEE-M")
    order = selection_of(api)

    bad_email = api.put("payment-fields", {"address": {"email": "not-mail"}})
    bad_country = api.put("payment-fields", {"address": {"country": "ZZ"}})
    too_many = api.put(f"lines/{order.lines.get().pk}/quantity/10000")

    assert (bad_email.status_code, bad_country.status_code, too_many.status_code) == (406,) * 3
    assert bad_email.data["errors"] == {"address.email": "not a valid e-mail address"}
    assert bad_country.data["errors"] == {"address.country": "not a country the shop ships to"}
    assert too_many.data["errors"] == {
        "quantity": "At most 9999 units of an item fit in a selection."
    }
    order.refresh_from_db()
    assert order.customer_email == "" and order.lines.get().quantity == 1


def test_a_selection_being_paid_refuses_changes_with_409(api):
    api.post("items/TEE-M")
    order = selection_of(api)
    PaymentAttempt.objects.create(
        order=order, reference="r1", provider="test", payment_method="test",
        amount=order.grand_total, currency="EUR", return_page="https://shop.test/ok",
        by="storefront:web", expires_at=timezone.now() + timedelta(minutes=30),
    )  # fmt: skip

    for method, path in [("POST", "items/TEE-M"), ("PUT", "countries/US"), ("PUT", "languages/sv")]:
        response = api.call(method, path)
        assert response.status_code == 409
        assert "payment in progress" in response.data["errors"]["selection"]
    assert order.lines.get().quantity == 1
    assert api.get("selection").status_code == 200


def test_origin_not_allowed_is_401(shop):
    shop.storefront.allowed_origins = "https://shop.example"
    shop.storefront.save()

    refused = Api(origin="https://evil.example").get("selection")
    allowed = Api(origin="https://shop.example").get("selection")

    assert refused.status_code == 401
    assert refused.data == {"errors": {"origin": "not allowed"}}
    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.example"


def test_a_same_origin_page_without_origin_header_is_its_own_origin(shop):
    """Browsers send no `Origin` on a same-origin GET, only `Sec-Fetch-Site`."""
    shop.storefront.allowed_origins = "http://testserver"
    shop.storefront.save()

    own_page = Api().get("selection", **{"Sec-Fetch-Site": "same-origin"})
    elsewhere = Api().get("selection", **{"Sec-Fetch-Site": "cross-site"})

    assert own_page.status_code == 200
    assert elsewhere.status_code == 401
    assert elsewhere.data == {"errors": {"origin": "not allowed"}}


def test_no_answer_may_be_cached(shop):
    api = Api()
    answers = [api.get("selection"), api.post("items/TEE-M"), Api().get("nowhere")]

    assert [answer["Cache-Control"] for answer in answers] == ["no-store"] * 3


def test_a_wrong_secret_is_401_and_client_side_cannot_set_the_market(shop):
    assert Api(secret="guess").get("selection").status_code == 401
    client_side = Api().put("selection", {"market": "US"})
    assert client_side.status_code == 401
    assert "authorization" in client_side.data["errors"]


@pytest.mark.parametrize(
    ("send", "status", "field"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "body"),
        ({"data": "a=1", "content_type": "application/x-www-form-urlencoded"}, 415, "contentType"),
    ],
)
def test_drf_refusals_take_centras_shape(api, send, status, field):
    response = api.client.generic(
        "PUT", "/api/checkout/payment-fields", send["data"], content_type=send["content_type"],
        headers={"Authorization": f"Bearer {api.secret}"},
    )  # fmt: skip

    assert response.status_code == status
    assert set(response.json()) == {"token", "errors"} and field in response.json()["errors"]


def test_method_not_allowed_is_405_in_centras_shape(api):
    response = api.call("PATCH", "selection")

    assert response.status_code == 405
    assert set(response.data["errors"]) == {"method"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "GET"])
def test_no_redirect_with_or_without_a_trailing_slash(api, method):
    for path in ("items/TEE-M", "items/TEE-M/", "selection/", "payment"):
        assert api.call(method, path).status_code not in (301, 302, 308)


# --- the token ------------------------------------------------------------------------


def test_the_token_is_stored_hashed_at_the_first_change_and_kept_for_the_whole_purchase(api):
    first = api.get("selection").data["token"]
    assert not CheckoutSession.objects.exists()

    added = api.post("items/TEE-M")
    again = api.get("selection")

    assert added.data["token"] == again.data["token"] == first
    session = CheckoutSession.objects.get()
    assert session.token_hash == digest(first) and first not in session.token_hash
    assert session.expires_at - session.last_used_at == timedelta(days=30)
    assert again.data["selection"]["items"][0]["sku"] == "TEE-M"


@pytest.mark.parametrize("sent", ["", "made-up-token", "abc:def:ghi"])
def test_a_missing_or_unknown_token_gets_a_new_one(api, sent):
    response = api.get("selection", token=sent)

    assert response.data["token"] and response.data["token"] != sent


def test_an_expired_session_gets_a_new_token_and_an_empty_selection(api):
    api.post("items/TEE-M")
    old = api.token
    CheckoutSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.get("selection")

    assert response.data["token"] != old
    assert response.data["selection"]["items"] == []


def test_token_in_the_accept_header_on_a_get(api):
    api.post("items/TEE-M")

    response = api.get("selection", token="", Accept=f"*/*; api-token={api.token}")

    assert response.status_code == 200
    assert response.data["token"] == api.token
    assert len(response.data["selection"]["items"]) == 1


def test_api_token_none_answers_no_token_and_stores_nothing(api):
    response = api.get("languages", token="none")

    assert response.status_code == 200 and "token" not in response.data
    refused = api.post("items/TEE-M", token="none")
    assert refused.status_code == 406 and "token" in refused.data["errors"]
    assert not CheckoutSession.objects.exists() and not Order.objects.exists()


def test_tokenless_catalogue_calls_store_nothing(api):
    for method, path in [
        ("GET", "languages"), ("GET", "countries"), ("GET", "markets"), ("GET", "pricelists"),
        ("POST", "categories"), ("POST", "products"), ("GET", "selection"),
    ]:  # fmt: skip
        response = api.call(method, path, token="")
        assert response.status_code == 200 and response.data["token"]
    assert not CheckoutSession.objects.exists() and not Order.objects.exists()


def test_get_selection_reads_in_seven_queries_whatever_its_size(
    api, shop, django_assert_max_num_queries
):
    """Storefront, session (with its selection), lines, market, shipping methods,
    catalogue items, countries: one query each, however many lines."""
    from tests.catalog_support import make_item

    for n in range(6):
        make_item(f"EXTRA-{n}", prices={shop.web.pricelist: "10.00"}, name=f"Extra {n}")
        api.post(f"items/EXTRA-{n}")
    api.put("payment-fields", {"address": {"email": "a@example.com"}})

    with django_assert_max_num_queries(7):
        response = api.get("selection")

    assert len(response.data["selection"]["items"]) == 6


def test_adding_an_item_reads_as_many_queries_for_many_lines(api, shop):
    """Pricing reads every line's price at once: a bigger cart costs no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.catalog_support import make_item

    def adding(sku: str) -> int:
        make_item(sku, prices={shop.web.pricelist: "10.00"}, name=sku)
        with CaptureQueriesContext(connection) as queries:
            assert api.post(f"items/{sku}").status_code == 201
        return len(queries)

    adding("FIRST")
    second = adding("SECOND")
    for n in range(5):
        adding(f"MORE-{n}")

    assert adding("EIGHTH") == second


def test_client_side_storefronts_are_told_apart_by_their_origin(shop):
    from storefront.models import Storefront

    shop.storefront.allowed_origins = "https://web.example"
    shop.storefront.save()
    Storefront.objects.create(name="app", market=shop.us, allowed_origins="https://app.example")

    web = Api(origin="https://web.example").get("selection")
    app = Api(origin="https://app.example/").get("selection")
    preflight = Api(origin="https://app.example").call("OPTIONS", "items/TEE-M")

    assert web.data["location"]["market"] == "WEB"
    assert app.data["location"]["market"] == "US"
    assert preflight.status_code == 204
    assert "API-token" in preflight["Access-Control-Allow-Headers"]
    assert not CheckoutSession.objects.exists()
