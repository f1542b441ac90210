"""The back office's "Create selection" and selection pages (issue 28): only for
`orders.create_selection` (403 otherwise); every step one service call; every
refusal one sentence with nothing changed, tampered ids included; a few queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import HoldKind, Order, OrderOrigin, OrderStatus
from tests.admin_support import (
    NO_PERMISSIONS,
    ORDERS_URL,
    admin_links,
    messages_of,
    opens,
    role_user,
)
from tests.factories import OrderFactory
from tests.helpers import snapshot
from tests.staff_support import make_catalogue

pytestmark = pytest.mark.django_db
S = OrderStatus
CREATE_URL = ORDERS_URL + "create-selection/"
ADDRESS = {
    "email": "ada@example.com",
    "billing_name": "Ada Lind",
    "billing_street": "Storgatan 1",
    "billing_zipcode": "211 22",
    "billing_city": "Malmö",
    "billing_country": "SE",
}


def said(response) -> list[str]:
    """The messages of a step: queued for the next page, or shown on this one."""
    if response.status_code == 302:
        return messages_of(response)
    return [str(message) for message in response.context["messages"]]


def page_url(order: Order) -> str:
    return f"{ORDERS_URL}{order.pk}/selection/"


@pytest.fixture
def cs_client(client):
    make_catalogue()
    client.force_login(role_user(CUSTOMER_SERVICE))
    return client


def create(client, **data) -> Order:
    response = client.post(CREATE_URL, {"market": "EU", "country": "SE", **data})
    assert response.status_code == 302, said(response)
    order = Order.objects.get(origin=OrderOrigin.BACK_OFFICE, status=S.INCOMPLETE)
    assert response["Location"] == page_url(order)
    return order


def step(client, order: Order, do: str, **data):
    return client.post(page_url(order), {"do": do, **data})


def filled(client) -> Order:
    order = create(client)
    client.get(page_url(order))
    step(client, order, "add", sku="A", quantity="2")
    step(client, order, "add", sku="B", quantity="1")
    step(client, order, "customer", **ADDRESS)
    client.get(page_url(order))  # shows (and so clears) the steps' messages
    return Order.objects.get(pk=order.pk)


@pytest.mark.parametrize(
    "role, allowed",
    [
        (CUSTOMER_SERVICE, True),
        (BACKOFFICE_ADMIN, True),
        (WAREHOUSE, False),
        (FINANCE, False),
        (NO_PERMISSIONS, False),
    ],
)
def test_only_who_may_create_selections_sees_and_uses_the_pages(client, role, allowed):
    make_catalogue()
    selection = OrderFactory(status=S.INCOMPLETE, origin=OrderOrigin.BACK_OFFICE, market="EU")
    client.force_login(role_user(role))
    listing = client.get(ORDERS_URL)
    if listing.status_code == 200:
        assert ('data-link="create-selection"' in listing.content.decode()) == allowed
    expected = 200 if allowed else 403
    assert client.get(CREATE_URL).status_code == expected
    assert client.get(page_url(selection)).status_code == expected
    before = Order.objects.count(), snapshot(selection)
    posted = client.post(CREATE_URL, {"market": "EU", "country": "SE"})
    added = step(client, selection, "add", sku="A", quantity="1")
    if not allowed:
        assert (posted.status_code, added.status_code) == (403, 403)
        assert (Order.objects.count(), snapshot(selection)) == before


def test_a_phone_order_made_step_by_step_and_checked_out_by_link(cs_client):
    order = filled(cs_client)
    assert [(line.sku, line.quantity) for line in order.lines.order_by("sku")] == [
        ("A", 2),
        ("B", 1),
    ]
    assert (order.customer_email, order.customer_name, order.billing_city) == (
        "ada@example.com",
        "Ada Lind",
        "Malmö",
    )
    assert order.shipping_city == "Malmö"  # no other address: the billing one
    page = cs_client.get(page_url(order))
    assert page.context["totals"]["grand_total"] == "45.00 EUR"
    assert [value for value, _ in page.context["checkout_form"].fields["payment"].choices] == [
        "link",
        "invoice",
    ]
    step(cs_client, order, "notes", notes="Called at 10:14, wants it before Friday.")
    response = step(cs_client, order, "checkout", payment="link")
    assert response.status_code == 302
    assert response["Location"] == f"{ORDERS_URL}{order.pk}/change/"
    order.refresh_from_db()
    assert (order.status, order.on_hold, order.hold_kind) == (
        S.PENDING,
        True,
        HoldKind.WAITING_FOR_PAYMENT,
    )
    assert order.notes == "Called at 10:14, wants it before Friday."
    message = messages_of(response)[0]
    assert f"{order} placed" in message and "http://testserver/" in message
    assert "data-payment-link" in message


def test_lines_change_and_go_and_the_shipping_price_needs_a_reason_to_drop(cs_client):
    order = filled(cs_client)
    line = order.lines.get(sku="A")
    step(cs_client, order, "quantity", line=str(line.pk), quantity="3")
    assert order.lines.get(sku="A").quantity == 3
    step(cs_client, order, "remove", line=str(line.pk))
    assert list(order.lines.values_list("sku", flat=True)) == ["B"]

    cs_client.get(page_url(order))
    before = snapshot(order)
    refused = step(cs_client, order, "shipping_price", price="0.00", reason="")
    assert refused.status_code == 200
    assert said(refused) == ["Give a reason for a shipping price below Standard's 5.00 EUR."]
    assert snapshot(order) == before
    done = step(cs_client, order, "shipping_price", price="0.00", reason="Goodwill: late last time")
    assert done.status_code == 302
    order.refresh_from_db()
    assert (order.shipping_price, order.grand_total) == (Decimal("0.00"), Decimal("20.00"))


def test_a_shipping_address_of_its_own_or_none(cs_client):
    order = filled(cs_client)
    page = cs_client.get(page_url(order))
    # Shipping to the billing address: its fields are shown empty.
    assert page.context["customer_form"].initial["shipping_street"] == ""
    before = snapshot(order)
    refused = step(cs_client, order, "customer", **ADDRESS, shipping_street="Hamngatan 3")
    assert said(refused) == [
        "The shipping address needs its name, postcode, city, country too, or leave it all "
        "empty to ship to the billing address."
    ]
    assert snapshot(order) == before
    elsewhere = {
        "shipping_name": "Ada at work",
        "shipping_street": "Hamngatan 3",
        "shipping_zipcode": "111 47",
        "shipping_city": "Stockholm",
        "shipping_country": "SE",
    }
    step(cs_client, order, "customer", **ADDRESS, **elsewhere)
    order.refresh_from_db()
    assert (order.billing_city, order.shipping_city, order.shipping_name) == (
        "Malmö",
        "Stockholm",
        "Ada at work",
    )
    page = cs_client.get(page_url(order))
    assert page.context["customer_form"].initial["shipping_street"] == "Hamngatan 3"


@pytest.mark.parametrize(
    "do, data, sentence",
    [
        ("add", {"sku": "NOPE", "quantity": "1"}, "NOPE is not for sale."),
        ("add", {"sku": "A", "quantity": "1.5"}, None),
        ("quantity", {"line": "999999", "quantity": "2"}, "has no line 999999."),
        ("remove", {"line": "abc"}, None),
        ("shipping_method", {"shipping_method": "Teleport"}, None),
        ("checkout", {"payment": "none"}, None),
        ("checkout", {"payment": "bitcoin"}, None),
        ("explode", {}, "That is not a step of a selection."),
    ],
)
def test_refusals_are_one_sentence_and_change_nothing(cs_client, do, data, sentence):
    order = filled(cs_client)
    before = snapshot(order), sorted(order.lines.values_list("sku", "quantity"))
    response = step(cs_client, order, do, **data)
    sentences = said(response)
    assert len(sentences) == 1 and sentences[0].endswith("."), sentences
    if sentence:
        assert sentence in sentences[0]
    assert (snapshot(order), sorted(order.lines.values_list("sku", "quantity"))) == before
    assert Order.objects.get(pk=order.pk).status == S.INCOMPLETE


def test_a_line_of_another_order_is_refused(cs_client):
    order = filled(cs_client)
    other = OrderFactory(status=S.INCOMPLETE, origin=OrderOrigin.BACK_OFFICE, market="EU")
    foreign = other.lines.first()
    before = snapshot(order), snapshot(other), foreign.quantity
    response = step(cs_client, order, "quantity", line=str(foreign.pk), quantity="7")
    assert said(response) == [f"{order} has no line {foreign.pk}."]
    response = step(cs_client, order, "remove", line=str(foreign.pk))
    assert said(response) == [f"{order} has no line {foreign.pk}."]
    foreign.refresh_from_db()
    assert (snapshot(order), snapshot(other), foreign.quantity) == before


@pytest.mark.parametrize(
    "status, origin, sentence",
    [
        (S.PENDING, OrderOrigin.BACK_OFFICE, "is placed: its selection can no longer change."),
        (S.INCOMPLETE, OrderOrigin.STOREFRONT, "is a storefront's selection"),
    ],
)
def test_an_order_that_is_not_a_staff_selection_is_refused(cs_client, status, origin, sentence):
    # Market US: no allocation rule, so the factory's checkout reserves nothing.
    order = OrderFactory(status=status, origin=origin, market="US")
    before = snapshot(order)
    for response in (
        cs_client.get(page_url(order)),
        step(cs_client, order, "add", sku="A", quantity="1"),
        step(cs_client, order, "checkout", payment="invoice"),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"{ORDERS_URL}{order.pk}/change/"
        assert sentence in said(response)[0]
    assert snapshot(order) == before


def test_a_selection_for_the_customer_of_an_earlier_order(cs_client):
    earlier = OrderFactory(
        status=S.COMPLETED,
        market="US",
        customer_email="bo@example.com",
        customer_name="Bo Ek",
        billing_street="Lilla torget 2",
        shipping_country="SE",
    )
    page = cs_client.get(f"{ORDERS_URL}{earlier.pk}/change/")
    links = {link["name"]: link["url"] for link in page.context["selection_links"]}
    assert links["create_selection_for_customer"] == f"{CREATE_URL}?from_order={earlier.pk}"
    form = cs_client.get(links["create_selection_for_customer"])
    assert "Bo Ek" in form.content.decode()
    order = create(cs_client, from_order=str(earlier.pk))
    order.refresh_from_db()
    assert (order.customer_email, order.customer_name) == ("bo@example.com", "Bo Ek")
    # Its own page leads back to the selection while it is one.
    page = cs_client.get(f"{ORDERS_URL}{order.pk}/change/")
    assert [link["name"] for link in page.context["selection_links"]] == [
        "open_selection",
        "create_selection_for_customer",
    ]


def test_an_unknown_market_or_earlier_order_is_refused_and_makes_nothing(cs_client):
    before = Order.objects.count()
    refused = cs_client.post(CREATE_URL, {"market": "XX", "country": "SE"})
    assert refused.status_code == 200 and len(said(refused)) == 1
    refused = cs_client.post(CREATE_URL, {"market": "EU", "country": "SE", "from_order": "999999"})
    assert refused.status_code == 200
    assert any("999999" in sentence for sentence in said(refused))
    assert Order.objects.count() == before


def test_the_selection_page_and_its_search_take_a_few_queries(
    cs_client, django_assert_max_num_queries
):
    order = filled(cs_client)
    cs_client.get(page_url(order) + "?q=shirt")
    with django_assert_max_num_queries(16):
        page = cs_client.get(page_url(order) + "?q=shirt")
    hits = [row["hit"].sku for row in page.context["hit_rows"]]
    assert hits == ["A", "A-L", "A-S", "A-XL"]
    assert page.context["hit_rows"][0]["price"] == "10.00 EUR"
    assert page.context["hit_rows"][0]["hit"].available == (10,)


@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, BACKOFFICE_ADMIN])
def test_every_link_of_the_pages_opens(client, role):
    make_catalogue()
    client.force_login(role_user(role))
    order = create(client)
    pages = [CREATE_URL, page_url(order), f"{ORDERS_URL}{order.pk}/change/", ORDERS_URL]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        for link in admin_links(response.content.decode()):
            assert opens(client, link), f"{url} → {link}"
