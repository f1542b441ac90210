"""Whether an order's lines may change is decided once per order page, by the page
(`OrderPageMixin.get_inlines`), and handed on through what it shows: the lines'
form, or the text table. Nothing is cached on the order."""

import pytest

from backoffice.admin.orders import lines as order_lines
from backoffice.admin.orders import page as order_page
from core.roles import BACKOFFICE_ADMIN
from orders.models import OrderStatus
from tests.admin_support import role_user
from tests.factories import OrderFactory
from tests.test_admin_order_page import change_form_data, page_url

S = OrderStatus


@pytest.fixture
def asked(monkeypatch) -> list[int]:
    """The orders `line_edit_refusal` was asked about, in turn."""
    orders: list[int] = []
    real = order_lines.line_edit_refusal

    def counted(order):
        orders.append(order.pk)
        return real(order)

    # Asked by the line table (`lines`) and by the page's save (`page`).
    for module in (order_lines, order_page):
        monkeypatch.setattr(module, "line_edit_refusal", counted)
    return orders


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "editable"), [(S.PENDING, True), (S.PROCESSING, False)])
def test_the_page_asks_once_and_shows_the_answer(client, asked, status, editable):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = OrderFactory(status=status)

    response = client.get(page_url(order))

    assert asked == [order.pk]
    assert bool(response.context["inline_admin_formsets"]) is editable
    assert (response.context.get("line_rows") is None) is editable
    assert not hasattr(response.context["original"], "line_edit_refusal")


@pytest.mark.django_db
def test_saving_the_details_asks_once_more_for_the_page_that_saves(client, asked):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = OrderFactory(status=S.PENDING)
    data = change_form_data(client.get(page_url(order))) | {"notes": "Leave at the door"}
    asked.clear()

    saved = client.post(page_url(order), data)

    assert saved.status_code == 302
    assert asked == [order.pk]
    order.refresh_from_db()
    assert order.notes == "Leave at the door"
