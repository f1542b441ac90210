"""Payments: authorization at checkout, capture per shipment, manual payments, refund, void."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import F

from backoffice import services as backoffice
from backoffice.services import checkout
from core.errors import DomainError, NotPermitted
from core.roles import BACKOFFICE_ADMIN, FINANCE
from orders import services
from orders.models import Order, OrderEvent, OrderStatus
from payments import services as pay
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentStatus, PaymentTransaction
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    PaymentFactory,
    PaymentTransactionFactory,
    UserFactory,
)
from tests.helpers import payment_snapshot, snapshot

S = OrderStatus
P = PaymentStatus
Kind = PaymentTransaction.Kind


def order_of(total: str, **kwargs) -> Order:
    """An order whose grand total is exactly `total` (one line, no shipping)."""
    lines = [LineDataFactory(quantity=1, unit_price=Decimal(total))]
    return OrderFactory(lines=lines, shipping_price=Decimal("0.00"), **kwargs)


def payment_of(order: Order) -> Payment:
    return Payment.objects.get(order=order)


def ledger(order: Order) -> list[tuple[str, str, Decimal]]:
    rows = PaymentTransaction.objects.filter(payment__order=order).order_by("id")
    return [(row.kind, row.outcome, row.amount) for row in rows]


@pytest.fixture
def finance(db):
    return UserFactory(username="finn", groups=[FINANCE])


@pytest.fixture
def backoffice_admin(db):
    return UserFactory(username="ada", groups=[BACKOFFICE_ADMIN])


# Checkout


@pytest.mark.django_db
def test_checkout_authorizes_the_grand_total():
    order = order_of("120.00", status=S.PENDING)
    payment = payment_of(order)
    assert (payment.status, payment.authorized_amount, payment.currency) == (
        P.AUTHORIZED,
        Decimal("120.00"),
        "EUR",
    )
    assert (payment.method, payment.provider) == ("test", "test")
    assert payment.provider_reference.startswith("test_authorize_")
    assert ledger(order) == [("authorize", "success", Decimal("120.00"))]
    event = OrderEvent.objects.get(order=order, subject="payment")
    assert (event.transition, event.from_state, event.to_state) == (
        "payment_authorize",
        "new",
        "authorized",
    )
    assert pay.open_authorization(order) == Decimal("120.00")


@pytest.mark.django_db
def test_declined_authorization_keeps_the_order_incomplete_and_the_failed_row():
    order = order_of("99.13")
    before = snapshot(order)
    with pytest.raises(PaymentDeclined) as declined:
        backoffice.checkout_order(order_id=order.pk, by="storefront")
    assert str(declined.value) == (
        f"The payment provider declined to authorize 99.13 EUR for Order {order.number}: "
        "authorize declined by the test gateway."
    )
    after = snapshot(order)
    # The order is untouched but for the event of the payment that failed.
    assert {**after, "events": before["events"]} == before
    assert after["events"] == before["events"] + 1
    assert payment_of(order).status == P.FAILED
    assert ledger(order) == [("authorize", "failed", Decimal("99.13"))]
    assert pay.open_authorization(order) == 0

    # The customer fixes the basket and checks out again: the same payment is authorized.
    order.lines.update(unit_price=Decimal("99.00"))
    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")
    assert placed.status == S.PENDING
    assert payment_of(order).status == P.AUTHORIZED
    assert ledger(order) == [
        ("authorize", "failed", Decimal("99.13")),
        ("authorize", "success", Decimal("99.00")),
    ]


@pytest.mark.django_db
def test_checkout_refuses_an_unknown_or_missing_payment_method():
    for method, sentence in [("", "has no payment method."), ("cash", "not a payment method")]:
        order = order_of("10.00", payment_method=method)
        before = snapshot(order)
        with pytest.raises(DomainError, match=sentence):
            backoffice.checkout_order(order_id=order.pk, by="storefront")
        assert snapshot(order) == before
        assert not Payment.objects.filter(order=order).exists()


@pytest.mark.django_db
def test_direct_capture_captures_the_grand_total_at_checkout(store):
    store.direct_capture = True
    store.save()
    order = order_of("80.00", status=S.PENDING)
    payment = payment_of(order)
    assert (payment.status, payment.captured_amount) == (P.CAPTURED, Decimal("80.00"))
    assert ledger(order) == [
        ("authorize", "success", Decimal("80.00")),
        ("capture", "success", Decimal("80.00")),
    ]
    capture = PaymentTransaction.objects.get(payment=payment, kind=Kind.CAPTURE)
    assert capture.actor == "store:direct_capture"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("direct_to_shipment", "method"), [(True, "test"), (False, "invoice")], ids=["dts", "invoice"]
)
def test_direct_capture_leaves_shipments_and_invoices_authorized(store, direct_to_shipment, method):
    """Direct to Shipment captures through its shipment; invoices are paid by hand."""
    store.direct_capture = True
    store.direct_to_shipment = direct_to_shipment
    store.save()
    order = order_of("80.00", payment_method=method)
    backoffice.checkout_order(order_id=order.pk, by="storefront")
    assert payment_of(order).status == P.AUTHORIZED
    assert [kind for kind, _, _ in ledger(order)] == ["authorize"]


@pytest.mark.django_db
def test_declined_direct_capture_keeps_the_checkout_and_the_failed_row(store, monkeypatch):
    store.direct_capture = True
    store.save()
    order = order_of("80.00")
    # Decline the capture only: the payment row does not exist before checkout,
    # so the test gateway's amount rule cannot single it out; patch the flag in.
    original = pay.capture_payment

    def capture_with_decline(**kwargs):
        Payment.objects.filter(order_id=kwargs["order_id"]).update(test_decline="capture")
        return original(**kwargs)

    monkeypatch.setattr(checkout, "capture_payment", capture_with_decline)
    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")
    assert placed.status == S.PENDING
    assert payment_of(order).status == P.AUTHORIZED
    assert ledger(order) == [
        ("authorize", "success", Decimal("80.00")),
        ("capture", "failed", Decimal("80.00")),
    ]


# Capture


@pytest.mark.django_db
def test_capture_per_shipment_moves_through_partial_to_captured(finance):
    order = order_of("100.00", status=S.CONFIRMED)
    first = pay.capture_payment(
        order_id=order.pk, amount=Decimal("60"), by=finance, shipment_ref=f"{order.number}-1"
    )
    assert (first.kind, first.outcome, first.amount) == ("capture", "success", Decimal("60.00"))
    assert first.user == finance
    assert payment_of(order).status == P.PARTIALLY_CAPTURED
    assert pay.open_authorization(order) == Decimal("40.00")

    pay.capture_payment(
        order_id=order.pk, amount=Decimal("40.00"), by=finance, shipment_ref=f"{order.number}-2"
    )
    payment = payment_of(order)
    assert (payment.status, payment.captured_amount) == (P.CAPTURED, Decimal("100.00"))
    events = OrderEvent.objects.filter(order=order, transition="payment_capture")
    assert [(e.from_state, e.to_state, e.subject_ref) for e in events] == [
        ("authorized", "partially_captured", f"{order.number}-1"),
        ("partially_captured", "captured", f"{order.number}-2"),
    ]


@pytest.mark.django_db
def test_the_same_shipment_captured_twice_in_sequence_is_captured_once(finance):
    order = order_of("100.00", status=S.CONFIRMED)
    ref = f"{order.number}-1"
    first = pay.capture_payment(
        order_id=order.pk, amount=Decimal("30"), by=finance, shipment_ref=ref
    )
    before = payment_snapshot(order.pk)
    again = pay.capture_payment(
        order_id=order.pk, amount=Decimal("30"), by=finance, shipment_ref=ref
    )
    assert again == first
    assert payment_snapshot(order.pk) == before
    # Marking the same shipment paid by hand finds the capture too.
    by_hand = pay.record_manual_payment(
        order_id=order.pk, amount=Decimal("30"), by=finance, shipment_ref=ref
    )
    assert by_hand == first
    assert payment_snapshot(order.pk) == before
    assert payment_of(order).captured_amount == Decimal("30.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "sentence"),
    [
        ("100.01", r"has 100\.00 EUR authorized and not captured, less than 100\.01 EUR\.$"),
        ("0", r"^Give an amount above zero to capture\.$"),
        ("-5", r"^Give an amount above zero to capture\.$"),
        ("abc", r"is not an amount of money\.$"),
    ],
)
def test_capture_refuses_amounts_outside_the_open_authorization(finance, amount, sentence):
    order = order_of("100.00", status=S.CONFIRMED)
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError, match=sentence):
        pay.capture_payment(order_id=order.pk, amount=amount, by=finance)
    assert payment_snapshot(order.pk) == before
    assert len(ledger(order)) == 1


@pytest.mark.django_db
def test_capture_refused_on_hold_and_without_permission():
    order = order_of("100.00", status=S.CONFIRMED, on_hold=True)
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError, match=rf"^Order {order.number} is on hold: resume it before"):
        pay.capture_payment(order_id=order.pk, amount=Decimal("10"), by="system")
    assert payment_snapshot(order.pk) == before
    services.resume_order(order_id=order.pk, by="system")
    before = payment_snapshot(order.pk)
    clerk = UserFactory(perms=["orders.cancel_order", "payments.goodwill_refund"])
    with pytest.raises(DomainError, match=r"^You do not have permission to capture payments\.$"):
        pay.capture_payment(order_id=order.pk, amount=Decimal("10"), by=clerk)
    assert payment_snapshot(order.pk) == before
    assert len(ledger(order)) == 1


@pytest.mark.django_db
def test_capture_of_a_voided_payment_is_refused_by_state(finance):
    order = order_of("50.00", status=S.CANCELLED)
    before = payment_snapshot(order.pk)
    with pytest.raises(
        DomainError, match=rf"^Payment of order {order.number} is Voided, so it cannot be captured"
    ):
        pay.capture_payment(order_id=order.pk, amount=Decimal("10"), by=finance)
    assert payment_snapshot(order.pk) == before


@pytest.mark.django_db
def test_capture_payment_query_count(finance, django_assert_max_num_queries):
    order = order_of("100.00", status=S.CONFIRMED)
    finance.has_perm("payments.capture_payment")  # permission cache warmed, as in a request
    # savepoint, lock order, lock payment, idempotency lookup, ledger insert,
    # payment update, event insert, release savepoint.
    with django_assert_max_num_queries(8):
        pay.capture_payment(
            order_id=order.pk, amount=Decimal("10"), by=finance, shipment_ref=f"{order.number}-1"
        )
    with django_assert_max_num_queries(5):  # already captured: found, nothing written
        pay.capture_payment(
            order_id=order.pk, amount=Decimal("10"), by=finance, shipment_ref=f"{order.number}-1"
        )


# Failures: a decline changes nothing but the ledger's failed row.


def decline_capture(order):
    pay.capture_payment(order_id=order.pk, amount=Decimal("10.00"), by="system", shipment_ref="s")


def decline_capture_by_amount(order):
    pay.capture_payment(order_id=order.pk, amount=Decimal("10.13"), by="system")


def decline_refund(order):
    pay.refund_payment(order_id=order.pk, amount=Decimal("5"), reason="Return", by="system")


def decline_void(order):
    pay.void_payment(order_id=order.pk, by="system")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("call", "flag", "captured", "sentence"),
    [
        (decline_capture, "capture", "0", "capture 10.00 EUR"),
        (decline_capture_by_amount, "", "0", "capture 10.13 EUR"),
        (decline_refund, "refund", "20", "refund 5.00 EUR"),
        (decline_void, "void", "0", "void 100.00 EUR"),
    ],
    ids=["capture-flag", "capture-amount", "refund", "void"],
)
def test_a_declined_provider_call_changes_nothing_but_the_failed_row(
    call, flag, captured, sentence
):
    order = order_of("100.00", status=S.CONFIRMED)
    if Decimal(captured):
        pay.capture_payment(order_id=order.pk, amount=Decimal(captured), by="system")
    Payment.objects.filter(order=order).update(test_decline=flag)
    before = payment_snapshot(order.pk)
    rows_before = ledger(order)

    with pytest.raises(PaymentDeclined) as declined:
        call(order)

    assert str(declined.value) == (
        f"The payment provider declined to {sentence} for Order {order.number}: "
        f"{sentence.split()[0]} declined by the test gateway."
    )
    assert payment_snapshot(order.pk) == before
    failed = PaymentTransaction.objects.filter(payment__order=order).last()
    assert ledger(order) == [*rows_before, (failed.kind, "failed", failed.amount)]
    assert failed.raw_response["status"] == "declined"
    assert failed.actor == "system"


@pytest.mark.django_db
def test_a_caller_inside_its_own_transaction_keeps_the_failed_row():
    """The protocol the shipment services follow: catch, leave the block, raise."""
    order = order_of("100.00", status=S.CONFIRMED)
    Payment.objects.filter(order=order).update(test_decline="capture")

    declined = None
    with transaction.atomic():
        try:
            pay.capture_payment(order_id=order.pk, amount=Decimal("10"), by="system")
        except PaymentDeclined as error:
            declined = error
    assert declined is not None
    assert ledger(order)[-1] == ("capture", "failed", Decimal("10.00"))


# Manual payments


@pytest.mark.django_db
def test_mark_paid_and_unpaid_by_hand(finance):
    order = order_of("100.00", status=S.CONFIRMED, payment_method="invoice")
    assert payment_of(order).provider == "manual"
    ref = f"{order.number}-1"
    paid = pay.record_manual_payment(
        order_id=order.pk, amount=Decimal("70"), by=finance, shipment_ref=ref, reference="BT-991"
    )
    assert (paid.manual, paid.reference) == (True, "BT-991")
    assert payment_of(order).status == P.PARTIALLY_CAPTURED
    assert pay.capture_for_shipment(order_id=order.pk, shipment_ref=ref) == paid

    reversal = pay.reverse_manual_payment(order_id=order.pk, shipment_ref=ref, by=finance)
    assert (reversal.kind, reversal.amount, reversal.reverses) == ("reversal", Decimal("70"), paid)
    payment = payment_of(order)
    assert (payment.status, payment.captured_amount) == (P.AUTHORIZED, Decimal("0.00"))
    assert pay.capture_for_shipment(order_id=order.pk, shipment_ref=ref) is None

    # The shipment can be marked paid again after being marked unpaid.
    again = pay.record_manual_payment(
        order_id=order.pk, amount=Decimal("70"), by=finance, shipment_ref=ref
    )
    assert again != paid
    assert payment_of(order).captured_amount == Decimal("70.00")
    transitions = OrderEvent.objects.filter(order=order, subject="payment").values_list(
        "transition", flat=True
    )
    assert list(transitions) == [
        "payment_authorize",
        "payment_record_manual",
        "payment_reverse_manual",
        "payment_record_manual",
    ]


@pytest.mark.django_db
def test_invoice_payments_are_not_captured_through_a_provider(finance):
    order = order_of("100.00", status=S.CONFIRMED, payment_method="invoice")
    before = payment_snapshot(order.pk)
    with pytest.raises(PaymentDeclined, match=r"record the money received by hand instead\.$"):
        pay.capture_payment(order_id=order.pk, amount=Decimal("10"), by=finance)
    assert payment_snapshot(order.pk) == before


@pytest.mark.django_db
def test_a_gateway_capture_cannot_be_marked_unpaid(finance):
    order = order_of("100.00", status=S.CONFIRMED)
    ref = f"{order.number}-1"
    pay.capture_payment(order_id=order.pk, amount=Decimal("10"), by=finance, shipment_ref=ref)
    before = payment_snapshot(order.pk)
    with pytest.raises(
        DomainError,
        match=rf"^Shipment {ref} was captured through the payment provider, so it cannot be "
        r"marked unpaid: refund it instead\.$",
    ):
        pay.reverse_manual_payment(order_id=order.pk, shipment_ref=ref, by=finance)
    with pytest.raises(DomainError, match="has no payment to mark unpaid"):
        pay.reverse_manual_payment(order_id=order.pk, shipment_ref="nope", by=finance)
    assert payment_snapshot(order.pk) == before


@pytest.mark.django_db
def test_marking_unpaid_is_refused_once_refunds_began(finance, backoffice_admin):
    order = order_of("100.00", status=S.CONFIRMED)
    ref = f"{order.number}-1"
    pay.record_manual_payment(order_id=order.pk, amount=Decimal("50"), by=finance, shipment_ref=ref)
    goodwill = {"amount": Decimal("5"), "reason": "Damaged", "by": backoffice_admin}
    pay.refund_payment(order_id=order.pk, **goodwill)
    before = payment_snapshot(order.pk)
    with pytest.raises(
        DomainError, match="is Partially refunded, so it cannot be marked as unpaid"
    ):
        pay.reverse_manual_payment(order_id=order.pk, shipment_ref=ref, by=finance)
    assert payment_snapshot(order.pk) == before


# Refund


@pytest.mark.django_db
def test_refund_partially_then_fully(finance, backoffice_admin):
    # A goodwill refund (no return): the Back-office admin's.
    order = order_of("100.00", status=S.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=Decimal("100"), by=finance)
    row = pay.refund_payment(
        order_id=order.pk, amount=Decimal("30"), reason="Too small", by=backoffice_admin
    )
    assert (row.kind, row.reference, row.return_ref) == ("refund", "Too small", "")
    assert payment_of(order).status == P.PARTIALLY_REFUNDED
    pay.refund_payment(
        order_id=order.pk, amount=Decimal("70"), reason="Returned", by=backoffice_admin
    )
    payment = payment_of(order)
    assert (payment.status, payment.refunded_amount) == (P.REFUNDED, Decimal("100.00"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "reason", "sentence"),
    [
        ("40.01", "Return", r"has 40\.00 EUR captured and not refunded, less than 40\.01 EUR\.$"),
        ("10", "  ", r"^Give a reason for the refund\.$"),
    ],
)
def test_refund_refusals_change_nothing(finance, backoffice_admin, amount, reason, sentence):
    order = order_of("100.00", status=S.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=Decimal("40"), by=finance)
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError, match=sentence):
        pay.refund_payment(
            order_id=order.pk, amount=Decimal(amount), reason=reason, by=backoffice_admin
        )
    assert payment_snapshot(order.pk) == before


@pytest.mark.django_db
def test_refund_needs_the_refund_permission(finance):
    order = order_of("100.00", status=S.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=Decimal("40"), by=finance)
    clerk = UserFactory(perms=["payments.capture_payment"])
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError, match=r"^You do not have permission to refund payments\.$"):
        pay.refund_payment(order_id=order.pk, amount=Decimal("1"), reason="x", by=clerk)
    assert payment_snapshot(order.pk) == before


@pytest.mark.django_db
def test_a_goodwill_refund_is_not_finances_but_a_returns_refund_is(finance):
    """A refund with a return's number is `Payment.refund_return`, which needs
    `returns.refund_return` (Finance); one without is `Payment.refund_goodwill`
    (`payments.goodwill_refund`, Back-office admin only)."""
    order = order_of("100.00", status=S.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=Decimal("40"), by=finance)
    before = payment_snapshot(order.pk)
    with pytest.raises(NotPermitted, match=r"^You do not have permission to refund payments\.$"):
        pay.refund_payment(order_id=order.pk, amount=Decimal("1"), reason="x", by=finance)
    assert payment_snapshot(order.pk) == before
    goodwill_only = UserFactory(perms=["payments.goodwill_refund"])
    with pytest.raises(NotPermitted):
        pay.refund_payment(
            order_id=order.pk, amount=Decimal("1"), reason="x", by=goodwill_only,
            return_ref=f"{order.number}-R1",
        )  # fmt: skip
    assert payment_snapshot(order.pk) == before
    row = pay.refund_payment(
        order_id=order.pk, amount=Decimal("1"), reason="x", by=finance,
        return_ref=f"{order.number}-R1",
    )  # fmt: skip
    assert (row.return_ref, payment_of(order).refunded_amount) == (
        f"{order.number}-R1",
        Decimal("1.00"),
    )


# Cancel and void


@pytest.mark.django_db
def test_cancel_before_capture_voids_the_authorization():
    order = order_of("100.00", status=S.CONFIRMED)
    clerk = UserFactory(groups=["Customer service"])
    backoffice.cancel_order(order_id=order.pk, by=clerk, reason="Customer changed their mind")
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    payment = payment_of(order)
    assert payment.status == P.VOIDED
    assert pay.open_authorization(order) == 0
    assert ledger(order) == [
        ("authorize", "success", Decimal("100.00")),
        ("void", "success", Decimal("100.00")),
    ]
    void = payment.transactions.get(kind=Kind.VOID)
    assert void.user == clerk
    events = OrderEvent.objects.filter(order=order).values_list("subject", "transition")
    assert list(events)[-2:] == [("payment", "payment_void"), ("order", "cancel")]


@pytest.mark.django_db
@pytest.mark.parametrize("manual", [False, True], ids=["captured", "marked-paid"])
def test_cancel_after_capture_is_refused_with_the_refund_sentence(finance, manual):
    order = order_of("100.00", status=S.CONFIRMED)
    record = pay.record_manual_payment if manual else pay.capture_payment
    record(order_id=order.pk, amount=Decimal("10"), by=finance, shipment_ref=f"{order.number}-1")
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError) as refused:
        backoffice.cancel_order(order_id=order.pk, by="system", reason="Too late")
    assert str(refused.value) == (
        f"Order {order.number} has captured payments, so it cannot be cancelled."
    )
    assert payment_snapshot(order.pk) == before
    assert [kind for kind, _, _ in ledger(order)] == ["authorize", "capture"]


@pytest.mark.django_db
def test_a_declined_void_leaves_the_order_uncancelled():
    order = order_of("100.00", status=S.PENDING)
    Payment.objects.filter(order=order).update(test_decline="void")
    before = payment_snapshot(order.pk)
    with pytest.raises(PaymentDeclined) as declined:
        backoffice.cancel_order(order_id=order.pk, by="system", reason="Fraud")
    assert str(declined.value) == (
        f"Order {order.number} was not cancelled: the payment provider declined to void "
        f"100.00 EUR for Order {order.number}: void declined by the test gateway."
    )
    assert payment_snapshot(order.pk) == before
    assert ledger(order)[-1] == ("void", "failed", Decimal("100.00"))


@pytest.mark.django_db
def test_void_service_needs_void_or_cancel_permission():
    order = order_of("100.00", status=S.PENDING)
    before = payment_snapshot(order.pk)
    clerk = UserFactory(perms=["payments.capture_payment"])
    with pytest.raises(DomainError, match=r"^You do not have permission to void payments\.$"):
        pay.void_payment(order_id=order.pk, by=clerk)
    assert payment_snapshot(order.pk) == before
    pay.void_payment(order_id=order.pk, by=UserFactory(perms=["payments.void_payment"]))
    assert payment_of(order).status == P.VOIDED


# Database invariants


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"captured_amount": F("authorized_amount") + 1},
        {"refunded_amount": F("captured_amount") + 1},
        {"authorized_amount": Decimal("-1"), "captured_amount": Decimal("-1")},
    ],
    ids=["captured>authorized", "refunded>captured", "negative"],
)
def test_the_database_holds_the_amount_invariants(change):
    payment = PaymentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(**change)


@pytest.mark.django_db
def test_the_database_refuses_a_second_capture_row_for_a_shipment():
    row = PaymentTransactionFactory(shipment_ref="1-1")
    duplicate = {
        "payment": row.payment,
        "kind": "capture",
        "purpose": "capture",
        "outcome": "success",
        "amount": Decimal("1"),
        "shipment_ref": "1-1",
        "actor": "x",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentTransaction.objects.create(**duplicate)
    # Failed rows and rows without a shipment are not limited.
    PaymentTransaction.objects.create(**{**duplicate, "outcome": "failed"})
    PaymentTransaction.objects.create(**{**duplicate, "shipment_ref": ""})
    PaymentTransaction.objects.create(**{**duplicate, "shipment_ref": ""})


# Factories, permissions, architecture


@pytest.mark.django_db
def test_factories_go_through_the_services():
    payment = PaymentFactory(test_decline="void")
    assert (payment.status, payment.test_decline) == (P.AUTHORIZED, "void")
    confirmed = PaymentFactory(order__status=S.CONFIRMED, order__currency="SEK")
    assert (confirmed.order.status, confirmed.currency) == (S.CONFIRMED, "SEK")
    refund = PaymentTransactionFactory(payment=payment, kind="refund", amount=Decimal("5"))
    payment.refresh_from_db()
    assert refund.kind == "refund"
    assert (payment.captured_amount, payment.refunded_amount) == (Decimal("5"), Decimal("5"))


@pytest.mark.django_db
def test_groups_get_the_payment_permissions():
    def perms(group):
        return set(
            Group.objects.get(name=group)
            .permissions.filter(content_type__app_label="payments")
            .values_list("codename", flat=True)
        )

    assert {"capture_payment", "record_manual_payment"} <= perms(FINANCE)
    assert not {"void_payment", "goodwill_refund", "refund_payment"} & perms(FINANCE)
    assert {"capture_payment", "goodwill_refund", "record_manual_payment", "void_payment"} <= perms(
        BACKOFFICE_ADMIN
    )
    finn = UserFactory(groups=[FINANCE])
    assert finn.has_perms(["payments.capture_payment", "returns.refund_return"])
    assert not finn.has_perm("payments.goodwill_refund")


def test_payments_never_imports_shipments():
    for path in Path("payments").rglob("*.py"):
        source = path.read_text()
        assert "import shipments" not in source and "from shipments" not in source, path


@pytest.mark.django_db
def test_a_cancelled_order_with_a_reversed_manual_payment_can_be_deleted(finance):
    order = order_of("100.00", status=S.CONFIRMED)
    ref = f"{order.number}-1"
    pay.record_manual_payment(order_id=order.pk, amount=Decimal("10"), by=finance, shipment_ref=ref)
    pay.reverse_manual_payment(order_id=order.pk, shipment_ref=ref, by=finance)
    backoffice.cancel_order(order_id=order.pk, by="system", reason="Paid by mistake")
    assert [kind for kind, _, _ in ledger(order)] == ["authorize", "capture", "reversal", "void"]
    services.delete_order_permanently(order_id=order.pk, by="system", reason="GDPR")
    assert not Payment.objects.filter(order_id=order.pk).exists()
    assert not PaymentTransaction.objects.filter(payment__order_id=order.pk).exists()
