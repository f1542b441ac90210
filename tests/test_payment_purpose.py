"""`PaymentTransaction.purpose`: every service that writes a ledger row says what its
money moved for, and the database holds each purpose to its kind (the migration
that gave older rows theirs: `test_payment_purpose_migration.py`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from backoffice import services as backoffice
from core.roles import BACKOFFICE_ADMIN
from orders.models import Order, OrderEvent, OrderStatus, StoreSettings
from payments import services as pay
from payments.errors import PaymentDeclined, unless_declined
from payments.models import KIND_OF_PURPOSE, Payment, PaymentTransaction, Purpose
from returns import services as returns
from shipments import services as shipping
from shipments.models import ShipmentStatus
from tests.admin_support import messages_of, role_user
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    PaymentFactory,
    ShipmentFactory,
)
from tests.returns_support import completed_order, make_return

S = OrderStatus
D = Decimal
OK, FAILED = "success", "failed"


def two_lines(status: int, **extra) -> Order:
    """A (2 × 10.00), B (1 × 20.00), shipping 5.00: 45.00."""
    return OrderFactory(
        status=status,
        lines=[
            LineDataFactory(sku="A", quantity=2, unit_price=D("10.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
        ],
        **extra,
    )


def units(order: Order, sku: str, quantity: int) -> dict[int, int]:
    return {order.lines.get(sku=sku).pk: quantity}


def declining(operation: str, make: Callable[[], Order]) -> Callable[[], Order]:
    """`make`, then the test gateway declines `operation` for its payment."""

    def made() -> Order:
        order = make()
        PaymentFactory(order=order, test_decline=operation)
        return order

    return made


def with_direct_capture(make: Callable[[], Order]) -> Callable[[], Order]:
    def made() -> Order:
        store = StoreSettings.load()
        store.direct_capture = True
        store.save()
        try:
            return make()
        finally:
            store.direct_capture = False
            store.save()

    return made


def a_shipped_half(status: int = S.CONFIRMED) -> Order:
    """A shipped, paid and completed; B still open (20.00 of the authorization)."""
    order = two_lines(status)
    ShipmentFactory(order=order, quantities=units(order, "A", 2), status=ShipmentStatus.COMPLETED)
    return order


def left_with_an_open_authorization() -> Order:
    """Every unit shipped or cancelled, and the automatic release declined: 20.00 open."""
    order = declining("void", a_shipped_half)()
    cancel_b(order)
    Payment.objects.filter(order=order).update(test_decline="")
    return order


def invoice_order() -> Order:
    return two_lines(S.CONFIRMED, payment_method="invoice")


def paid_by_hand() -> Order:
    order = invoice_order()
    pay.record_manual_payment(
        order_id=order.pk, amount=D("10"), by=FACTORY, shipment_ref=f"{order.number}-1"
    )
    return order


def captured(make: Callable[[], Order] = lambda: two_lines(S.CONFIRMED)) -> Callable[[], Order]:
    def made() -> Order:
        order = make()
        pay.capture_payment(order_id=order.pk, amount=D("20"), by=FACTORY)
        return order

    return made


def with_a_return() -> Order:
    order = completed_order()
    make_return(order)
    return order


def good_to_go() -> Order:
    order = two_lines(S.CONFIRMED)
    ShipmentFactory(order=order, status=ShipmentStatus.GOOD_TO_GO)
    return order


def cancel_b(order: Order) -> object:
    return backoffice.cancel_products(
        order_id=order.pk, quantities=units(order, "B", 1), reason="Out of stock", by=FACTORY
    )


def cancel_everything(order: Order) -> object:
    quantities = {line.pk: line.quantity for line in order.lines.all()}
    return backoffice.cancel_products(
        order_id=order.pk, quantities=quantities, reason="Out of stock", by=FACTORY
    )


def checkout_with_direct_capture(order: Order) -> object:
    return with_direct_capture(lambda: backoffice.checkout_order(order_id=order.pk, by=FACTORY))()


def refund_the_return(order: Order) -> object:
    return returns.refund_return(return_id=order.returns.get().pk, by=FACTORY)


# (path, the world before, the step, the rows it writes: kind, purpose, outcome)
PATHS = [
    (
        "checkout",
        lambda: two_lines(S.INCOMPLETE),
        lambda o: backoffice.checkout_order(order_id=o.pk, by=FACTORY),
        [("authorize", "authorization", OK)],
    ),
    (
        "checkout declined",
        lambda: OrderFactory(
            lines=[LineDataFactory(quantity=1, unit_price=D("10.13"))], shipping_price=D("0")
        ),
        lambda o: backoffice.checkout_order(order_id=o.pk, by=FACTORY),
        [("authorize", "authorization", FAILED)],
    ),
    (
        "checkout with Direct Capture",
        lambda: two_lines(S.INCOMPLETE),
        checkout_with_direct_capture,
        [("authorize", "authorization", OK), ("capture", "capture", OK)],
    ),
    (
        "restore order",
        lambda: two_lines(S.CANCELLED),
        lambda o: backoffice.restore_order(order_id=o.pk, reason="Called back", by=FACTORY),
        [("authorize", "reauthorization", OK)],
    ),
    (
        "restore order declined",
        declining("authorize", lambda: two_lines(S.CANCELLED)),
        lambda o: backoffice.restore_order(order_id=o.pk, reason="Called back", by=FACTORY),
        [("authorize", "reauthorization", FAILED)],
    ),
    (
        "capture",
        lambda: two_lines(S.CONFIRMED),
        lambda o: pay.capture_payment(order_id=o.pk, amount=D("10"), by=FACTORY),
        [("capture", "capture", OK)],
    ),
    (
        "capture declined",
        declining("capture", lambda: two_lines(S.CONFIRMED)),
        lambda o: pay.capture_payment(order_id=o.pk, amount=D("10"), by=FACTORY),
        [("capture", "capture", FAILED)],
    ),
    (
        "capture a shipment",
        good_to_go,
        lambda o: shipping.capture_shipment(shipment_id=o.shipments.get().pk, by=FACTORY),
        [("capture", "capture", OK)],
    ),
    (
        "mark as paid",
        invoice_order,
        lambda o: pay.record_manual_payment(order_id=o.pk, amount=D("10"), by=FACTORY),
        [("capture", "capture", OK)],
    ),
    (
        "mark as unpaid",
        paid_by_hand,
        lambda o: pay.reverse_manual_payment(
            order_id=o.pk, shipment_ref=f"{o.number}-1", by=FACTORY
        ),
        [("reversal", "reversal", OK)],
    ),
    (
        "goodwill refund",
        captured(),
        lambda o: pay.refund_payment(order_id=o.pk, amount=D("5"), reason="Late", by=FACTORY),
        [("refund", "goodwill_refund", OK)],
    ),
    (
        "goodwill refund declined",
        declining("refund", captured()),
        lambda o: pay.refund_payment(order_id=o.pk, amount=D("5"), reason="Late", by=FACTORY),
        [("refund", "goodwill_refund", FAILED)],
    ),
    (
        "return refund",
        with_a_return,
        refund_the_return,
        [("refund", "return_refund", OK)],
    ),
    (
        "return refund declined",
        declining("refund", with_a_return),
        refund_the_return,
        [("refund", "return_refund", FAILED)],
    ),
    (
        "cancel products paid for",
        with_direct_capture(lambda: two_lines(S.CONFIRMED)),
        cancel_b,
        [("refund", "cancellation_refund", OK)],
    ),
    (
        "cancel products paid for, declined",
        declining("refund", with_direct_capture(lambda: two_lines(S.CONFIRMED))),
        cancel_b,
        [("refund", "cancellation_refund", FAILED)],
    ),
    (
        "cancel order",
        lambda: two_lines(S.PENDING),
        lambda o: backoffice.cancel_order(order_id=o.pk, by=FACTORY, reason="Asked"),
        [("void", "void", OK)],
    ),
    (
        "cancel order declined",
        declining("void", lambda: two_lines(S.PENDING)),
        lambda o: backoffice.cancel_order(order_id=o.pk, by=FACTORY, reason="Asked"),
        [("void", "void", FAILED)],
    ),
    (
        "cancel every product",
        lambda: two_lines(S.PENDING),
        cancel_everything,
        [("void", "void", OK)],
    ),
    (
        "release on the last products cancelled",
        a_shipped_half,
        cancel_b,
        [("void", "release", OK)],
    ),
    (
        "release on the last products cancelled, declined",
        declining("void", a_shipped_half),
        cancel_b,
        [("void", "release", FAILED)],
    ),
    (
        "release by hand",
        left_with_an_open_authorization,
        lambda o: pay.release_remaining_authorization(order_id=o.pk, by=FACTORY),
        [("void", "release", OK)],
    ),
    (
        "release by hand declined",
        declining("void", left_with_an_open_authorization),
        lambda o: pay.release_remaining_authorization(order_id=o.pk, by=FACTORY),
        [("void", "release", FAILED)],
    ),
]


def rows_after(order: Order, last_id: int) -> list[PaymentTransaction]:
    return list(
        PaymentTransaction.objects.filter(payment__order=order, pk__gt=last_id).order_by("pk")
    )


def last_row_id() -> int:
    return PaymentTransaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def take(path) -> tuple[Order, list[PaymentTransaction]]:
    _name, before, step, _rows = path
    order = before()
    last_id = last_row_id()
    unless_declined(lambda: step(order))
    return order, rows_after(order, last_id)


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS, ids=[path[0] for path in PATHS])
def test_each_step_writes_the_purpose_of_its_money(path):
    order, rows = take(path)
    assert [(row.kind, row.purpose, row.outcome) for row in rows] == path[3]
    # Integrations read it from the payment's event too.
    for row in rows:
        if row.succeeded:
            event = OrderEvent.objects.get(order=order, subject="payment", data__transaction=row.pk)
            assert event.data["purpose"] == row.purpose


def test_every_purpose_is_written_by_some_step():
    written = {purpose for path in PATHS for _kind, purpose, _outcome in path[3]}
    assert written == set(Purpose.values) == set(KIND_OF_PURPOSE)


@pytest.mark.django_db
def test_the_goodwill_refund_on_the_payments_page_is_a_goodwill_refund(client):
    admin = role_user(BACKOFFICE_ADMIN)
    client.force_login(admin)
    order = captured()()
    payment = Payment.objects.get(order=order)
    data = {"amount": "5.00", "reason": "Late delivery", "_confirmed": "yes"}
    page = client.post(f"/admin/payments/payment/{payment.pk}/step/refund/", data)
    assert messages_of(page) == [f"1 payment refunded: {order.number}, 5.00 EUR."]
    row = payment.transactions.get(kind="refund")
    assert (row.purpose, row.return_ref, row.user) == ("goodwill_refund", "", admin)


# The database ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "purpose", "return_ref"),
    [
        ("refund", "capture", ""),
        ("void", "goodwill_refund", ""),
        ("authorize", "release", ""),
        ("refund", "return_refund", ""),
        ("refund", "goodwill_refund", "1042-R1"),
        ("capture", "", ""),
    ],
)
def test_the_database_holds_each_purpose_to_its_kind(kind, purpose, return_ref):
    payment = captured()().payment
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentTransaction.objects.create(
            payment=payment,
            kind=kind,
            purpose=purpose,
            return_ref=return_ref,
            amount=D("1"),
            outcome=OK,
            actor="test",
        )


@pytest.mark.django_db
def test_a_decline_says_which_step_it_stopped():
    declined = PaymentDeclined(
        "The payment provider declined to void 45.00 EUR for Order 1042: no.",
        operation="void",
        amount=D("45.00"),
        provider_message="no",
    )
    explained = declined.explaining("Order 1042 was not cancelled")
    assert str(explained) == (
        "Order 1042 was not cancelled: the payment provider declined to void 45.00 EUR "
        "for Order 1042: no."
    )
    assert (explained.operation, explained.amount, explained.provider_message) == (
        "void",
        D("45.00"),
        "no",
    )
