"""Returns in the admin: Create return… on a completed shipment (and from the order
page), the returns list and its bulk steps, a return's page and steps, the order
page's Returns section, the orders list's filter and marker, the flow page.

The order (tests/returns_support.py): A 3 × 10.00 less 1.00 (29.00), B 1 × 20.00,
shipping 5.00 = 54.00, shipped, captured and completed in one shipment from Main.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders.models import OrderEvent
from payments.models import Payment
from returns import services as returns
from returns.models import Return, ReturnStatus, StockAction
from tests.admin_support import NO_PERMISSIONS, ORDERS_URL, ROLES, messages_of, role_user
from tests.factories import FACTORY
from tests.returns_support import (
    completed_order,
    line_of,
    make_return,
    on_hand,
    shipment_of,
    world,
)

D = Decimal
pytestmark = pytest.mark.django_db
RETURNS_URL = "/admin/returns/return/"
SHIPMENTS_URL = "/admin/shipments/shipment/"


def create_url(order) -> str:
    return f"{SHIPMENTS_URL}{shipment_of(order).pk}/step/create_return/"


def create_data(order, *, a: int = 1, b: int = 0, **extra) -> dict:
    data = {
        f"qty_{line_of(order, 'A').pk}": a,
        f"qty_{line_of(order, 'B').pk}": b,
        "stock_action": StockAction.BACK_TO_ORIGIN,
        "warehouse": "",
        "handling_cost": "0",
        "return_fee": "0",
        "voucher_value": "0",
        "reason": "wrong_size",
        "comment": "",
    }
    return data | extra


def logged_in(client, role: str):
    user = role_user(role)
    client.force_login(user)
    return user


# Create return… ----------------------------------------------------------------


def test_create_return_shows_each_line_then_the_suggested_refund_then_creates_it(client):
    logged_in(client, CUSTOMER_SERVICE)
    order = completed_order()
    make_return(order, a=1)
    page = client.get(create_url(order))
    assert page.status_code == 200
    rows = page.context["form"].rows
    seen = [
        (r["line"].order_line.sku, r["line"].quantity, r["returned"], r["returnable"]) for r in rows
    ]
    assert seen == [
        ("A", 3, 1, 2),
        ("B", 1, 0, 1),
    ]  # fmt: skip
    html = page.content.decode()
    assert "Already returned" in html and 'max="2"' in html

    data = create_data(order, a=1, b=1, refund_shipping="on", return_fee="4.00")
    confirm = client.post(create_url(order), data)
    # A's second unit 9.66 + B 20.00 + shipping 5.00 − fee 4.00 = 30.66: nothing written yet.
    assert confirm.context["confirmations"] == [
        f"Return 1 × A (9.66 EUR), 1 × B (20.00 EUR) of shipment {order.number}-1, back into "
        "Main; suggested refund 30.66 EUR (+ shipping 5.00 EUR − return fee 4.00 EUR). "
        "Nothing is refunded or put back in stock until the return is refunded and completed."
    ]
    assert Return.objects.filter(order=order).count() == 1

    done = client.post(
        create_url(order) + f"?next={ORDERS_URL}{order.pk}/change/", data | {"_confirmed": "yes"}
    )
    assert done.status_code == 302 and done.url == f"{ORDERS_URL}{order.pk}/change/"
    assert messages_of(done) == [
        f"1 shipment returned: {order.number}-1, return {order.number}-R2 created with a "
        "suggested refund of 30.66 EUR."
    ]
    created = Return.objects.get(order=order, sequence=2)
    assert (created.refund_amount, created.return_fee, created.reason) == (
        D("30.66"),
        D("4.00"),
        "wrong_size",
    )


@pytest.mark.parametrize(
    ("extra", "sentence"),
    [
        ({"a": 0, "b": 0}, "Choose at least one unit to return."),
        ({"return_fee": "40.00"}, "are more than the return is worth"),
        ({"handling_cost": "0.01"}, "is above the store's limit of 0.00 EUR"),
        ({"stock_action": StockAction.TO_WAREHOUSE}, "Choose the warehouse"),
    ],
)
def test_create_return_refuses_bad_input_with_one_sentence_and_changes_nothing(
    client, extra, sentence
):
    logged_in(client, CUSTOMER_SERVICE)
    order = completed_order()
    before = world(order)
    a, b = extra.pop("a", 1), extra.pop("b", 0)
    for data in (
        create_data(order, a=a, b=b, **extra),
        create_data(order, a=a, b=b, _confirmed="yes", **extra),
    ):
        response = client.post(create_url(order), data)
        assert response.status_code == 200
        errors = response.context["form"].non_field_errors()
        assert len(errors) == 1 and sentence in errors[0]
    assert world(order) == before


def test_create_return_refuses_more_than_is_left_and_a_tampered_line(client):
    logged_in(client, CUSTOMER_SERVICE)
    order = completed_order()
    other = completed_order()
    before = world(order)
    too_many = client.post(create_url(order), create_data(order, a=4, _confirmed="yes"))
    assert too_many.context["form"].errors[f"qty_{line_of(order, 'A').pk}"] == [
        "“4” is more than 3."
    ]
    foreign = f"qty_{line_of(other, 'A').pk}"
    tampered = client.post(
        create_url(order), create_data(order, **{foreign: 1, "_confirmed": "yes"})
    )
    assert tampered.context["form"].non_field_errors() == [
        f"{foreign} is not a line of shipment {order.number}-1."
    ]
    assert world(order) == before


@pytest.mark.parametrize("role", ROLES)
def test_create_return_is_offered_to_customer_service_and_admins_only(client, role):
    user = logged_in(client, role)
    order = completed_order()
    before = world(order)
    may = user.has_perm("returns.create_return")
    page = client.get(f"{ORDERS_URL}{order.pk}/change/")
    if role == NO_PERMISSIONS:
        assert page.status_code == 403
    else:
        assert ('data-step="shipment-create_return"' in page.content.decode()) == may
    response = client.post(create_url(order), create_data(order, _confirmed="yes"))
    if not user.has_perm("shipments.view_shipment") and not user.has_perm("orders.view_order"):
        assert response.status_code == 403
    elif not may:
        assert messages_of(response) == ["You do not have permission to create returns."]
    if not may:
        assert world(order) == before
    else:
        assert Return.objects.filter(order=order).count() == 1


def test_create_return_is_not_offered_once_everything_is_returned(client):
    logged_in(client, CUSTOMER_SERVICE)
    order = completed_order()
    make_return(order, a=3, b=1)
    html = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert 'data-step="shipment-create_return"' not in html
    response = client.get(create_url(order))
    assert messages_of(response) == [
        f"Every unit of shipment {order.number}-1 is returned already."
    ]


# The returns list and its bulk steps ---------------------------------------------


def test_returns_list_shows_each_return_and_runs_the_same_queries_for_more_rows(
    client, django_assert_max_num_queries
):
    logged_in(client, FINANCE)
    first = completed_order()
    make_return(first, a=1)
    counts = []
    for extra in (0, 6):
        for _ in range(extra):
            make_return(completed_order(), a=1, b=1, refund_shipping=True)
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            response = client.get(RETURNS_URL)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    html = response.content.decode()
    assert f"{first.number}-R1" in html and "9.67 EUR" in html
    assert 'class="centra-badge centra-return-pending"' in html
    assert "Into Main" in html


def test_returns_list_filters_and_searches_by_order_number(client):
    logged_in(client, FINANCE)
    order, other = completed_order(), completed_order()
    pending = make_return(order, a=1)
    refunded = make_return(other, a=1, stock_action=StockAction.REMOVE)
    returns.refund_return(return_id=refunded.pk, by=FACTORY)

    def listed(query: str) -> set[int]:
        return {r.pk for r in client.get(RETURNS_URL + query).context["cl"].result_list}

    assert listed("?status__exact=pending") == {pending.pk}
    assert listed("?stock_action__exact=remove") == {refunded.pk}
    assert listed(f"?q={order.number}") == {pending.pk}
    assert listed(f"?q={other.number}-R1") == {refunded.pk}
    assert listed(f"?q={other.number}-r2") == set()
    assert listed("?q=nonsense") == set()
    bad = client.get(RETURNS_URL + "?status__exact=lost")
    assert "“lost” is not a status of returns." in " ".join(messages_of(bad))
    # The list sorts by its "created" column: a clickable header, oldest or newest first.
    response = client.get(RETURNS_URL)
    assert 'class="sortable column-created' in response.content.decode()
    created = list(response.context["cl"].list_display).index("created")
    oldest_first = client.get(RETURNS_URL + f"?o={created}").context["cl"].result_list
    assert [r.pk for r in oldest_first] == [pending.pk, refunded.pk]
    newest_first = client.get(RETURNS_URL + f"?o=-{created}").context["cl"].result_list
    assert [r.pk for r in newest_first] == [refunded.pk, pending.pk]


def test_bulk_complete_says_per_return_what_happened(client):
    logged_in(client, WAREHOUSE)
    order = completed_order()
    first, second = make_return(order, a=1), make_return(order, b=1)
    returns.complete_return(return_id=second.pk, by=FACTORY)
    before = on_hand("A")
    response = client.post(
        RETURNS_URL, {"action": "complete", "_selected_action": [first.pk, second.pk], "index": 0}
    )
    assert messages_of(response) == [
        f"1 return completed: {order.number}-R1.",
        f"Skipped: Return {order.number}-R2 is Completed, so it cannot be completed.",
    ]
    assert on_hand("A") == before + 1


def test_bulk_refund_asks_an_amount_per_return_then_confirms_it(client):
    logged_in(client, FINANCE)
    order = completed_order()
    first = make_return(order, a=1)
    second = make_return(order, a=0, b=1, refund_shipping=True, return_fee="2.00")
    data = {"action": "refund", "_selected_action": [first.pk, second.pk], "post": "yes"}
    form = client.post(RETURNS_URL, {**data, "post": ""})
    fields = form.context["form"].fields
    assert (fields[f"amount_{first.pk}"].initial, fields[f"amount_{second.pk}"].initial) == (
        D("9.67"),
        D("23.00"),
    )
    amounts = {f"amount_{first.pk}": "9.67", f"amount_{second.pk}": "20.00"}
    confirm = client.post(RETURNS_URL, {**data, **amounts})
    assert confirm.context["confirmations"][0] == (
        f"Refund 20.00 EUR for return {order.number}-R2 to the customer of Order {order.number} "
        "(suggested 23.00 EUR)? A refund cannot be undone."
    )
    assert Payment.objects.get(order=order).refunded_amount == 0
    done = client.post(RETURNS_URL, {**data, **amounts, "_confirmed": "yes"})
    assert messages_of(done) == [
        f"2 returns refunded: {order.number}-R2, 20.00 EUR; {order.number}-R1, 9.67 EUR."
    ]
    assert Payment.objects.get(order=order).refunded_amount == D("29.67")
    assert {r.status for r in Return.objects.filter(order=order)} == {ReturnStatus.REFUNDED}


# A return's page and its steps ---------------------------------------------------


def refund(client, return_, amount: str, **extra):
    url = f"{RETURNS_URL}{return_.pk}/step/refund/"
    return client.post(url, {f"amount_{return_.pk}": amount, "_confirmed": "yes", **extra})


def test_refund_takes_an_amount_down_from_the_suggestion_never_above(client):
    logged_in(client, FINANCE)
    order = completed_order()
    return_ = make_return(order, a=2, return_fee="1.00")  # 19.33 − 1.00
    page = client.get(f"{RETURNS_URL}{return_.pk}/step/refund/")
    assert page.context["form"].fields[f"amount_{return_.pk}"].initial == D("18.33")
    before = world(order)
    for amount, error in [
        ("18.34", "18.34 EUR is more than 18.33 EUR."),
        ("0", "Give an amount above zero."),
        ("", f"Enter the amount to refund for {order.number}-R1."),
        ("1.005", "“1.005” has more than 2 decimal places in EUR; amounts are never rounded."),
    ]:
        response = refund(client, return_, amount)
        assert response.context["form"].errors[f"amount_{return_.pk}"] == [error]
    assert world(order) == before
    done = refund(client, return_, "15.00")
    assert messages_of(done) == [f"1 return refunded: {order.number}-R1, 15.00 EUR."]
    return_.refresh_from_db()
    assert (return_.status, return_.refund_amount) == (ReturnStatus.REFUNDED, D("15.00"))
    ledger = Payment.objects.get(order=order).transactions.get(kind="refund")
    assert (ledger.amount, ledger.return_ref) == (D("15.00"), f"{order.number}-R1")


STEP_ROLES = {
    "refund": {FINANCE, BACKOFFICE_ADMIN},
    "complete": {WAREHOUSE, BACKOFFICE_ADMIN},
    "delete_return": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
}


@pytest.mark.parametrize("role", ROLES)
def test_a_return_page_offers_each_role_its_steps_only(client, role, django_assert_max_num_queries):
    user = logged_in(client, role)
    order = completed_order()
    return_ = make_return(order, a=1)
    with django_assert_max_num_queries(20):
        page = client.get(f"{RETURNS_URL}{return_.pk}/change/")
    if not user.has_perm("returns.view_return"):
        assert page.status_code == 403
        return
    html = page.content.decode()
    offered = {step for step, roles in STEP_ROLES.items() if f'data-step="{step}"' in html}
    assert offered == {step for step, roles in STEP_ROLES.items() if role in roles}
    assert 'data-step="uncomplete"' not in html  # pending: nothing to undo


@pytest.mark.parametrize("step", ["refund", "complete", "delete_return", "uncomplete"])
@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, WAREHOUSE, FINANCE])
def test_a_step_refused_for_permission_changes_nothing(client, role, step):
    user = logged_in(client, role)
    order = completed_order()
    return_ = make_return(order, a=1)
    if step == "uncomplete":
        returns.complete_return(return_id=return_.pk, by=FACTORY)
    if user.has_perm(f"returns.{step if step != 'delete_return' else 'delete'}_return"):
        return
    before = world(order)
    data = {f"amount_{return_.pk}": "9.67", "_confirmed": "yes"}
    response = client.post(f"{RETURNS_URL}{return_.pk}/step/{step}/", data)
    assert response.status_code == 302
    assert messages_of(response)[0].startswith("You do not have permission to")
    assert world(order) == before


def test_uncomplete_then_delete_a_pending_return(client):
    logged_in(client, BACKOFFICE_ADMIN)
    order = completed_order()
    return_ = make_return(order, a=1)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    before = on_hand("A")
    response = client.post(f"{RETURNS_URL}{return_.pk}/step/uncomplete/")
    assert messages_of(response) == [f"1 return uncompleted: {order.number}-R1."]
    assert on_hand("A") == before - 1
    deleted = client.post(f"{RETURNS_URL}{return_.pk}/step/delete_return/")
    assert deleted.url == RETURNS_URL
    assert not Return.objects.filter(pk=return_.pk).exists()
    assert OrderEvent.objects.filter(order=order, transition="delete").exists()


def test_a_refunded_return_cannot_be_uncompleted_nor_deleted(client):
    logged_in(client, BACKOFFICE_ADMIN)
    order = completed_order()
    return_ = make_return(order, a=1)
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    html = client.get(f"{RETURNS_URL}{return_.pk}/change/").content.decode()
    assert 'data-step="uncomplete"' not in html and 'data-step="delete_return"' not in html
    before = world(order)
    response = client.post(f"{RETURNS_URL}{return_.pk}/step/uncomplete/")
    assert messages_of(response) == [
        f"Return {order.number}-R1 was refunded; a refund cannot be undone."
    ]
    assert world(order) == before
