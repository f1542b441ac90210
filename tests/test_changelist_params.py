"""Every changelist reads its address safely: a bad parameter gives the default
list and one sentence, never a 5xx, and never archived orders by accident."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib import admin
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.admin.changelist import MAX_BIGINT, exact_number
from orders.models import OrderStatus
from shipments.models import Shipment, ShipmentStatus
from tests.admin_support import ORDERS_URL, messages_of
from tests.factories import (
    DeletedOrderFactory,
    OrderFactory,
    ShipmentFactory,
    UserFactory,
    WarehouseFactory,
)

S = OrderStatus
SHIPMENTS_URL = "/admin/shipments/shipment/"
PAYMENTS_URL = "/admin/payments/payment/"
LEFT_OUT = (
    "The address held a value no list can use (too long, or with a NUL character); it was left out."
)
NOT_UNDERSTOOD = (
    "A filter, the search or the page number in the address was not understood. "
    "Showing the default list."
)


@pytest.fixture
def lists(db):
    """An order in every status the lists tell apart, an archived one among them."""
    orders = {status: OrderFactory(status=status) for status in (S.CONFIRMED, S.ARCHIVED)}
    WarehouseFactory(name="Second")  # two warehouses, so the warehouse filter shows
    ShipmentFactory(order=OrderFactory(status=S.CONFIRMED))
    DeletedOrderFactory()
    return orders


@pytest.fixture
def staff(client, lists):
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def redirected_to_default(response, url: str) -> bool:
    return response.status_code == 302 and response["Location"] in (url, f"{url}?e=1")


# The URLs, each a 500 (or archived orders) before ---------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{ORDERS_URL}?q=²",
        f"{SHIPMENTS_URL}?q=²",
        f"{PAYMENTS_URL}?q=²",
        f"{ORDERS_URL}?q=١٢",
        f"{ORDERS_URL}?q={'9' * 30}",
        f"{SHIPMENTS_URL}?q={'9' * 30}",
        f"{PAYMENTS_URL}?q={'9' * 30}",
    ],
)
def test_a_search_that_looks_like_a_number_but_is_not_one_is_text(staff, url):
    response = staff.get(url)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize("url", [ORDERS_URL, SHIPMENTS_URL, PAYMENTS_URL])
def test_five_thousand_digits_in_the_search_are_left_out_with_a_message(staff, url):
    response = staff.get(f"{url}?q={'1' * 5000}")
    assert response.status_code == 302 and response["Location"] == url
    assert messages_of(response) == [LEFT_OUT]


@pytest.mark.parametrize(
    "url",
    [
        f"{SHIPMENTS_URL}?status__exact=%00",
        f"{PAYMENTS_URL}?status__exact=%00",
        f"{PAYMENTS_URL}?provider=%00",
        f"{ORDERS_URL}?q=a%00b",
        f"{ORDERS_URL}?sku=%00",
    ],
)
def test_a_nul_byte_is_left_out_with_a_message(staff, url):
    response = staff.get(url)
    assert response.status_code == 302
    assert response["Location"] == url.split("?")[0]
    assert messages_of(response) == [LEFT_OUT]


def test_a_nul_byte_keeps_the_lists_other_parameters(staff):
    response = staff.get(f"{SHIPMENTS_URL}?status__exact=%00&q=X1")
    assert response["Location"] == f"{SHIPMENTS_URL}?q=X1"


def test_a_grand_total_no_column_can_hold_is_a_message(staff):
    response = staff.get(f"{ORDERS_URL}?grand_total_min=1e200000")
    assert redirected_to_default(response, ORDERS_URL)
    assert messages_of(response) == [
        "The orders could not be filtered by grand total between: “1e200000” is not an "
        "amount: type digits (0–9) with at most one point, like 12.50. Showing the default list."
    ]


@pytest.mark.parametrize("query", ["status=abc", "status=", "status=2&status=abc"])
def test_an_unknown_status_shows_the_default_list_without_archived_orders(staff, lists, query):
    response = staff.get(f"{ORDERS_URL}?{query}")
    assert response["Location"] == f"{ORDERS_URL}?e=1"
    assert messages_of(response)[0].startswith("The orders could not be filtered by status:")
    listed = staff.get(response["Location"]).context["cl"].result_list
    assert lists[S.CONFIRMED] in listed
    assert lists[S.ARCHIVED] not in listed


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("on_hold=maybe", "The orders could not be filtered by hold: "),
        ("hold_kind=abc", "The orders could not be filtered by hold kind: "),
        ("payment=abc", "The orders could not be filtered by payment: "),
        ("number=1.5", "The orders could not be filtered by order number: "),
        (f"number={MAX_BIGINT + 1}", "The orders could not be filtered by order number: "),
        ("placed_after=2026-02-30", "The orders could not be filtered by placed between: "),
    ],
)
def test_an_unreadable_order_filter_says_which(staff, query, sentence):
    response = staff.get(f"{ORDERS_URL}?{query}")
    assert redirected_to_default(response, ORDERS_URL)
    assert messages_of(response)[0].startswith(sentence)


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        (f"{SHIPMENTS_URL}?status__exact=lost", "“lost” is not a status of shipments."),
        (f"{PAYMENTS_URL}?status__exact=lost", "“lost” is not a status of payments."),
        (f"{PAYMENTS_URL}?provider=paypal", "“paypal” is not a configured payment provider."),
        (
            f"{PAYMENTS_URL}?expires_within=5",
            "“5” is not a number of days this filter offers.",
        ),
    ],
)
def test_an_unknown_choice_in_the_shipments_and_payments_lists_says_so(staff, url, sentence):
    response = staff.get(url)
    assert redirected_to_default(response, url.split("?")[0])
    assert messages_of(response) == [f"{sentence} Showing the default list."]


def test_a_known_choice_still_filters(staff, lists):
    response = staff.get(f"{SHIPMENTS_URL}?status__exact={ShipmentStatus.CREATED}")
    assert list(response.context["cl"].result_list) == list(
        Shipment.objects.filter(status=ShipmentStatus.CREATED)
    )
    archived = staff.get(f"{ORDERS_URL}?status={S.ARCHIVED}").context["cl"].result_list
    assert list(archived) == [lists[S.ARCHIVED]]


def test_django_bad_lookups_get_a_message_too(staff):
    response = staff.get(f"{SHIPMENTS_URL}?warehouse__id__exact=abc")
    assert redirected_to_default(response, SHIPMENTS_URL)
    assert messages_of(response) == [NOT_UNDERSTOOD]


def test_exact_number_takes_ascii_digits_within_a_bigint():
    assert exact_number("1042") == 1042
    assert exact_number(str(MAX_BIGINT)) == MAX_BIGINT
    for term in ["²", "١٢", "-1", "1.0", "", str(MAX_BIGINT + 1), "9" * 5000]:
        assert exact_number(term) is None


# The fuzz: every changelist, every parameter, arbitrary text -----------------

TEXT = st.characters(exclude_categories=["Cs"])  # a lone surrogate cannot arrive in a URL
NASTY = st.one_of(
    st.text(TEXT, max_size=30),
    st.text(TEXT, max_size=10).map(lambda s: f"{s}\x00"),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=8),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(str),
    st.sampled_from(
        ["1e200000", "-1e200000", "²", "٣", "NaN", "-0", "0001-01-01", "9999-12-31", "x" * 10_000]
    ),
)


def changelists() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


def parameters_of(client, url: str) -> list[str]:
    """Every parameter the list reads: each filter's, search, ordering, page, show all."""
    changelist = client.get(url).context["cl"]
    filters = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    return [*filters, "q", "o", "p", "all", "e"]


def examples_for(url: str) -> int:
    return 150 if url in (ORDERS_URL, SHIPMENTS_URL, PAYMENTS_URL) else 100


@pytest.mark.parametrize("url", changelists())
def test_no_changelist_parameter_gives_a_server_error(staff, lists, url):
    names = parameters_of(staff, url)
    archived = lists[S.ARCHIVED]
    runs = []

    @settings(
        max_examples=examples_for(url),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.dictionaries(
            st.sampled_from(names), st.lists(NASTY, min_size=1, max_size=2), min_size=1, max_size=3
        )
    )
    def visit(query):
        runs.append(query)
        response = staff.get(f"{url}?{urlencode(query, doseq=True)}")
        assert response.status_code < 500
        if response.status_code == 302:
            assert urlsplit(response["Location"]).path == url
            response = staff.get(response["Location"])
            assert response.status_code < 500
        if url == ORDERS_URL and response.status_code == 200:
            asked = response.wsgi_request.GET.getlist("status")
            if str(S.ARCHIVED) not in asked:
                assert archived not in response.context["cl"].result_list

    visit()
    print(f"\n{url}: {len(runs)} examples over {len(names)} parameters")
    assert len(runs) >= examples_for(url)


def test_djangos_error_mark_beside_other_parameters_is_dropped(staff):
    # Django would answer ?e=1&status=abc with its "Database error" page.
    response = staff.get(f"{ORDERS_URL}?e=1&status=abc")
    assert response["Location"] == f"{ORDERS_URL}?status=abc"
    assert redirected_to_default(staff.get(response["Location"]), ORDERS_URL)
