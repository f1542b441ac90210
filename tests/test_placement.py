"""Placing a selection paid at the test provider: only a verified answer records anything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.services.placement import (
    PaymentFailed,
    PaymentNotVerified,
    StockShort,
    Unavailable,
    payment_in_progress,
    remove_unavailable,
    settle_from_notification,
    settle_from_return,
)
from core.errors import DomainError, FieldErrors
from orders.models import Order, OrderEvent, OrderStatus
from outbox.models import Integration, OutboxMessage
from payments.models import Payment, PaymentAttempt, PaymentTransaction
from shipments.models import Allocation, Stock
from tests.helpers import snapshot, stock_snapshot
from tests.placement_support import (
    SHOP,
    SKU,
    answers,
    begin,
    make_selection,
    make_shop,
    open_attempt,
)

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def shop(store):
    make_shop(on_hand=3, second=2)
    return store


def nothing_recorded(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == S.INCOMPLETE
    assert not Payment.objects.filter(order=order).exists()
    assert not PaymentTransaction.objects.exists()
    assert not Allocation.objects.exists()
    assert sum(Stock.objects.values_list("allocated", flat=True)) == 0


# Beginning


def test_begin_payment_opens_an_attempt_for_the_grand_total_and_redirects(shop):
    order = make_selection(2)
    action = begin(order)
    attempt = order.payment_attempts.get()
    assert (action.action, action.url) == (
        "redirect",
        f"http://testserver/payments/test-provider/{attempt.reference}",
    )
    assert (attempt.status, attempt.amount, attempt.currency) == ("open", Decimal("25.00"), "EUR")
    assert (attempt.provider, attempt.payment_method, attempt.by) == ("test", "test", SHOP)
    assert len(attempt.reference) >= 32  # random, never the order's id
    assert attempt.expires_at > timezone.now() + timedelta(minutes=29)
    assert payment_in_progress(order)


def test_beginning_again_cancels_the_open_attempt(shop):
    order = make_selection()
    first = open_attempt(order)
    second = open_attempt(order)
    first.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "open")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"customer_email": ""}, {"address.email": "required"}),
        ({"billing_country": ""}, {"address.country": "required"}),
        (
            {"billing_street": "", "billing_city": ""},
            {"address.address1": "required", "address.city": "required"},
        ),
    ],
)
def test_missing_fields_are_refused_by_name_and_change_nothing(shop, fields, errors):
    order = make_selection(**fields)
    before = snapshot(order)
    with pytest.raises(FieldErrors) as refused:
        begin(order)
    assert refused.value.errors == errors
    assert snapshot(order) == before
    assert not PaymentAttempt.objects.exists()


@pytest.mark.parametrize(
    ("pages", "errors"),
    [
        ({"return_page": ""}, {"paymentReturnPage": "required"}),
        ({"return_page": "/thanks"}, {"paymentReturnPage": "invalid"}),
        ({"return_page": "javascript:alert(1)"}, {"paymentReturnPage": "invalid"}),
        ({"failed_page": "ftp://shop.example/x"}, {"paymentFailedPage": "invalid"}),
    ],
)
def test_the_return_pages_must_be_web_addresses(shop, pages, errors):
    with pytest.raises(FieldErrors) as refused:
        begin(make_selection(), **pages)
    assert refused.value.errors == errors


def test_an_empty_selection_a_placed_order_and_an_unknown_method_are_refused(shop):
    with pytest.raises(DomainError, match="no items"):
        begin(_empty())
    with pytest.raises(DomainError, match="placed already"):
        begin(make_selection(status=S.PENDING))
    with pytest.raises(DomainError, match="Payment method paypal not found"):
        begin(make_selection(), method="paypal")
    assert not PaymentAttempt.objects.exists()


def _empty() -> Order:
    order = make_selection()
    order.lines.all().delete()
    return order


def test_a_free_selection_is_refused(shop):
    order = make_selection()
    order.lines.update(unit_price=Decimal("0.00"))
    Order.objects.filter(pk=order.pk).update(shipping_price=Decimal("0.00"))
    with pytest.raises(DomainError, match="nothing to pay"):
        begin(order)
    assert not PaymentAttempt.objects.exists()


def test_too_little_stock_at_begin_is_stock_short_and_changes_nothing(shop):
    order = make_selection(6)
    before = snapshot(order)
    with pytest.raises(StockShort) as refused:
        begin(order)
    assert refused.value.unavailable == [Unavailable(SKU, order.lines.get().product_name, 6, 1, 5)]
    assert snapshot(order) == before
    assert not PaymentAttempt.objects.exists()


def test_remove_unavailable_lowers_the_line_and_prices_again(shop):
    order = make_selection(6)
    short = remove_unavailable(order_id=order.pk, by=SHOP)
    assert [(row.sku, row.available) for row in short] == [(SKU, 5)]
    order.refresh_from_db()
    assert order.lines.get().quantity == 5
    assert remove_unavailable(order_id=order.pk, by=SHOP) == []


# Settling


def test_an_approved_return_places_one_order_authorized_with_stock_allocated(shop):
    order = make_selection(4)
    attempt = open_attempt(order)
    _, returned = answers(attempt)

    placed = settle_from_return(fields=returned)

    assert placed.pk == order.pk
    placed.refresh_from_db()
    assert placed.status == S.PENDING
    row = PaymentTransaction.objects.get(payment__order=placed)
    assert (row.kind, row.outcome, row.amount) == ("authorize", "success", Decimal("45.00"))
    assert row.provider_reference == returned["transactionReference"]
    assert placed.payment.provider_reference == returned["transactionReference"]
    assert sorted(Allocation.objects.values_list("warehouse__name", "quantity")) == [
        ("Berlin", 1),
        ("Stockholm", 3),
    ]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.transaction_reference) == (
        "placed",
        returned["transactionReference"],
    )
    checkout = OrderEvent.objects.get(order=placed, transition="checkout")
    assert checkout.actor == "storefront:web"
    assert not payment_in_progress(placed)
    # Again, and the notification after it: the same order, one authorization.
    body, _ = answers(attempt)
    assert settle_from_return(fields=returned).pk == placed.pk
    assert settle_from_notification(provider="test", body=body, headers={}).pk == placed.pk
    assert PaymentTransaction.objects.count() == 1


def test_the_order_is_announced_like_any_checkout(shop):
    Integration.objects.create(
        name="listens", kind=Integration.Kind.QUEUE, event_types=["order.created"]
    )
    attempt = open_attempt(make_selection())
    settle_from_return(fields=answers(attempt)[1])
    assert OutboxMessage.objects.filter(event_type="order.created").count() == 1


def test_with_autoconfirm_the_order_is_confirmed(shop):
    shop.autoconfirm = True
    shop.save()
    attempt = open_attempt(make_selection())
    assert settle_from_return(fields=answers(attempt)[1]).status == S.CONFIRMED


def test_with_direct_capture_the_grand_total_is_captured(shop):
    shop.direct_capture = True
    shop.save()
    attempt = open_attempt(make_selection())
    order = settle_from_return(fields=answers(attempt)[1])
    kinds = sorted(
        PaymentTransaction.objects.filter(payment__order=order).values_list("kind", flat=True)
    )
    assert kinds == ["authorize", "capture"]


def test_a_decline_places_nothing_and_leaves_the_selection_editable(shop):
    order = make_selection()
    attempt = open_attempt(order)
    with pytest.raises(PaymentFailed, match="declined"):
        settle_from_return(fields=answers(attempt, approved=False)[1])
    attempt.refresh_from_db()
    assert attempt.status == "declined"
    assert not payment_in_progress(order)
    nothing_recorded(order)
    # The buyer pays again, and this time approves.
    again = open_attempt(order)
    assert settle_from_return(fields=answers(again)[1]).status == S.PENDING


def test_a_declined_notification_is_recorded_and_answers_none(shop):
    order = make_selection()
    attempt = open_attempt(order)
    body, returned = answers(attempt, approved=False)
    assert settle_from_notification(provider="test", body=body, headers={}) is None
    with pytest.raises(PaymentFailed):
        settle_from_return(fields=returned)
    nothing_recorded(order)


def tampered(returned: dict, **changes) -> dict:
    return returned | changes


@pytest.mark.parametrize(
    ("change", "forged"),
    [
        (lambda r: tampered(r, signature="x" + r["signature"][1:]), True),
        (lambda r: tampered(r, amount="1.00"), True),
        (lambda r: tampered(r, success="true"), True),
        (lambda r: {k: v for k, v in r.items() if k != "signature"}, False),
        (lambda r: tampered(r, selection="pa_unknown"), False),
    ],
)
def test_forged_return_parameters_record_nothing(shop, change, forged):
    order = make_selection()
    attempt = open_attempt(order)
    _, returned = answers(attempt, approved=False)
    with pytest.raises(PaymentNotVerified) as refused:
        settle_from_return(fields=change(returned))
    assert refused.value.forged is forged
    attempt.refresh_from_db()
    assert attempt.status == "open"
    nothing_recorded(order)


def test_old_return_parameters_record_nothing(shop):
    order = make_selection()
    attempt = open_attempt(order)
    _, returned = answers(attempt, now=timezone.now() - timedelta(seconds=301))
    with pytest.raises(PaymentNotVerified, match="window"):
        settle_from_return(fields=returned)
    nothing_recorded(order)


def test_other_money_signed_correctly_records_nothing(shop, monkeypatch):
    order = make_selection()
    attempt = open_attempt(order)
    for field, value in (("amount", Decimal("15.01")), ("currency", "SEK")):
        other = PaymentAttempt.objects.get(pk=attempt.pk)
        setattr(other, field, value)  # the provider signs what it was told, not the shop's
        with pytest.raises(PaymentNotVerified, match="Mismatched"):
            settle_from_return(fields=answers(other)[1])
    nothing_recorded(order)


def test_stock_gone_before_placement_cancels_the_attempt_records_nothing(shop):
    order = make_selection(5)
    attempt = open_attempt(order)
    Stock.objects.filter(warehouse__name="Berlin").update(on_hand=1)
    _, returned = answers(attempt)
    with pytest.raises(StockShort) as refused:
        settle_from_return(fields=returned)
    assert [(r.sku, r.available, r.unavailable) for r in refused.value.unavailable] == [(SKU, 4, 1)]
    attempt.refresh_from_db()
    assert attempt.status == "cancelled"
    nothing_recorded(order)
    with pytest.raises(StockShort):  # the result posted again says the same
        settle_from_return(fields=returned)


def test_an_expired_attempt_places_nothing(shop):
    order = make_selection()
    attempt = open_attempt(order)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(expires_at=timezone.now())
    assert not payment_in_progress(order)
    with pytest.raises(PaymentFailed, match="expired"):
        settle_from_return(fields=answers(attempt)[1])
    attempt.refresh_from_db()
    assert attempt.status == "cancelled"
    nothing_recorded(order)


def test_a_selection_changed_while_paying_places_nothing(shop):
    order = make_selection()
    attempt = open_attempt(order)
    order.lines.update(quantity=2)
    with pytest.raises(PaymentFailed, match="changed"):
        settle_from_return(fields=answers(attempt)[1])
    nothing_recorded(order)


def test_stock_snapshot_is_untouched_by_a_refused_begin(shop):
    before = stock_snapshot()
    with pytest.raises(StockShort):
        begin(make_selection(9))
    assert stock_snapshot() == before


def test_the_order_page_tells_the_payment_attempts_story(shop, admin_client):
    order = make_selection()
    with pytest.raises(PaymentFailed):
        settle_from_return(fields=answers(open_attempt(order), approved=False)[1])
    settle_from_return(fields=answers(open_attempt(order))[1])
    response = admin_client.get(f"/admin/orders/order/{order.pk}/change/")
    assert response.status_code == 200
    for words in ("Payment attempt begun", "Payment attempt declined", "Payment attempt placed"):
        assert words in response.text


def test_with_direct_to_shipment_the_order_ships_from_its_reservation(shop):
    shop.direct_to_shipment = True
    shop.save()
    attempt = open_attempt(make_selection(2))
    order = settle_from_return(fields=answers(attempt)[1])
    assert order.status == S.PROCESSING
    assert order.shipments.count() == 1
    assert Stock.objects.get(warehouse__name="Stockholm").allocated == 2
