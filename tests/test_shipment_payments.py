"""Paying and completing shipments: captures, payments by hand, declines, hold, the whole flow."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import HoldKind, Order, OrderEvent, OrderStatus
from payments import services as payment_services
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentTransaction
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus, Stock
from tests.factories import (
    LineDataFactory,
    OrderFactory,
    ShipmentFactory,
    StockFactory,
    UserFactory,
    default_warehouse,
)
from tests.helpers import payment_snapshot, snapshot, stock_snapshot

S = OrderStatus
SS = ShipmentStatus
Kind = PaymentTransaction.Kind
Outcome = PaymentTransaction.Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(db):
    return default_warehouse()


def captures(order):
    return PaymentTransaction.objects.filter(
        payment__order=order, kind=Kind.CAPTURE, outcome=Outcome.SUCCESS, reversed_at__isnull=True
    )


def complete(shipment, by="boss", **tracking):
    tracking = {"tracking_number": "TRACK1", "carrier": "PostNord", **tracking}
    return shipping.complete_shipment(shipment_id=shipment.pk, by=by, **tracking)


def decline(order, operations="capture"):
    # A test-gateway setting, not a state.
    Payment.objects.filter(order=order).update(test_decline=operations)


def everything_unchanged(order):
    """What a refused or declined shipment step must leave as it was."""
    return {
        "order": snapshot(order),
        "stock": stock_snapshot(),
        "payment": payment_snapshot(order.pk),
    }


# ------------------------------------------------------------------ the whole flow


def test_checkout_to_completed_with_two_split_shipments(warehouse):
    boss = UserFactory(username="boss", is_superuser=True)
    order = OrderFactory(
        shipping_price=Decimal("4.95"),
        lines=[
            # 10.00 off three units: a third of a cent per unit to round.
            LineDataFactory(sku="SKU-A", quantity=3, unit_price=Decimal("33.33"), discount=10),
            LineDataFactory(sku="SKU-B", quantity=1, unit_price=Decimal("0.10")),
        ],
    )
    a, b = order.lines.order_by("pk")
    backoffice.checkout_order(order_id=order.pk, by=boss)
    services.confirm_order(order_id=order.pk, by=boss)
    order.refresh_from_db()
    assert order.grand_total == Decimal("95.04")
    assert Payment.objects.get(order=order).authorized_amount == Decimal("95.04")

    # The warehouse has 2 of the 3 A's: the split proposes them and all of B.
    StockFactory(warehouse=warehouse, sku="SKU-A", on_hand=2)
    StockFactory(warehouse=warehouse, sku="SKU-B", on_hand=5)
    proposal = shipping.propose_split(order=order, warehouse=warehouse)
    assert proposal.quantities == {a.pk: 2, b.pk: 1}
    first = shipping.create_shipment(
        order_id=order.pk, warehouse_id=warehouse.pk, quantities=proposal.quantities, by=boss
    )
    shipping.mark_good_to_go(shipment_id=first.pk, by=boss)
    first = shipping.capture_shipment(shipment_id=first.pk, by=boss)
    complete(first, by=boss)
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING

    # The third A arrives and goes in a second shipment, completed straight from
    # good-to-go: it captures on the way.
    shipping.receive_stock(warehouse_id=warehouse.pk, sku="SKU-A", quantity=1)
    rest = shipping.propose_split(order=order, warehouse=warehouse)
    assert rest.quantities == {a.pk: 1}
    second = shipping.create_shipment(
        order_id=order.pk, warehouse_id=warehouse.pk, quantities=rest.quantities, by=boss
    )
    shipping.mark_good_to_go(shipment_id=second.pk, by=boss)
    second = complete(second, by=boss)

    first.refresh_from_db()
    # 2 × 33.33 − 6.67 + 0.10 + shipping, then the last A: 89.99 − 59.99.
    assert (first.amount, first.shipping_amount) == (Decimal("65.04"), Decimal("4.95"))
    assert (second.amount, second.shipping_amount) == (Decimal("30.00"), Decimal("0.00"))
    assert list(captures(order).order_by("pk").values_list("shipment_ref", "amount")) == [
        (first.ref, Decimal("65.04")),
        (second.ref, Decimal("30.00")),
    ]
    assert sum(captures(order).values_list("amount", flat=True)) == order.grand_total
    payment = Payment.objects.get(order=order)
    assert payment.captured_amount == payment.authorized_amount == order.grand_total
    assert payment.status == "captured"

    done = Order.objects.get(pk=order.pk)
    assert (done.status, done.completed_at is not None) == (S.COMPLETED, True)
    assert {s.status for s in done.shipments.all()} == {SS.COMPLETED}
    assert [(r.on_hand, r.allocated) for r in Stock.objects.order_by("sku")] == [(0, 0), (4, 0)]
    order_steps = OrderEvent.objects.filter(order=order, subject="order").values_list(
        "transition", flat=True
    )
    assert list(order_steps) == [
        "create_selection",
        "checkout",
        "confirm",
        "start_processing",
        "complete",
    ]
    shipment_steps = OrderEvent.objects.filter(order=order, subject="shipment").values_list(
        "subject_ref", "transition"
    )
    assert list(shipment_steps) == [
        (first.ref, "create"),
        (first.ref, "good_to_go"),
        (first.ref, "capture"),
        (first.ref, "complete"),
        (second.ref, "create"),
        (second.ref, "good_to_go"),
        (second.ref, "capture"),
        (second.ref, "complete"),
    ]


def test_a_line_split_unit_by_unit_captures_its_total_to_the_cent(warehouse):
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=Decimal("0.00"),
        lines=[LineDataFactory(quantity=3, unit_price=Decimal("0.99"), discount=Decimal("0.10"))],
    )
    line = order.lines.get()
    for _ in range(3):
        ShipmentFactory(order=order, quantities={line.pk: 1}, status=SS.COMPLETED)
    amounts = list(captures(order).values_list("amount", flat=True))
    assert sum(amounts) == order.grand_total == Decimal("2.87")
    assert Order.objects.get(pk=order.pk).status == S.COMPLETED


def test_completing_with_lines_left_keeps_processing_until_the_rest_ships(warehouse):
    order = OrderFactory(status=S.CONFIRMED)
    a, b = order.lines.order_by("pk")
    ShipmentFactory(order=order, quantities={a.pk: a.quantity}, status=SS.COMPLETED)
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING
    ShipmentFactory(order=order, quantities={b.pk: b.quantity}, status=SS.COMPLETED)
    assert Order.objects.get(pk=order.pk).status == S.COMPLETED


def test_cancelled_units_need_no_shipment_to_complete(warehouse):
    order = OrderFactory(
        status=S.CONFIRMED, lines=[LineDataFactory(quantity=3, quantity_cancelled=1)]
    )
    ShipmentFactory(order=order, status=SS.COMPLETED)
    assert order.shipments.get().lines.get().quantity == 2
    assert Order.objects.get(pk=order.pk).status == S.COMPLETED
    assert sum(captures(order).values_list("amount", flat=True)) == order.grand_total


def test_factories_make_genuine_completed_and_archived_orders():
    for status in (S.COMPLETED, S.ARCHIVED):
        order = OrderFactory(status=status)
        assert order.status == status
        assert {s.status for s in order.shipments.all()} == {SS.COMPLETED}
        assert Payment.objects.get(order=order).captured_amount == order.grand_total


# ------------------------------------------------------------------ declines


def test_a_declined_capture_keeps_the_shipment_good_to_go(warehouse):
    shipment = ShipmentFactory(status=SS.GOOD_TO_GO)
    order = shipment.order
    decline(order)
    before = everything_unchanged(order)

    with pytest.raises(PaymentDeclined, match=r"^The payment provider declined to capture"):
        shipping.capture_shipment(shipment_id=shipment.pk, by="boss")

    assert everything_unchanged(order) == before
    failed = PaymentTransaction.objects.get(payment__order=order, outcome=Outcome.FAILED)
    assert (failed.kind, failed.shipment_ref) == (Kind.CAPTURE, shipment.ref)

    # Once the provider says yes, the same shipment captures.
    decline(order, "")
    assert shipping.capture_shipment(shipment_id=shipment.pk, by="boss").status == SS.PAID


def test_a_declined_capture_on_completion_completes_nothing(warehouse):
    shipment = ShipmentFactory(status=SS.GOOD_TO_GO)
    order = shipment.order
    decline(order)
    before = everything_unchanged(order)

    with pytest.raises(PaymentDeclined):
        complete(shipment)

    assert everything_unchanged(order) == before
    assert PaymentTransaction.objects.filter(
        payment__order=order, outcome=Outcome.FAILED, shipment_ref=shipment.ref
    ).exists()


# ------------------------------------------------------------------ hold


def hold(order):
    services.hold_order(order_id=order.pk, by="boss", kind=HoldKind.FRAUD_CHECK, reason="Check")


def create_another(shipment):
    line = shipment.order.lines.order_by("pk").last()
    StockFactory(warehouse=shipment.warehouse, sku=line.sku)
    return shipping.create_shipment(
        order_id=shipment.order_id,
        warehouse_id=shipment.warehouse_id,
        quantities={line.pk: 1},
        by="boss",
    )


HELD_STEPS = {
    # step: (the shipment's status before, the call)
    "create": (SS.CREATED, create_another),
    "good-to-go": (SS.CREATED, lambda s: shipping.mark_good_to_go(shipment_id=s.pk, by="boss")),
    "capture": (SS.GOOD_TO_GO, lambda s: shipping.capture_shipment(shipment_id=s.pk, by="boss")),
    "mark paid": (
        SS.GOOD_TO_GO,
        lambda s: shipping.mark_shipment_paid(shipment_id=s.pk, by="boss"),
    ),
    "complete from good-to-go": (SS.GOOD_TO_GO, complete),
    "complete from paid": (SS.PAID, complete),
}


@pytest.mark.parametrize("step", HELD_STEPS)
def test_every_forward_shipment_step_is_refused_on_a_held_order(step, warehouse):
    status, call = HELD_STEPS[step]
    order = OrderFactory(
        status=S.CONFIRMED,
        lines=[LineDataFactory(quantity=1), LineDataFactory(quantity=2)],
    )
    first = order.lines.order_by("pk").first()
    shipment = ShipmentFactory(order=order, quantities={first.pk: 1}, status=status)
    hold(order)
    before = everything_unchanged(order)
    ledger = PaymentTransaction.objects.count()

    with pytest.raises(DomainError) as refused:
        call(shipment)

    assert str(refused.value) == f"Order {order.number} is on hold: resume it before shipping."
    assert everything_unchanged(order) == before
    assert PaymentTransaction.objects.count() == ledger  # not even a failed row


# ------------------------------------------------------------------ by hand


@pytest.fixture
def finance(db):
    return UserFactory(groups=["Finance"])


def test_mark_paid_by_hand_and_unpaid(warehouse, finance):
    order = OrderFactory(status=S.CONFIRMED, payment_method="invoice")
    shipment = ShipmentFactory(order=order, status=SS.GOOD_TO_GO)

    paid = shipping.mark_shipment_paid(shipment_id=shipment.pk, by=finance, reference="BANK-1")
    assert (paid.status, paid.paid_manually, paid.amount) == (SS.PAID, True, order.grand_total)
    row = captures(order).get()
    assert (row.manual, row.reference, row.shipment_ref, row.user) == (
        True,
        "BANK-1",
        shipment.ref,
        finance,
    )

    unpaid = shipping.mark_shipment_unpaid(shipment_id=shipment.pk, by=finance)
    assert (unpaid.status, unpaid.paid_manually, unpaid.amount) == (SS.GOOD_TO_GO, False, 0)
    assert not captures(order).exists()
    assert Payment.objects.get(order=order).captured_amount == 0
    assert list(
        OrderEvent.objects.filter(order=order, subject="shipment").values_list(
            "transition", flat=True
        )
    )[-2:] == ["mark_paid", "mark_unpaid"]

    # Paid again, by hand: the same amount, recorded once more.
    again = shipping.mark_shipment_paid(shipment_id=shipment.pk, by=finance)
    assert again.amount == order.grand_total
    assert captures(order).get().amount == order.grand_total


def test_a_captured_shipment_cannot_be_marked_unpaid(warehouse):
    shipment = ShipmentFactory(status=SS.PAID)
    order = shipment.order
    before = everything_unchanged(order)
    with pytest.raises(
        DomainError,
        match=rf"^Shipment {shipment.ref} was captured through the payment provider, not marked "
        r"paid by hand: refund it through a return instead\.$",
    ):
        shipping.mark_shipment_unpaid(shipment_id=shipment.pk, by="boss")
    assert everything_unchanged(order) == before


def test_unpaying_the_first_shipment_and_paying_it_again_keeps_the_total_exact(warehouse):
    order = OrderFactory(
        status=S.CONFIRMED,
        payment_method="invoice",
        shipping_price=Decimal("3.00"),
        lines=[LineDataFactory(quantity=3, unit_price=Decimal("0.99"), discount=Decimal("0.10"))],
    )
    line = order.lines.get()
    shipments = [
        ShipmentFactory(order=order, quantities={line.pk: 1}, status=SS.GOOD_TO_GO)
        for _ in range(3)
    ]
    for shipment in shipments:
        shipping.mark_shipment_paid(shipment_id=shipment.pk, by="boss")
    # Slices of 0.96, 0.95, 0.96 (+ 3.00 shipping on the first). Unpaying the
    # middle one leaves 1.92 paid for two units whose cumulative amount is 1.91:
    # paid again, it is the third unit's slice (0.96) less that cent.
    middle, first = shipments[1], shipments[0]
    shipping.mark_shipment_unpaid(shipment_id=middle.pk, by="boss")
    assert shipping.mark_shipment_paid(shipment_id=middle.pk, by="boss").amount == Decimal("0.95")
    # Unpaying the first hands the shipping cost to the next one paid.
    shipping.mark_shipment_unpaid(shipment_id=first.pk, by="boss")
    assert shipping.mark_shipment_paid(shipment_id=first.pk, by="boss").shipping_amount == 3

    assert sum(captures(order).values_list("amount", flat=True)) == order.grand_total
    assert sum(s.shipping_amount for s in Shipment.objects.filter(order=order)) == Decimal("3")


# ------------------------------------------------------------------ refusals after paying


def test_a_paid_shipment_cannot_be_deleted_nor_its_order_cancelled(warehouse):
    shipment = ShipmentFactory(status=SS.PAID)
    order = shipment.order
    before = everything_unchanged(order)
    with pytest.raises(DomainError, match=rf"^Shipment {shipment.ref} is Paid, so it cannot be"):
        shipping.delete_shipment(shipment_id=shipment.pk, by="boss")
    with pytest.raises(DomainError, match="so it cannot be cancelled"):
        backoffice.cancel_order(order_id=order.pk, by="boss", reason="Too late")
    assert everything_unchanged(order) == before


@pytest.mark.parametrize(
    ("tracking", "sentence"),
    [
        ({"tracking_number": " "}, r"^Give the tracking number\.$"),
        ({"carrier": ""}, r"^Give the carrier\.$"),
        (
            {"shipped_date": timezone.localdate() + timedelta(days=1)},
            r"^The shipped date cannot be in the future\.$",
        ),
    ],
)
def test_completion_needs_tracking_and_a_past_date(tracking, sentence, warehouse):
    shipment = ShipmentFactory(status=SS.PAID)
    before = everything_unchanged(shipment.order)
    with pytest.raises(DomainError, match=sentence):
        complete(shipment, **tracking)
    assert everything_unchanged(shipment.order) == before


def test_a_created_shipment_cannot_be_completed(warehouse):
    shipment = ShipmentFactory()
    before = everything_unchanged(shipment.order)
    with pytest.raises(
        DomainError, match=rf"^Shipment {shipment.ref} is Created, so it cannot be completed\.$"
    ):
        complete(shipment)
    assert everything_unchanged(shipment.order) == before


def test_completion_records_tracking_and_consumes_stock(warehouse):
    shipment = ShipmentFactory(status=SS.PAID)
    units = {sl.order_line.sku: sl.quantity for sl in shipment.lines.select_related("order_line")}
    on_hand = {sku: Stock.objects.get(sku=sku).on_hand for sku in units}
    day = timezone.localdate() - timedelta(days=1)
    # Placed two days ago, so shipping it yesterday is a date it may have.
    Order.objects.filter(pk=shipment.order_id).update(placed_at=timezone.now() - timedelta(days=2))

    done = complete(shipment, tracking_number="JJD0001", carrier="DHL", shipped_date=day)

    assert (done.status, done.tracking_number, done.carrier, done.shipped_date) == (
        SS.COMPLETED,
        "JJD0001",
        "DHL",
        day,
    )
    for sku, quantity in units.items():
        row = Stock.objects.get(sku=sku)
        assert (row.on_hand, row.allocated) == (on_hand[sku] - quantity, 0)


# ------------------------------------------------------------------ permissions


def test_the_warehouse_captures_and_completes_but_does_not_mark_paid(warehouse):
    packer = UserFactory(groups=["Warehouse"])
    shipment = ShipmentFactory(status=SS.GOOD_TO_GO)
    before = everything_unchanged(shipment.order)
    with pytest.raises(DomainError, match=r"^You do not have permission to mark paid shipments\.$"):
        shipping.mark_shipment_paid(shipment_id=shipment.pk, by=packer)
    assert everything_unchanged(shipment.order) == before

    done = complete(shipment, by=packer)
    assert done.status == SS.COMPLETED
    assert captures(shipment.order).get().user == packer


def test_completing_needs_its_permission_before_anything_is_captured(warehouse, finance):
    shipment = ShipmentFactory(status=SS.GOOD_TO_GO)
    before = everything_unchanged(shipment.order)
    with pytest.raises(DomainError, match=r"^You do not have permission to complete shipments\.$"):
        complete(shipment, by=finance)
    assert everything_unchanged(shipment.order) == before
    assert not PaymentTransaction.objects.filter(kind=Kind.CAPTURE).exists()


def test_customer_service_cannot_capture(warehouse):
    clerk = UserFactory(groups=["Customer service"])
    shipment = ShipmentFactory(status=SS.GOOD_TO_GO)
    before = everything_unchanged(shipment.order)
    with pytest.raises(DomainError, match=r"^You do not have permission to capture shipments\.$"):
        shipping.capture_shipment(shipment_id=shipment.pk, by=clerk)
    assert everything_unchanged(shipment.order) == before


# ------------------------------------------------------------------ store options


def test_direct_to_shipment_with_direct_capture_ships_paid(store, warehouse):
    store.direct_to_shipment = store.direct_capture = True
    store.save()
    order = OrderFactory()
    for line in order.lines.all():
        StockFactory(warehouse=warehouse, sku=line.sku)

    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")

    shipment = placed.shipments.get()
    assert (placed.status, shipment.status, shipment.paid_manually) == (
        S.PROCESSING,
        SS.PAID,
        False,
    )
    assert shipment.amount == placed.grand_total
    assert list(captures(order).values_list("shipment_ref", "amount")) == [
        (shipment.ref, placed.grand_total)
    ]
    complete(shipment)
    assert Order.objects.get(pk=order.pk).status == S.COMPLETED


def test_direct_to_shipment_keeps_a_declined_capture_good_to_go(store, warehouse, monkeypatch):
    store.direct_to_shipment = store.direct_capture = True
    store.save()
    order = OrderFactory()
    for line in order.lines.all():
        StockFactory(warehouse=warehouse, sku=line.sku)
    capture = payment_services.capture_payment

    def capture_with_decline(**kwargs):
        decline(Order(pk=kwargs["order_id"]))
        return capture(**kwargs)

    monkeypatch.setattr(payment_services, "capture_payment", capture_with_decline)

    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")

    assert placed.status == S.PROCESSING
    shipment = placed.shipments.get()
    assert (shipment.status, shipment.amount) == (SS.GOOD_TO_GO, 0)
    failed = PaymentTransaction.objects.get(payment__order=order, kind=Kind.CAPTURE)
    assert (failed.outcome, failed.shipment_ref) == (Outcome.FAILED, shipment.ref)
    assert Payment.objects.get(order=order).captured_amount == 0


def test_shipments_draw_on_what_direct_capture_took_at_checkout(store, warehouse):
    store.direct_capture = True
    store.save()
    order = OrderFactory(status=S.CONFIRMED)
    a, b = order.lines.order_by("pk")
    assert captures(order).get().amount == order.grand_total

    ShipmentFactory(order=order, quantities={a.pk: a.quantity}, status=SS.COMPLETED)
    ShipmentFactory(order=order, quantities={b.pk: b.quantity}, status=SS.COMPLETED)

    assert captures(order).count() == 1  # nothing captured twice
    assert sum(Shipment.objects.filter(order=order).values_list("amount", flat=True)) == (
        order.grand_total
    )
    assert Order.objects.get(pk=order.pk).status == S.COMPLETED


def test_direct_to_shipment_with_direct_capture_leaves_an_invoice_unpaid(store, warehouse):
    store.direct_to_shipment = store.direct_capture = True
    store.save()
    order = OrderFactory(payment_method="invoice")
    for line in order.lines.all():
        StockFactory(warehouse=warehouse, sku=line.sku)

    placed = backoffice.checkout_order(order_id=order.pk, by="storefront")

    # Nothing is captured through a provider for an invoice: staff mark it paid.
    assert placed.shipments.get().status == SS.GOOD_TO_GO
    assert not PaymentTransaction.objects.filter(payment__order=order, kind=Kind.CAPTURE)
