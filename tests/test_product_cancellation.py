"""Cancel and restore products, release, restore order: the money rules, case by case."""

from decimal import Decimal

import pytest

from backoffice import services as backoffice
from core.errors import DomainError
from orders import services
from orders.models import HoldKind, Order, OrderEvent, OrderStatus
from payments.errors import PaymentDeclined
from payments.models import Payment
from shipments.models import ShipmentStatus
from tests.factories import (
    FACTORY,
    LineDataFactory,
    OrderFactory,
    PaymentFactory,
    ShipmentFactory,
    advance_shipment,
)
from tests.helpers import payment_snapshot, stock_snapshot

S = OrderStatus
D = Decimal
pytestmark = pytest.mark.django_db


def two_lines(**extra) -> Order:
    """A (2 × 10.00), B (1 × 20.00), shipping 5.00: 45.00."""
    return OrderFactory(
        lines=[
            LineDataFactory(sku="A", quantity=2, unit_price=D("10.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
        ],
        **extra,
    )


def line(order, sku):
    return order.lines.get(sku=sku)


def cancel(order, quantities, by=FACTORY):
    return backoffice.cancel_products(
        order_id=order.pk, quantities=quantities, reason="Out of stock", by=by
    )


def amounts(order):
    p = Payment.objects.get(order=order)
    return p.status, p.captured_amount, p.refunded_amount, p.released_amount


def test_the_dead_end_completes_and_releases_the_rest():
    order = two_lines(status=S.CONFIRMED)
    ShipmentFactory(
        order=order, quantities={line(order, "A").pk: 2}, status=ShipmentStatus.COMPLETED
    )
    stock = stock_snapshot()
    done = cancel(order, {line(order, "B").pk: 1})
    assert done.status == S.COMPLETED
    assert amounts(order) == ("captured", D("25.00"), D("0.00"), D("20.00"))
    assert stock_snapshot() == stock
    messages = list(OrderEvent.objects.filter(order=order).values_list("message", flat=True))
    assert "so the order is completed" in messages[-2]
    assert messages[-1] == "Released the remaining authorization of 20.00 EUR."


def test_direct_capture_refunds_the_cancelled_units_in_the_same_step(store):
    store.direct_capture = True
    store.save()
    order = two_lines(status=S.CONFIRMED)
    cancel(order, {line(order, "B").pk: 1})
    assert amounts(order) == ("partially_refunded", D("45.00"), D("20.00"), D("0.00"))
    refund = Payment.objects.get(order=order).transactions.get(kind="refund")
    assert refund.reference == "Cancelled products: 1 × B"


def test_a_declined_refund_refuses_the_step_and_keeps_the_failed_row(store):
    store.direct_capture = True
    store.save()
    order = two_lines(status=S.CONFIRMED)
    PaymentFactory(order=order, test_decline="refund")
    before = payment_snapshot(order.pk)
    with pytest.raises(PaymentDeclined, match=r"its products were not cancelled: the payment"):
        cancel(order, {line(order, "B").pk: 1})
    assert payment_snapshot(order.pk) == before
    assert Payment.objects.get(order=order).transactions.filter(outcome="failed").count() == 1


def test_cancelling_every_unit_cancels_the_order_and_voids():
    order = two_lines(status=S.PENDING, on_hold=True)
    done = cancel(order, {line(order, "A").pk: 2, line(order, "B").pk: 1})
    assert (done.status, done.on_hold, done.cancel_reason) == (S.CANCELLED, False, "Out of stock")
    assert amounts(order) == ("voided", D("0.00"), D("0.00"), D("45.00"))


def test_a_declined_void_refuses_cancelling_every_unit():
    order = two_lines(status=S.PENDING)
    PaymentFactory(order=order, test_decline="void")
    before = payment_snapshot(order.pk)
    with pytest.raises(PaymentDeclined):
        cancel(order, {line(order, "A").pk: 2, line(order, "B").pk: 1})
    assert payment_snapshot(order.pk) == before


def test_a_held_order_completes_when_resumed():
    order = two_lines(status=S.CONFIRMED)
    ShipmentFactory(
        order=order, quantities={line(order, "A").pk: 2}, status=ShipmentStatus.COMPLETED
    )
    services.hold_order(order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Check")
    held = cancel(order, {line(order, "B").pk: 1})
    assert (held.status, held.on_hold) == (S.PROCESSING, True)
    assert amounts(order)[3] == D("20.00")  # released even so: nothing is left to capture
    resumed = services.resume_order(order_id=order.pk, by=FACTORY)
    assert (resumed.status, resumed.on_hold) == (S.COMPLETED, False)


@pytest.mark.parametrize(
    ("quantities", "sentence"),
    [
        ({"A": 3}, r"Only 2 of A can be cancelled in Order \d+, not 3\."),
        ({"A": -1}, r"cannot be negative\."),
        ({"A": "1"}, r"must be a whole number\."),
        ({"A": 0}, r"Choose at least one unit to cancel\."),
        ({987654: 1}, r"Line #987654 is not a line of Order \d+\."),
    ],
)
def test_bad_quantities_are_refused_with_a_sentence(quantities, sentence):
    order = two_lines(status=S.CONFIRMED)
    asked = {line(order, k).pk if isinstance(k, str) else k: v for k, v in quantities.items()}
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError, match=sentence):
        cancel(order, asked)
    assert payment_snapshot(order.pk) == before


def test_units_in_a_shipment_cannot_be_cancelled():
    order = two_lines(status=S.CONFIRMED)
    ShipmentFactory(order=order, quantities={line(order, "A").pk: 1})
    with pytest.raises(DomainError, match="Only 1 of A can be cancelled"):
        cancel(order, {line(order, "A").pk: 2})


def test_restore_beyond_what_is_still_authorized_needs_a_new_authorization(store):
    store.direct_capture = True
    store.save()
    order = two_lines(status=S.CONFIRMED)
    cancel(order, {line(order, "B").pk: 1})
    before = payment_snapshot(order.pk)
    with pytest.raises(DomainError, match=r"needs a new authorization for 20\.00 EUR more"):
        backoffice.restore_products(
            order_id=order.pk, quantities={line(order, "B").pk: 1}, reason="Found", by=FACTORY
        )
    assert payment_snapshot(order.pk) == before


def test_restore_order_declined_stays_cancelled():
    order = two_lines(status=S.CANCELLED)
    PaymentFactory(order=order, test_decline="authorize")
    with pytest.raises(PaymentDeclined, match="was not restored"):
        backoffice.restore_order(order_id=order.pk, reason="Customer called", by=FACTORY)
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert amounts(order) == ("voided", D("0.00"), D("0.00"), D("45.00"))


def test_a_cancelled_order_of_no_products_cannot_be_restored():
    order = two_lines(status=S.PENDING)
    cancel(order, {line(order, "A").pk: 2, line(order, "B").pk: 1})
    with pytest.raises(DomainError, match=r"has no products left to order\."):
        backoffice.restore_order(order_id=order.pk, reason="Oops", by=FACTORY)


def test_released_money_cannot_be_marked_unpaid():
    order = two_lines(status=S.CONFIRMED, payment_method="invoice")
    shipment = ShipmentFactory(order=order, quantities={line(order, "A").pk: 2})
    shipment = advance_shipment(shipment, status=ShipmentStatus.GOOD_TO_GO)
    from shipments import services as shipping

    shipping.mark_shipment_paid(shipment_id=shipment.pk, by=FACTORY)
    cancel(order, {line(order, "B").pk: 1})
    with pytest.raises(DomainError, match="was released: refund instead"):
        shipping.mark_shipment_unpaid(shipment_id=shipment.pk, by=FACTORY)
