"""Payments in the admin: list, refund / mark as paid / void by role, tampering, ledger.

The refund here is the free-amount goodwill refund: the Back-office admin's alone
(`payments.goodwill_refund`); Finance refunds the money of returns through returns.
"""

from decimal import Decimal

import pytest
from django.test import Client

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE
from orders.models import OrderStatus
from payments import services as pay
from payments.models import Payment, PaymentStatus
from tests.admin_support import NO_PERMISSIONS, ROLES, messages_of, role_user
from tests.factories import LineDataFactory, OrderFactory
from tests.helpers import payment_snapshot

S = OrderStatus
P = PaymentStatus
PAYMENTS_URL = "/admin/payments/payment/"


def paid_order(total="100.00", method="test", **kwargs):
    lines = [LineDataFactory(quantity=1, unit_price=Decimal(total))]
    return OrderFactory(
        status=S.CONFIRMED,
        lines=lines,
        shipping_price=Decimal("0"),
        payment_method=method,
        **kwargs,
    )


def payment_in(state: str) -> Payment:
    """A payment brought to `state` through the payment services."""
    order = paid_order()
    if state in (P.CAPTURED, P.PARTIALLY_REFUNDED, P.REFUNDED):
        pay.capture_payment(order_id=order.pk, amount=Decimal("100.00"), by="test")
    if state == P.PARTIALLY_CAPTURED:
        pay.capture_payment(order_id=order.pk, amount=Decimal("40.00"), by="test")
    if state == P.PARTIALLY_REFUNDED:
        pay.refund_payment(order_id=order.pk, amount=Decimal("30.00"), reason="x", by="test")
    if state == P.REFUNDED:
        pay.refund_payment(order_id=order.pk, amount=Decimal("100.00"), reason="x", by="test")
    if state == P.VOIDED:
        pay.void_payment(order_id=order.pk, by="test")
    payment = Payment.objects.get(order=order)
    assert payment.status == state
    return payment


REFUNDABLE = {P.PARTIALLY_CAPTURED, P.CAPTURED, P.PARTIALLY_REFUNDED}
STATES = [
    P.AUTHORIZED,
    P.PARTIALLY_CAPTURED,
    P.CAPTURED,
    P.PARTIALLY_REFUNDED,
    P.REFUNDED,
    P.VOIDED,
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
def test_refund_by_role_and_state(client, role, state):
    user = role_user(role)
    client.force_login(user)
    payment = payment_in(state)
    before = payment_snapshot(payment.order_id)
    data = {"amount": "10.00", "reason": "Damaged in transit", "_confirmed": "yes"}

    page = client.post(f"{PAYMENTS_URL}{payment.pk}/step/refund/", data)
    # One payment's own figures: a goodwill refund is never offered in bulk.
    bulk = client.post(
        PAYMENTS_URL, {"action": "refund", "_selected_action": [payment.pk], "post": "yes", **data}
    )

    if role == NO_PERMISSIONS or not user.has_perm("payments.view_payment"):
        # Roles that do not see payments (Customer service, Warehouse) are refused.
        assert (page.status_code, bulk.status_code) == (403, 403)
        assert payment_snapshot(payment.order_id) == before
        return
    allowed = user.has_perm("payments.goodwill_refund") and state in REFUNDABLE
    payment.refresh_from_db()
    assert messages_of(bulk) == [
        "Goodwill refund is not offered for these payments."
        if user.has_perm("payments.goodwill_refund")
        else "You do not have permission to goodwill refund payments."
    ]
    if allowed:
        assert payment.refunded_amount == before["amounts"][2] + Decimal("10.00")
        assert messages_of(page) == [f"1 payment refunded: {payment.order.number}, 10.00 EUR."]
    else:
        assert payment_snapshot(payment.order_id) == before
        assert len(messages_of(page)) == 1 and messages_of(page)[0].endswith(".")
        assert len(messages_of(bulk)) == 1 and messages_of(bulk)[0].endswith(".")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("-5", "“-5” is not an amount: type digits (0–9) with at most one point, like 12.50."),
        ("0", "Give an amount above zero."),
        ("lots", "“lots” is not an amount: type digits (0–9) with at most one point, like 12.50."),
        ("", "Enter the amount to refund."),
    ],
)
def test_refund_form_refuses_bad_amounts(client, amount, error):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.CAPTURED)
    before = payment_snapshot(payment.order_id)
    response = client.post(
        f"{PAYMENTS_URL}{payment.pk}/step/refund/", {"amount": amount, "reason": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [error]
    assert payment_snapshot(payment.order_id) == before


@pytest.mark.django_db
def test_refund_above_what_was_captured_is_refused_with_a_sentence(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.PARTIALLY_CAPTURED)
    before = payment_snapshot(payment.order_id)
    response = client.post(
        f"{PAYMENTS_URL}{payment.pk}/step/refund/",
        {"amount": "40.01", "reason": "x", "_confirmed": "yes"},
    )
    assert messages_of(response) == [
        f"Order {payment.order.number} has 40.00 EUR captured and not refunded, "
        "less than 40.01 EUR."
    ]
    assert payment_snapshot(payment.order_id) == before


@pytest.mark.django_db
def test_goodwill_refund_shows_the_figures_confirms_the_amount_and_says_it(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.PARTIALLY_REFUNDED)
    url = f"{PAYMENTS_URL}{payment.pk}/step/refund/"
    number = payment.order.number
    form = client.get(url)
    assert form.context["step_label"] == "Goodwill refund"
    assert form.context["form"].fields["amount"].help_text == (
        f"Order {number}: captured 100.00 EUR, refundable 70.00 EUR."
    )
    before = payment_snapshot(payment.order_id)
    data = {"amount": "12.50", "reason": "Late delivery"}
    confirm = client.post(url, data)
    assert confirm.context["confirmations"] == [
        f"Refund 12.50 EUR to the customer of Order {number} as goodwill (reason: Late delivery)?"
    ]
    assert 'value="Yes, goodwill refund"' in confirm.content.decode()
    changed = client.post(url, {**data, "_confirmed": "yes", "_change": "No, change it"})
    assert changed.context["confirmations"] == [] and changed.context["form"].is_bound
    assert payment_snapshot(payment.order_id) == before
    done = client.post(url, {**data, "_confirmed": "yes"})
    assert messages_of(done) == [f"1 payment refunded: {number}, 12.50 EUR."]
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("42.50")


@pytest.mark.django_db
def test_mark_as_paid_by_hand_for_an_invoice_payment(client):
    client.force_login(role_user(FINANCE))
    order = paid_order(method="invoice")
    payment = Payment.objects.get(order=order)
    response = client.post(
        f"{PAYMENTS_URL}{payment.pk}/step/record_manual/", {"amount": "", "reference": "BT-991"}
    )
    assert messages_of(response) == [f"1 payment marked as paid: {order.number}."]
    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (P.CAPTURED, Decimal("100.00"))
    row = payment.transactions.last()
    assert (row.manual, row.reference) == (True, "BT-991")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), [(BACKOFFICE_ADMIN, True), (FINANCE, False)])
def test_void_needs_a_confirmation_page_and_the_right(client, role, allowed):
    client.force_login(role_user(role))
    payment = payment_in(P.AUTHORIZED)
    before = payment_snapshot(payment.order_id)
    page = client.get(f"{PAYMENTS_URL}{payment.pk}/step/void/")
    if allowed:
        assert page.status_code == 200
        assert payment_snapshot(payment.order_id) == before
    response = client.post(f"{PAYMENTS_URL}{payment.pk}/step/void/")
    payment.refresh_from_db()
    if allowed:
        assert payment.status == P.VOIDED
    else:
        assert messages_of(response) == ["You do not have permission to void payments."]
        assert payment_snapshot(payment.order_id) == before


@pytest.mark.django_db
def test_refund_post_without_csrf_token_is_refused(client):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.CAPTURED)
    before = payment_snapshot(payment.order_id)
    response = csrf_client.post(
        f"{PAYMENTS_URL}{payment.pk}/step/refund/",
        {"amount": "1", "reason": "x", "_confirmed": "yes"},
    )
    assert response.status_code == 403
    assert payment_snapshot(payment.order_id) == before


@pytest.mark.django_db
def test_payment_list_and_page_show_the_ledger(client, django_assert_max_num_queries):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.PARTIALLY_REFUNDED)
    for _ in range(5):
        payment_in(P.CAPTURED)
    with django_assert_max_num_queries(10):
        listing = client.get(PAYMENTS_URL)
    assert listing.status_code == 200
    assert "Partially refunded" in listing.content.decode()
    page = client.get(f"{PAYMENTS_URL}{payment.pk}/change/")
    html = page.content.decode()
    assert 'data-step="refund"' in html
    assert "Refund" in html and "Capture" in html and "Authorize" in html


@pytest.mark.django_db
def test_order_page_shows_payment_ledger_and_payment_steps(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.CAPTURED)
    response = client.get(f"/admin/orders/order/{payment.order_id}/change/")
    html = response.content.decode()
    assert [row.kind for row in response.context["ledger"]] == ["authorize", "capture"]
    assert 'data-step="payment-refund"' in html
    # Finance refunds through returns: the free-amount (goodwill) refund is not theirs.
    for role in (CUSTOMER_SERVICE, FINANCE):
        client.force_login(role_user(role))
        html = client.get(f"/admin/orders/order/{payment.order_id}/change/").content.decode()
        assert 'data-step="payment-refund"' not in html


@pytest.mark.django_db
def test_a_payment_step_started_on_the_order_page_returns_there_and_only_there(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    payment = payment_in(P.CAPTURED)
    order_url = f"/admin/orders/order/{payment.order_id}/change/"
    step_url = f"{PAYMENTS_URL}{payment.pk}/step/refund/"
    html = client.get(order_url).content.decode()
    assert f'href="{step_url}?next=%2Fadmin%2Forders%2Forder%2F{payment.order_id}%2Fchange%2F"' in (
        html
    )
    data = {"amount": "1.00", "reason": "Goodwill", "_confirmed": "yes"}
    back = client.post(f"{step_url}?next={order_url}", data)
    assert back["Location"] == order_url
    elsewhere = client.post(f"{step_url}?next=https://evil.example.com/", data)
    assert elsewhere["Location"] == f"{PAYMENTS_URL}{payment.pk}/change/"


@pytest.mark.django_db
def test_payment_search_by_order_number_or_provider_reference(client):
    client.force_login(role_user(FINANCE))
    wanted, other = OrderFactory(status=S.PENDING), OrderFactory(status=S.PENDING)
    reference = Payment.objects.get(order=wanted).provider_reference
    assert reference

    def found(term):
        response = client.get(PAYMENTS_URL, {"q": term})
        return {p.order_id for p in response.context["cl"].result_list}

    assert found(str(wanted.number)) == {wanted.pk}
    assert found(reference) == {wanted.pk}
    assert found("no-such-reference") == set()
    assert other.pk in found("")
