"""Money can't drift: each finding of the careful tester, as a regression test.

Every refusal says one sentence and leaves the database as it was (`snapshot`).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice import services as backoffice
from core.errors import DomainError
from core.money import exact_amount
from core.roles import CUSTOMER_SERVICE
from orders.models import OrderEvent, OrderLine, OrderStatus
from payments import services as pay
from shipments import services as shipping
from shipments.models import ShipmentStatus
from tests.admin_support import messages_of, role_user
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    WarehouseFactory,
    advance_shipment,
    stock_for,
)
from tests.helpers import snapshot
from tests.test_admin_order_page import change_form_data, page_url

EUR = "EUR"


def two_lines_of_two(**kwargs):
    """The tester's order: 2 lines × 2 units × 10.00, shipping 5.00 = 45.00."""
    lines = [
        LineDataFactory(quantity=2, unit_price=Decimal("10.00")),
        LineDataFactory(quantity=2, unit_price=Decimal("10.00")),
    ]
    return OrderFactory(lines=lines, shipping_price=Decimal("5.00"), **kwargs)


# 1. Overcharge with Direct Capture -------------------------------------------------


@pytest.mark.django_db
def test_lines_of_a_captured_order_cannot_be_edited(client, store):
    store.direct_capture = True
    store.save()
    order = two_lines_of_two(status=OrderStatus.PENDING)
    assert order.payment.captured_amount == Decimal("45.00")
    client.force_login(role_user(CUSTOMER_SERVICE))
    response = client.get(page_url(order))
    assert not response.context["inline_admin_formsets"]  # the lines are a text table
    assert response.context["line_rows"]
    before = snapshot(order)
    data = change_form_data(response)
    first, second = order.lines.order_by("pk")
    data |= {
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 2,
        "lines-0-id": first.pk,
        "lines-0-order": order.pk,
        "lines-0-quantity": 1,
        "lines-1-id": second.pk,
        "lines-1-order": order.pk,
        "lines-1-DELETE": "on",
    }

    response = client.post(page_url(order), data)

    assert messages_of(response) == [
        f"{order} has captured payments: its lines can no longer change; cancel products instead."
    ]
    assert snapshot(order) == before


@pytest.mark.django_db
def test_the_service_refuses_line_edits_once_money_is_captured(store):
    store.direct_capture = True
    store.save()
    order = two_lines_of_two(status=OrderStatus.PENDING)
    before = snapshot(order)
    line = order.lines.first()
    with pytest.raises(DomainError, match="has captured payments"):
        backoffice.edit_order(
            order_id=order.pk,
            loaded_version=order.version,
            details={},
            lines=backoffice.LineEdits(changed={line.pk: {"quantity": 1}}),
            by=FACTORY,
        )
    assert snapshot(order) == before


# 2. Line edits lost under a success message -------------------------------------


@pytest.mark.django_db
def test_an_edit_from_a_page_loaded_before_a_split_is_refused_not_dropped(client):
    order = two_lines_of_two(status=OrderStatus.CONFIRMED)
    client.force_login(role_user(CUSTOMER_SERVICE))
    data = change_form_data(client.get(page_url(order)))
    warehouse = WarehouseFactory()
    stock_for(order, warehouse)
    shipping.expedite_order(order_id=order.pk, by=FACTORY)
    before = snapshot(order)
    data["lines-0-quantity"] = 1
    data["lines-1-DELETE"] = "on"

    response = client.post(page_url(order), data)

    assert messages_of(response) == [f"{order} changed since you opened it: reload and try again."]
    assert snapshot(order) == before


@pytest.mark.django_db
def test_saving_a_page_with_no_change_says_so(client):
    order = two_lines_of_two(status=OrderStatus.PENDING)
    client.force_login(role_user(CUSTOMER_SERVICE))
    before = snapshot(order)
    response = client.post(page_url(order), change_form_data(client.get(page_url(order))))
    assert messages_of(response) == [f"Nothing was changed in {order}."]
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_line_edit_is_made_and_logged_with_what_changed(client):
    order = two_lines_of_two(status=OrderStatus.PENDING)
    client.force_login(role_user(CUSTOMER_SERVICE))
    data = change_form_data(client.get(page_url(order)))
    data["lines-0-quantity"] = 1
    data["lines-1-DELETE"] = "on"

    response = client.post(page_url(order), data)

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.grand_total == Decimal("15.00")
    event = OrderEvent.objects.filter(order=order).last()
    assert event.transition == "edit_lines"
    assert event.data["previous_grand_total"] == "45.00"
    assert any(change.startswith("removed 2 ×") for change in event.data["changes"])
    assert any("quantity 2 → 1" in change for change in event.data["changes"])


# 3. Discount above the line's price ----------------------------------------------


@pytest.mark.django_db
def test_a_discount_above_the_price_is_a_form_error(client):
    order = two_lines_of_two(status=OrderStatus.PENDING)
    client.force_login(role_user(CUSTOMER_SERVICE))
    before = snapshot(order)
    data = change_form_data(client.get(page_url(order)))
    data["lines-0-discount"] = "5000.00"

    response = client.post(page_url(order), data)

    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors
    assert errors[0] == {
        "discount": ["The discount cannot be more than the line's price × quantity."]
    }
    assert snapshot(order) == before


@pytest.mark.django_db
def test_the_database_refuses_a_discount_above_the_price():
    order = two_lines_of_two(status=OrderStatus.PENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(order=order).update(discount=Decimal("5000.00"))


@pytest.mark.django_db
def test_the_database_refuses_a_negative_total():
    order = two_lines_of_two(status=OrderStatus.PENDING)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(order).objects.filter(pk=order.pk).update(grand_total=Decimal("-1.00"))


# 4. Every line of a placed order deleted ---------------------------------------


@pytest.mark.django_db
def test_a_placed_order_keeps_at_least_one_line():
    order = two_lines_of_two(status=OrderStatus.PENDING)
    before = snapshot(order)
    with pytest.raises(DomainError, match=r"must keep at least one line: cancel the order"):
        backoffice.edit_order(
            order_id=order.pk,
            loaded_version=order.version,
            details={},
            lines=backoffice.LineEdits(removed=tuple(order.lines.values_list("pk", flat=True))),
            by=FACTORY,
        )
    assert snapshot(order) == before


# 5. Money input rounded in silence -------------------------------------------------


@pytest.mark.django_db
def test_a_refund_of_more_decimals_than_the_currency_has_is_refused():
    order = OrderFactory(status=OrderStatus.COMPLETED)
    before = snapshot(order)
    with pytest.raises(DomainError, match=r"^1\.005 EUR has more than 2 decimal places\.$"):
        pay.refund_payment(order_id=order.pk, amount="1.005", reason="Goodwill", by=FACTORY)
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("value", "currency", "sentence"),
    [
        ("1.005", "EUR", "1.005 EUR has more than 2 decimal places."),
        ("12.5", "JPY", "12.5 JPY has more than 0 decimal places."),
        ("1e200000", "EUR", "1e200000 EUR is above the largest amount, 999,999,999,999.99."),
        ("NaN", "EUR", "“NaN” is not an amount of money."),
        ("ten", "EUR", "“ten” is not an amount of money."),
    ],
)
def test_exact_amount_refuses_what_it_would_have_to_round(value, currency, sentence):
    with pytest.raises(ValueError) as refused:
        exact_amount(value, currency)
    assert str(refused.value) == sentence


def test_exact_amount_keeps_what_is_exact():
    assert exact_amount("1.5", EUR) == Decimal("1.50")
    assert exact_amount("0.125", "BHD") == Decimal("0.125")


# 6. Tax and price that crashed the page --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("tax_percent", "-100", "Ensure this value is greater than or equal to 0."),
        ("tax_percent", "101", "Ensure this value is less than or equal to 100."),
    ],
)
def test_tax_out_of_range_is_a_form_error(client, field, value, error):
    order = two_lines_of_two(status=OrderStatus.PENDING)
    client.force_login(role_user(CUSTOMER_SERVICE))
    before = snapshot(order)
    data = change_form_data(client.get(page_url(order))) | {f"lines-0-{field}": value}
    response = client.post(page_url(order), data)
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {field: [error]}
    assert snapshot(order) == before


@pytest.mark.django_db
def test_a_total_beyond_what_money_columns_hold_is_refused(client):
    order = two_lines_of_two(status=OrderStatus.INCOMPLETE)
    client.force_login(role_user(CUSTOMER_SERVICE))
    before = snapshot(order)
    data = change_form_data(client.get(page_url(order))) | {
        "lines-0-unit_price": "999999999999.99",
    }
    response = client.post(page_url(order), data)
    assert messages_of(response) == [
        f"The new total of {order} would be above 999,999,999,999.99 EUR."
    ]
    assert snapshot(order) == before


# 8. A shipped date of 0001-01-01 -------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("shipped", [date(1, 1, 1), "the day before placing"])
def test_a_shipped_date_before_the_order_was_placed_is_refused(shipped):
    order = OrderFactory(status=OrderStatus.PROCESSING)
    shipment = order.shipments.get()
    advance_shipment(shipment, status=ShipmentStatus.PAID)
    placed = timezone.localdate(order.placed_at)
    if shipped == "the day before placing":
        shipped = placed - timedelta(days=1)
    before = snapshot(order)
    with pytest.raises(DomainError) as refused:
        shipping.complete_shipment(
            shipment_id=shipment.pk,
            tracking_number="PN1",
            carrier="PostNord",
            shipped_date=shipped,
            by=FACTORY,
        )
    assert str(refused.value) == (
        f"The shipped date cannot be before {order} was placed ({placed:%Y-%m-%d})."
    )
    assert snapshot(order) == before


# 11. Amounts exact on SQLite as on PostgreSQL --------------------------------------


@pytest.mark.django_db
def test_a_second_shipment_s_amount_is_exact_to_the_cent():
    lines = [
        LineDataFactory(quantity=3, unit_price=Decimal("99.30")),
        LineDataFactory(quantity=1, unit_price=Decimal("54.90")),
    ]
    order = OrderFactory(
        status=OrderStatus.CONFIRMED, lines=lines, shipping_price=Decimal("4.90"), currency="DKK"
    )
    warehouse = WarehouseFactory()
    stock_for(order, warehouse)
    first, second = order.lines.order_by("pk")
    shipments = [
        shipping.create_shipment(
            order_id=order.pk, warehouse_id=warehouse.pk, quantities=quantities, by=FACTORY
        )
        for quantities in ({first.pk: 2}, {first.pk: 1, second.pk: 1})
    ]
    for shipment in shipments:
        advance_shipment(shipment, status=ShipmentStatus.PAID)

    captures = OrderEvent.objects.filter(order=order, subject="shipment", transition="capture")
    assert [event.message for event in captures.order_by("pk")] == [
        f"Shipment {shipments[0].ref} captured: 203.50 DKK.",
        f"Shipment {shipments[1].ref} captured: 154.20 DKK.",
    ]
    assert [event.data["shipping"] for event in captures.order_by("pk")] == ["4.90", "0.00"]
    order.payment.refresh_from_db()
    assert order.payment.captured_amount == order.grand_total == Decimal("357.70")
