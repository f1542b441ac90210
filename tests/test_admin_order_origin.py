"""The orders list's origin filter, and the order page's origin with its links:
the order an exchange or a resend was made for, its follow-ups, and an exchange
order's return, each a link only for whoever may open it."""

import pytest

from core.roles import CUSTOMER_SERVICE
from orders.models import Order, OrderOrigin, OrderStatus
from returns.models import Return
from tests.admin_support import ORDERS_URL, role_user
from tests.factories import OrderFactory, UserFactory
from tests.returns_support import completed_order, make_return

S = OrderStatus
pytestmark = pytest.mark.django_db


def listed(client, query: str) -> list[int]:
    response = client.get(ORDERS_URL + query)
    assert response.status_code == 200
    return [order.number for order in response.context["cl"].result_list]


@pytest.fixture
def cs_client(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return client


def test_the_origin_filter_lists_the_orders_of_one_origin(cs_client):
    shop = OrderFactory(status=S.PENDING)
    phone = OrderFactory(status=S.PENDING, origin=OrderOrigin.BACK_OFFICE)
    resend = OrderFactory(status=S.PENDING, origin=OrderOrigin.RESEND, related_order=shop)

    assert listed(cs_client, "?origin=back_office") == [phone.number]
    assert listed(cs_client, "?origin=resend") == [resend.number]
    assert listed(cs_client, "?origin=storefront") == [shop.number]
    page = cs_client.get(ORDERS_URL + "?origin=nonsense")
    assert page.status_code in (200, 302)
    assert [s.title for s in cs_client.get(ORDERS_URL).context["cl"].filter_specs].count(
        "origin"
    ) == 1


def glance_links(response) -> list[dict]:
    return response.context["glance"]["origin"]["links"]


def test_an_exchange_order_names_its_order_and_its_return_and_the_order_its_follow_ups(
    cs_client,
):
    original = completed_order()
    return_ = make_return(original)
    exchange = OrderFactory(status=S.PENDING, origin=OrderOrigin.EXCHANGE, related_order=original)
    Return.objects.filter(pk=return_.pk).update(exchange_order=exchange)
    resend = OrderFactory(status=S.PENDING, origin=OrderOrigin.RESEND, related_order=original)

    page = cs_client.get(f"{ORDERS_URL}{exchange.pk}/change/")
    assert page.context["glance"]["origin"]["label"] == "Exchange"
    assert [(link["text"], link["url"]) for link in glance_links(page)] == [
        (f"Exchange of order {original.number}", f"{ORDERS_URL}{original.pk}/change/"),
        (
            f"Exchange for return {original.number}-R1",
            f"/admin/returns/return/{return_.pk}/change/",
        ),
    ]
    assert f"Exchange of order {original.number}</a>" in page.content.decode()

    page = cs_client.get(f"{ORDERS_URL}{original.pk}/change/")
    assert page.context["glance"]["origin"]["label"] == "Storefront"
    assert [link["text"] for link in glance_links(page)] == [
        f"Exchange order {exchange.number}",
        f"Resend {resend.number}",
    ]


def test_links_are_plain_text_for_whoever_may_not_open_the_page(client):
    original = completed_order()
    return_ = make_return(original)
    exchange = OrderFactory(status=S.PENDING, origin=OrderOrigin.EXCHANGE, related_order=original)
    Return.objects.filter(pk=return_.pk).update(exchange_order=exchange)
    # A role of the shop's own making: orders, and not returns.
    client.force_login(UserFactory(username="orders-only", perms=["orders.view_order"]))
    page = client.get(f"{ORDERS_URL}{exchange.pk}/change/")
    links = {link["kind"]: link for link in glance_links(page)}
    assert links["related"]["url"] == f"{ORDERS_URL}{original.pk}/change/"
    assert links["return"]["url"] == ""
    html = page.content.decode()
    assert f"Exchange for return {original.number}-R1</li>" in html.replace("\n", "")
    assert f"/admin/returns/return/{return_.pk}/" not in html


def test_the_origin_links_cost_a_query_or_two(cs_client, django_assert_max_num_queries):
    order = completed_order()
    for _ in range(3):
        OrderFactory(status=S.PENDING, origin=OrderOrigin.RESEND, related_order=order)
    cs_client.get(f"{ORDERS_URL}{order.pk}/change/")
    with django_assert_max_num_queries(25):
        page = cs_client.get(f"{ORDERS_URL}{order.pk}/change/")
    assert len(glance_links(page)) == 3
    assert Order.objects.filter(related_order=order).count() == 3
