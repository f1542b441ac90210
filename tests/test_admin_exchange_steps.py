"""Exchange… × role × return state, through the return's step page (the order page's
returns section links there): done for Customer service and the Back-office admin
on a return neither refunded nor exchanged, refused with one sentence and nothing
changed otherwise; the form, its figures and the return's page after it.

The return (tests/returns_support.py, tests/staff_support.py): 1 × A, charged 9.67,
of a completed order; the catalogue sells A in M (A), L (A-L, 10.00), XL (A-XL,
12.50) and S (A-S, 7.25).
"""

from decimal import Decimal

import pytest

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from orders.models import Order, OrderOrigin, OrderStatus
from returns import services as returns
from returns.models import Return
from tests.admin_support import NO_PERMISSIONS, ROLES, messages_of, role_user
from tests.factories import FACTORY
from tests.helpers import stock_snapshot
from tests.returns_support import make_return, world
from tests.staff_support import shop_with_completed_order

D = Decimal
pytestmark = pytest.mark.django_db
RETURNS_URL = "/admin/returns/return/"
PENDING, COMPLETED, REFUNDED, COMPLETED_AFTER_REFUND, EXCHANGED = (
    "pending",
    "completed",
    "refunded",
    "completed after refund",
    "exchanged",
)
STATES = [PENDING, COMPLETED, REFUNDED, COMPLETED_AFTER_REFUND, EXCHANGED]
TAKE = {CUSTOMER_SERVICE, BACKOFFICE_ADMIN}
# How the table's return reaches each state (by a process, which has every right).
SETUP = {
    PENDING: [],
    COMPLETED: [returns.complete_return],
    REFUNDED: [returns.refund_return],
    COMPLETED_AFTER_REFUND: [returns.refund_return, returns.complete_return],
}


def return_in(state: str) -> Return:
    return_ = make_return(shop_with_completed_order(), a=1)
    if state == EXCHANGED:
        from backoffice.services.exchanges import create_exchange

        create_exchange(return_id=return_.pk, lines={"A-S": 1}, by=FACTORY)
    for step in SETUP.get(state, []):
        step(return_id=return_.pk, by=FACTORY)
    return Return.objects.select_related("order").get(pk=return_.pk)


def step_url(return_: Return) -> str:
    return f"{RETURNS_URL}{return_.pk}/step/exchange/"


def exchange_data(sku: str = "A-L", units: int = 1, **extra) -> dict:
    return {"sku_0": sku, "qty_0": units, "payment": "link"} | extra


def everything(return_: Return) -> tuple:
    """What a refused exchange must leave alone: the return's order, returns, stock
    and payment (`world`), and every order there is (an exchange is a new one)."""
    return world(return_.order), list(Order.objects.values("pk")), stock_snapshot()


def refusal(state: str, number: str) -> str:
    """The one sentence each state refuses with (the state first, then who asks)."""
    return {
        REFUNDED: f"Return {number} is Refunded, so it cannot be exchanged.",
        COMPLETED_AFTER_REFUND: f"Return {number} was refunded already.",
        EXCHANGED: f"Return {number} has an exchange order that is not cancelled.",
    }.get(state, "You do not have permission to exchange returns.")


def cases():
    for role in ROLES:
        for state in STATES:
            yield pytest.param(role, state, id=f"{role}-{state}")


@pytest.mark.parametrize(("role", "state"), list(cases()))
def test_exchange_by_role_and_return_state(client, role, state):
    client.force_login(role_user(role))
    return_ = return_in(state)
    before = everything(return_)

    response = client.post(step_url(return_), {**exchange_data(), "_confirmed": "yes"})

    if role == NO_PERMISSIONS:
        assert response.status_code == 403
        assert everything(return_) == before
        return
    assert response.status_code == 302
    if role in TAKE and state in (PENDING, COMPLETED):
        fresh = Return.objects.select_related("exchange_order").get(pk=return_.pk)
        order = fresh.exchange_order
        assert (order.origin, order.related_order_id) == (OrderOrigin.EXCHANGE, return_.order_id)
        assert [(line.sku, line.quantity) for line in order.lines.all()] == [("A-L", 1)]
        # 10.00 for a value of 9.67: the customer pays 0.33 by link; nothing is refunded.
        assert (order.grand_total, fresh.exchange_credit) == (D("0.33"), D("9.67"))
        assert (fresh.status, fresh.suggested_refund) == (return_.status, D("0.00"))
        assert order.on_hold_for_payment
        said = messages_of(response)
        assert said[0] == f"1 return exchanged: {return_.number}, exchange order {order.number}."
        url = f"/admin/orders/order/{order.pk}/change/"
        assert said[1] == f'Open the <a href="{url}">exchange order {order.number}</a>.'
        assert said[2].startswith(
            f"Send the customer the payment link of exchange order {order.number}: "
            '<a href="http://testserver/payments/test-provider/'
        )
        return
    assert everything(return_) == before
    assert messages_of(response) == [refusal(state, return_.number)]


@pytest.mark.parametrize("role", ROLES)
def test_exchange_is_offered_on_the_return_page_only_to_whoever_may_take_it(client, role):
    client.force_login(role_user(role))
    return_ = return_in(PENDING)
    page = client.get(f"{RETURNS_URL}{return_.pk}/change/")
    if role == NO_PERMISSIONS:
        assert page.status_code == 403
        return
    assert ('data-step="exchange"' in page.content.decode()) == (role in TAKE)
    order_page = client.get(f"/admin/orders/order/{return_.order_id}/change/")
    assert ('data-step="return-exchange"' in order_page.content.decode()) == (role in TAKE)


def test_the_form_offers_another_size_first_then_confirms_the_figures(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return_ = return_in(PENDING)
    form = client.get(step_url(return_)).context["form"]
    assert [sku for sku, _ in form.fields["sku_0"].choices] == ["A-L", "A-S", "A-XL", "A"]
    assert (form["sku_0"].initial, form["qty_0"].initial) == ("A-L", 1)
    assert dict(form.fields["sku_0"].choices)["A-L"] == "Size L · A-L · 10.00 EUR"
    assert form.rows[0]["size"] == "M"
    before = everything(return_)

    page = client.post(step_url(return_), exchange_data("A-XL"))

    assert page.status_code == 200
    assert page.context["form"].figure_rows() == [
        ("Returned goods", "9.67 EUR"),
        ("Replacement", "12.50 EUR"),
        ("Credited to the exchange order", "9.67 EUR"),
        ("The customer pays", "2.83 EUR"),
        ("Back to the customer through the return's refund", "0.00 EUR"),
    ]
    assert [str(s) for s in page.context["confirmations"]] == [
        f"Make an exchange order of 1 × A-XL for return {return_.number}? Returned goods "
        "9.67 EUR, replacement 12.50 EUR, credited 9.67 EUR: the customer pays 2.83 EUR "
        "more, by payment link."
    ]
    assert everything(return_) == before


def test_a_cheaper_replacement_leaves_the_rest_to_the_returns_refund(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return_ = return_in(COMPLETED)
    response = client.post(step_url(return_), {**exchange_data("A-S"), "_confirmed": "yes"})
    assert response.status_code == 302
    fresh = Return.objects.select_related("exchange_order").get(pk=return_.pk)
    order = fresh.exchange_order
    assert (order.grand_total, fresh.suggested_refund) == (D("0.00"), D("2.42"))
    assert order.status == OrderStatus.PENDING and not order.on_hold
    assert len(messages_of(response)) == 2  # no payment link: nothing to pay

    page = client.get(f"{RETURNS_URL}{return_.pk}/change/").content.decode()
    assert f'href="/admin/orders/order/{order.pk}/change/">{order.number} · Pending' in page
    assert "− exchange credit 7.25 EUR" in page
    order_page = client.get(f"/admin/orders/order/{return_.order_id}/change/").content.decode()
    assert f"Exchange order {order.number}</a>" in order_page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (exchange_data(units=0), "Give at least one unit to send in exchange."),
        (exchange_data(units=2), "“2” is more than 1."),
        (exchange_data("NOT-SOLD"), "Select a valid choice."),
        ({**exchange_data(), "payment": "cash"}, "Select a valid choice."),
    ],
    ids=["nothing", "more-than-returned", "unknown-sku", "unknown-payment"],
)
def test_bad_input_is_a_form_error_and_nothing_is_made(client, data, error):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return_ = return_in(PENDING)
    before = everything(return_)
    page = client.post(step_url(return_), {**data, "_confirmed": "yes"})
    assert page.status_code == 200
    assert error in page.content.decode()
    assert everything(return_) == before


def test_a_dearer_replacement_by_invoice_is_authorized_and_gives_no_link(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    return_ = return_in(PENDING)
    data = {**exchange_data("A-XL", payment="invoice"), "_confirmed": "yes"}
    response = client.post(step_url(return_), data)
    order = Return.objects.get(pk=return_.pk).exchange_order
    assert order.grand_total == D("2.83")  # 12.50 less the 9.67 credited
    assert (order.payment.provider, order.payment.authorized_amount) == ("manual", D("2.83"))
    assert not order.on_hold
    assert not any("payment link" in said for said in messages_of(response))


def test_a_return_of_a_market_not_in_the_catalogue_offers_no_exchange(client):
    from catalog.models import Market

    client.force_login(role_user(CUSTOMER_SERVICE))
    return_ = return_in(PENDING)
    Market.objects.filter(code="EU").update(code="GONE")
    page = client.get(f"{RETURNS_URL}{return_.pk}/change/")
    assert 'data-step="exchange"' not in page.content.decode()
    before = everything(return_)
    response = client.post(step_url(return_), {**exchange_data(), "_confirmed": "yes"})
    assert response.status_code == 200  # the page says why; nothing is made
    assert "Market EU is not in the catalogue." in response.content.decode()
    assert everything(return_) == before
