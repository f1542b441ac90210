"""Every form and API field that takes an amount or a quantity reads it with the
one reader (`core.money.read_amount`, `read_quantity`): the same typed text
gives the same exact value or the same sentence everywhere, never a 500, and a
confirmation page shows the figure read, never a rounded one (issue 25).

The fields: a return's refund; a new return's handling cost, return fee and
voucher value; the goodwill refund; marking a payment paid by hand; an order
line's unit price and discount; the store's handling limit; the orders list's
and the Order API's grand-total filter. Quantities: a new return's units, the
split page, cancelling products, an order line's quantity.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin import site
from django.test import RequestFactory

from backoffice.filters import OrderFilterSet
from core.money import read_amount, read_quantity
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE
from orders.models import OrderLine, OrderStatus, StoreSettings
from payments.models import Payment
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import LineDataFactory, OrderFactory, UserFactory
from tests.helpers import payment_snapshot
from tests.integration_support import api_client, make_integration
from tests.returns_support import allow_handling, completed_order, line_of, make_return, world
from tests.test_admin_order_page import change_form_data, page_url

D = Decimal
pytestmark = pytest.mark.django_db

RETURNS_URL = "/admin/returns/return/"
SHIPMENTS_URL = "/admin/shipments/shipment/"
PAYMENTS_URL = "/admin/payments/payment/"

NOT_AN_AMOUNT = "“{}” is not an amount: type digits (0–9) with at most one point, like 12.50."
TYPED = ["1.005", "1e30", "1e9999", "NaN", "-0", "1,5", "١", " 1", "1 000", str(10**20)]


def expected(typed: str, currency: str | None = "EUR") -> str | Decimal:
    """The one outcome of each typed text: the value read, or the sentence."""
    in_currency = f" in {currency}" if currency else ""
    return {
        "1.005": f"“1.005” has more than 2 decimal places{in_currency}; amounts are never rounded.",
        "1e30": NOT_AN_AMOUNT.format("1e30"),
        "1e9999": NOT_AN_AMOUNT.format("1e9999"),
        "NaN": NOT_AN_AMOUNT.format("NaN"),
        "-0": NOT_AN_AMOUNT.format("-0"),
        "1,5": NOT_AN_AMOUNT.format("1,5"),
        "١": NOT_AN_AMOUNT.format("١"),
        " 1": D("1.00"),
        "1 000": NOT_AN_AMOUNT.format("1 000"),
        str(10**20): "“100000000000000000000” is above the largest amount, 999,999,999,999.99.",
    }[typed]


# The reader itself ---------------------------------------------------------------


@pytest.mark.parametrize("typed", [*TYPED, 10**20])
def test_the_reader_gives_the_exact_value_or_the_sentence(typed):
    want = expected(str(typed))
    try:
        got = read_amount(typed, "EUR")
    except ValueError as refused:
        got = str(refused)
    assert got == want
    if isinstance(want, Decimal):
        assert str(got) == "1.00"


@pytest.mark.parametrize(
    ("typed", "currency", "outcome"),
    [
        ("12.5", "JPY", "“12.5” has decimal places, but amounts in JPY are whole; amounts are "
         "never rounded."),
        ("0.125", "BHD", D("0.125")),
        ("999999999999.99", "EUR", D("999999999999.99")),
        ("1000000000000", "EUR", "“1000000000000” is above the largest amount, "
         "999,999,999,999.99."),
        ("1.50", "EUR", D("1.50")),
        ("1.", "EUR", NOT_AN_AMOUNT.format("1.")),
        ("Infinity", "EUR", NOT_AN_AMOUNT.format("Infinity")),
        ("+1", "EUR", NOT_AN_AMOUNT.format("+1")),
        (1.5, "EUR", NOT_AN_AMOUNT.format("1.5")),  # a float is never exact
        ("9" * 5000, "EUR", f"“{'9' * 30}…” is above the largest amount, 999,999,999,999.99."),
    ],
)  # fmt: skip
def test_the_reader_at_its_edges(typed, currency, outcome):
    try:
        got = read_amount(typed, currency)
    except ValueError as refused:
        got = str(refused)
    assert got == outcome


NOT_A_QUANTITY = "“{}” is not a quantity: type a whole number with digits (0–9)."
QUANTITIES = {
    "١": NOT_A_QUANTITY.format("١"),
    "1e3": NOT_A_QUANTITY.format("1e3"),
    "-0": NOT_A_QUANTITY.format("-0"),
    "1.0": NOT_A_QUANTITY.format("1.0"),
    "NaN": NOT_A_QUANTITY.format("NaN"),
    " 1": 1,
    str(10**20): "“100000000000000000000” is more than 3.",
}


@pytest.mark.parametrize(("typed", "outcome"), QUANTITIES.items())
def test_the_quantity_reader(typed, outcome):
    try:
        got = read_quantity(typed, 3)
    except ValueError as refused:
        got = str(refused)
    assert got == outcome


# Every amount field, through its page ------------------------------------------------


def form_error(response, field: str) -> str | None:
    form = response.context["form"]
    errors = form.errors.get(field)
    return errors[0] if errors else None


def refund_of_a_return(client, typed):
    client.force_login(role_user(FINANCE))
    order = completed_order()
    return_ = make_return(order, a=1)
    response = client.post(
        f"{RETURNS_URL}{return_.pk}/step/refund/", {f"amount_{return_.pk}": typed}
    )
    assert response.status_code == 200
    error = form_error(response, f"amount_{return_.pk}")
    if error:
        return error
    (confirmation,) = response.context["confirmations"]
    assert confirmation.startswith(f"Refund 1.00 EUR for return {return_.number}")
    return D("1.00")


def new_return(field: str, shown: str):
    def post(client, typed):
        allow_handling("5.00")
        client.force_login(role_user(CUSTOMER_SERVICE))
        order = completed_order()
        data = {
            f"qty_{line_of(order, 'A').pk}": "2",
            f"qty_{line_of(order, 'B').pk}": "0",
            "stock_action": "back_to_origin",
            "warehouse": "",
            "handling_cost": "0",
            "return_fee": "0",
            "voucher_value": "0",
            "reason": "",
            "comment": "",
        } | {field: typed}
        url = f"{SHIPMENTS_URL}{order.shipments.get().pk}/step/create_return/"
        before = world(order)
        response = client.post(url, data)
        assert response.status_code == 200 and world(order) == before
        error = form_error(response, field)
        if error:
            return error
        (confirmation,) = response.context["confirmations"]
        assert f"{shown} 1.00 EUR" in confirmation
        return D("1.00")

    return post


def goodwill_refund(client, typed):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    order = completed_order()
    payment = Payment.objects.get(order=order)
    before = payment_snapshot(order.pk)
    response = client.post(
        f"{PAYMENTS_URL}{payment.pk}/step/refund/", {"amount": typed, "reason": "Late"}
    )
    assert response.status_code == 200 and payment_snapshot(order.pk) == before
    error = form_error(response, "amount")
    if error:
        return error
    (confirmation,) = response.context["confirmations"]
    assert confirmation.startswith(f"Refund 1.00 EUR to the customer of {order}")
    return D("1.00")


def paid_by_hand(client, typed):
    client.force_login(role_user(FINANCE))
    order = OrderFactory(status=OrderStatus.CONFIRMED, payment_method="invoice")
    payment = Payment.objects.get(order=order)
    response = client.post(
        f"{PAYMENTS_URL}{payment.pk}/step/record_manual/", {"amount": typed, "reference": "BT"}
    )
    if response.status_code == 200:
        return form_error(response, "amount")
    assert messages_of(response) == [f"1 payment marked as paid: {order.number}."]
    return Payment.objects.get(pk=payment.pk).captured_amount


def order_line(field: str):
    def post(client, typed):
        client.force_login(role_user(CUSTOMER_SERVICE))
        order = OrderFactory(
            status=OrderStatus.PENDING,
            lines=[LineDataFactory(quantity=2, unit_price=D("10.00"))],
        )
        data = change_form_data(client.get(page_url(order))) | {f"lines-0-{field}": typed}
        response = client.post(page_url(order), data)
        if response.status_code == 200:
            errors = response.context["inline_admin_formsets"][0].formset.errors[0]
            return errors[field][0]
        assert response.status_code == 302
        return getattr(OrderLine.objects.get(order=order), field)

    return post


def store_handling_limit(client, typed):
    request = RequestFactory().post("/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    settings_row = StoreSettings.load()
    admin = site._registry[StoreSettings]
    form_class = admin.get_form(request, settings_row)
    initial = {name: getattr(settings_row, name) for name in form_class.base_fields}
    form = form_class(initial | {"return_handling_limit": typed}, instance=settings_row)
    if not form.is_valid():
        return form.errors["return_handling_limit"][0]
    return form.cleaned_data["return_handling_limit"]


def orders_list_filter(client, typed):
    client.force_login(role_user(CUSTOMER_SERVICE))
    response = client.get(ORDERS_URL, {"grand_total_min": typed})
    if response.status_code == 302:
        (message,) = messages_of(response)
        prefix = "The orders could not be filtered by grand total between: "
        return message.removeprefix(prefix).removesuffix(" Showing the default list.")
    assert response.status_code == 200
    return read_by_the_filter(typed)


def order_api_filter(client, typed):
    OrderFactory(status=OrderStatus.PENDING)
    response = api_client(make_integration()).get("/api/v1/orders/", {"grand_total_min": typed})
    if response.status_code == 400:
        # The API names the parameter before the reader's sentence.
        named, sentence = response.json()["detail"].split(": ", 1)
        assert named == "grand_total_min"
        return sentence
    assert response.status_code == 200
    return read_by_the_filter(typed)


def read_by_the_filter(typed):
    """What the one FilterSet (orders list, API, commands) read from the accepted text."""
    form = OrderFilterSet(data={"grand_total_min": typed}).form
    assert form.is_valid()
    return form.cleaned_data["grand_total"].start


AMOUNT_FIELDS = {
    "a return's refund": (refund_of_a_return, "EUR"),
    "a new return's handling cost": (new_return("handling_cost", "+ handling"), "EUR"),
    "a new return's return fee": (new_return("return_fee", "− return fee"), "EUR"),
    "a new return's voucher value": (new_return("voucher_value", "− voucher"), "EUR"),
    "the goodwill refund": (goodwill_refund, "EUR"),
    "paid by hand": (paid_by_hand, None),
    "an order line's unit price": (order_line("unit_price"), None),
    "an order line's discount": (order_line("discount"), None),
    "the store's handling limit": (store_handling_limit, None),
    "the orders list's grand total": (orders_list_filter, None),
    "the Order API's grand total": (order_api_filter, None),
}


@pytest.mark.parametrize("typed", TYPED)
@pytest.mark.parametrize("field", AMOUNT_FIELDS)
def test_every_amount_field_reads_the_same_way(client, field, typed):
    post, currency = AMOUNT_FIELDS[field]
    assert post(client, typed) == expected(typed, currency)


# Every quantity field of a form that moves goods or money, through its page ---------


def returned_units(client, typed):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = completed_order()
    data = {
        f"qty_{line_of(order, 'A').pk}": typed,
        f"qty_{line_of(order, 'B').pk}": "0",
        "stock_action": "remove",
        "warehouse": "",
        "reason": "",
        "comment": "",
    }
    url = f"{SHIPMENTS_URL}{order.shipments.get().pk}/step/create_return/"
    response = client.post(url, data)
    assert response.status_code == 200
    error = form_error(response, f"qty_{line_of(order, 'A').pk}")
    if error:
        return error
    (confirmation,) = response.context["confirmations"]
    assert confirmation.startswith("Return 1 × A (9.67 EUR) of shipment")
    return 1


def cancelled_units(client, typed):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=OrderStatus.CONFIRMED, lines=[LineDataFactory(quantity=3)])
    line = order.lines.get()
    response = client.post(
        f"{ORDERS_URL}{order.pk}/step/cancel_products/",
        {f"line_{line.pk}": typed, "reason": "Out of stock"},
    )
    if response.status_code == 200 and "form" in response.context:
        error = form_error(response, f"line_{line.pk}")
        if error:
            return error
    return OrderLine.objects.get(pk=line.pk).quantity_cancelled


def ordered_units(client, typed):
    client.force_login(role_user(CUSTOMER_SERVICE))
    order = OrderFactory(status=OrderStatus.PENDING, lines=[LineDataFactory(quantity=3)])
    data = change_form_data(client.get(page_url(order))) | {"lines-0-quantity": typed}
    response = client.post(page_url(order), data)
    if response.status_code == 200:
        return response.context["inline_admin_formsets"][0].formset.errors[0]["quantity"][0]
    assert response.status_code == 302
    return OrderLine.objects.get(order=order).quantity


QUANTITY_FIELDS = {
    "a new return's units (3 shipped)": (returned_units, "3"),
    "cancelling products (3 open)": (cancelled_units, "3"),
    "an order line's quantity": (ordered_units, "100,000"),
}


@pytest.mark.parametrize("typed", ["١", "1e3", "-0", "1.0", " 1", str(10**20)])
@pytest.mark.parametrize("field", QUANTITY_FIELDS)
def test_every_quantity_field_reads_the_same_way(client, field, typed):
    post, most = QUANTITY_FIELDS[field]
    want = QUANTITIES[typed] if typed != str(10**20) else f"“{typed}” is more than {most}."
    assert post(client, typed) == want
