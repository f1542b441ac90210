"""The payment machine's edges, one case each (no transition table takes them).

Each refund is its own transition, taken by its own service: a goodwill refund
(`payments.refund_payment`), a return's money (`returns.refund_return`) and the
money of cancelled products (`backoffice.cancel_products`). A refund's source is
what was captured before it; its target is whether it gives back all of what is
kept (Refunded) or part (Partially refunded).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backoffice import services as backoffice
from orders.models import Order, OrderStatus
from payments import services as payments
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentStatus
from returns import services as returns
from returns.models import Return, StockAction
from shipments import services as shipping_services
from shipments.models import ShipmentLine, ShipmentStatus
from tests.factories import FACTORY, LineDataFactory, OrderFactory, ShipmentFactory
from tests.machine_edges import Case, a_shipped, cancel_b, cancel_every_unit, case, line, two_lines
from tests.returns_support import completed_order, make_return

S = OrderStatus
P = PaymentStatus
D = Decimal


def money(transition: str, source: str, target: str, build: Callable, run: Callable) -> Case:
    """A case taking one edge of the payment's machine."""
    name = f"payment {transition} {source} to {target}"
    return case(name, build, run, (Payment, transition, source, target))


def capture(amount: str, ref: str) -> Callable:
    return lambda o: payments.capture_payment(
        order_id=o.pk, amount=D(amount), by=FACTORY, shipment_ref=ref
    )


def record(amount: str, ref: str) -> Callable:
    return lambda o: payments.record_manual_payment(
        order_id=o.pk, amount=D(amount), by=FACTORY, shipment_ref=ref
    )


def unrecord(ref: str) -> Callable:
    return lambda o: payments.reverse_manual_payment(order_id=o.pk, shipment_ref=ref, by=FACTORY)


def refund(amount: str) -> Callable:
    """A goodwill refund (no return)."""
    return lambda o: payments.refund_payment(
        order_id=o.pk, amount=D(amount), reason="Goodwill", by=FACTORY
    )


def paid(*steps: Callable) -> Callable:
    """A confirmed order of 45.00, its payment taken through `steps`."""

    def build(store) -> Order:
        order = two_lines(S.CONFIRMED)
        for step in steps:
            step(order)
        return order

    return build


def declined(step: Callable) -> Callable:
    """`step`, which the test gateway declines (the edge is taken all the same)."""

    def run(subject) -> None:
        with pytest.raises(PaymentDeclined):
            step(subject)

    return run


def checkout(order: Order) -> None:
    backoffice.checkout_order(order_id=order.pk, by=FACTORY)


def declined_at_checkout(*, fixed: bool = False) -> Callable:
    """A selection of 15.13 (the test gateway declines amounts of 13 cents), checked
    out once and declined; `fixed` changes its price to one the gateway accepts."""

    def build(store) -> Order:
        order = OrderFactory(lines=[LineDataFactory(quantity=1, unit_price=D("10.13"))])
        declined(checkout)(order)
        if fixed:
            order.lines.update(unit_price=D("10.00"))
        return order

    return build


def cancelled_and_declining(store) -> Order:
    order = OrderFactory(status=S.CANCELLED)
    Payment.objects.filter(order=order).update(test_decline="authorize")
    return order


def restore(order: Order) -> None:
    backoffice.restore_order(order_id=order.pk, reason="Wanted after all", by=FACTORY)


def settled_by_cancelling_b(*steps: Callable) -> Callable:
    """A shipped and paid (25.00 captured), then `steps`; cancelling B, the last open
    line, leaves nothing to capture, so what is still authorized is released."""

    def build(store) -> Order:
        order = two_lines(S.CONFIRMED)
        ShipmentFactory(order=order, quantities={line(order, "A"): 2}, status=ShipmentStatus.PAID)
        for step in steps:
            step(order)
        return order

    return build


def free_a_shipped(store) -> Order:
    """A costs nothing and is shipped (a shipment of 0.00 captures nothing), B is open."""
    order = OrderFactory(
        status=S.CONFIRMED,
        shipping_price=D("0.00"),
        lines=[
            LineDataFactory(sku="A", quantity=1, unit_price=D("0.00")),
            LineDataFactory(sku="B", quantity=1, unit_price=D("20.00")),
        ],
    )
    ShipmentFactory(order=order, quantities={line(order, "A"): 1}, status=ShipmentStatus.COMPLETED)
    return order


# A return's refund. Returns are made of completed shipments, so the money they
# give back was captured: the whole order's (`completed_order`, 54.00 in one
# shipment) or one shipment's of several (`a_shipped`, 25.00 of 45.00).


def a_returned(units: int, *, shipping: bool = False, first: int = 0) -> Callable:
    """`a_shipped` with a pending return of `units` of A (and the shipping), after
    a refunded return of `first` units of A."""

    def build(store) -> Return:
        order = a_shipped()
        if first:
            refund_return(returned_a(order, first))
        return returned_a(order, units, shipping=shipping)

    return build


def returned_a(order: Order, units: int, *, shipping: bool = False) -> Return:
    shipped = ShipmentLine.objects.get(shipment__order=order, order_line__sku="A")
    return returns.create_return(
        shipment_id=shipped.shipment_id,
        quantities={shipped.pk: units},
        stock_action=StockAction.BACK_TO_ORIGIN,
        refund_shipping=shipping,
        by=FACTORY,
    )


def completed_and_returned(*, first: int = 0, **returned) -> Callable:
    """`completed_order` with a pending return (`make_return`'s `a`, `b`, shipping),
    after a refunded return of `first` units of A."""

    def build(store) -> Return:
        order = completed_order()
        if first:
            refund_return(make_return(order, a=first))
        return make_return(order, **returned)

    return build


def refund_return(return_: Return) -> None:
    returns.refund_return(return_id=return_.pk, by=FACTORY)


# Cancelled products' money: what was captured above the order's new total.
# Direct Capture takes all of it at checkout; shipments capture their own units'
# share, except that a shipment paid by hand and marked unpaid out of turn leaves
# the other shipments' slices of its line a cent above what their units cost
# (`core.money.slice_charge`), so cancelling its units refunds that cent from
# Partially captured.


def captured_at_checkout(*steps: Callable) -> Callable:
    """`two_lines` confirmed with Direct Capture (45.00 captured), then `steps`."""

    def build(store) -> Order:
        store.direct_capture = True
        store.save()
        order = two_lines(S.CONFIRMED)
        for step in steps:
            step(order)
        return order

    return build


def one_unpaid_out_of_turn(*lines: dict, shipping: str, shipments: int, unpaid: int) -> Callable:
    """An invoice order of `lines` (A first), one unit of A per shipment, each marked
    paid by hand in turn; then shipment number `unpaid` (0 is the first) is marked
    unpaid and deleted, its unit of A in no shipment again."""

    def build(store) -> Order:
        order = OrderFactory(
            status=S.CONFIRMED,
            payment_method="invoice",
            shipping_price=D(shipping),
            lines=[LineDataFactory(**fields) for fields in lines],
        )
        made = [
            ShipmentFactory(
                order=order, quantities={line(order, "A"): 1}, status=ShipmentStatus.GOOD_TO_GO
            )
            for _ in range(shipments)
        ]
        for shipment in made:
            shipping_services.mark_shipment_paid(shipment_id=shipment.pk, by=FACTORY)
        shipping_services.mark_shipment_unpaid(shipment_id=made[unpaid].pk, by=FACTORY)
        shipping_services.delete_shipment(shipment_id=made[unpaid].pk, by=FACTORY)
        return order

    return build


def cancel(**units: int) -> Callable:
    """Cancel these units (by SKU)."""
    return lambda o: backoffice.cancel_products(
        order_id=o.pk,
        quantities={line(o, sku): count for sku, count in units.items()},
        reason="Out of stock",
        by=FACTORY,
    )


# A 3 × 10.00 less 1.00 (slices 9.67, 9.66, 9.67) and 5.00 shipping, all paid by
# hand, the 9.66 slice unpaid: 24.34 captured of 34.00, and the two units left
# cost 19.33, so cancelling the third refunds 0.01 of what is kept.
A_CENT_ABOVE = one_unpaid_out_of_turn(
    {"sku": "A", "quantity": 3, "unit_price": D("10.00"), "discount": D("1.00")},
    shipping="5.00",
    shipments=3,
    unpaid=1,
)
# A 3 × 0.01 less 0.02 (slices 0.00, 0.01, 0.00) and B 20.00, no shipping; the
# first slice unpaid: 0.01 captured of 20.01. The one unit of A left costs 0.00,
# so cancelling the rest owes nothing and refunds all that was captured. (B is
# 20.00, not 10.00: SQLite checks captured ≤ authorized − released in floating
# point, where 10.01 − 10.00 is a hair under 0.01 and the release is refused.)
ALL_OF_A_CENT = one_unpaid_out_of_turn(
    {"sku": "A", "quantity": 3, "unit_price": D("0.01"), "discount": D("0.02")},
    {"sku": "B", "quantity": 1, "unit_price": D("20.00")},
    shipping="0.00",
    shipments=2,
    unpaid=0,
)


PAYMENT_CASES = [
    money(
        "authorize",
        P.NEW,
        P.FAILED,
        lambda store: OrderFactory(lines=[LineDataFactory(quantity=1, unit_price=D("10.13"))]),
        declined(checkout),
    ),
    money("authorize", P.FAILED, P.FAILED, declined_at_checkout(), declined(checkout)),
    money("authorize", P.FAILED, P.AUTHORIZED, declined_at_checkout(fixed=True), checkout),
    money("reauthorize", P.VOIDED, P.VOIDED, cancelled_and_declining, declined(restore)),
    *(
        money(name, source, target, paid(*steps), step(amount, "1-2"))
        for name, step in (("capture", capture), ("record_manual", record))
        for source, target, steps, amount in (
            (P.AUTHORIZED, P.PARTIALLY_CAPTURED, (), "10"),
            (P.AUTHORIZED, P.CAPTURED, (), "45"),
            (P.PARTIALLY_CAPTURED, P.PARTIALLY_CAPTURED, (capture("10", "1-1"),), "10"),
            (P.PARTIALLY_CAPTURED, P.CAPTURED, (capture("10", "1-1"),), "35"),
            (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"), refund("5")), "10"),
            (P.REFUNDED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"), refund("10")), "10"),
        )
    ),
    money("reverse_manual", P.CAPTURED, P.AUTHORIZED, paid(record("45", "1-1")), unrecord("1-1")),
    money(
        "reverse_manual",
        P.CAPTURED,
        P.PARTIALLY_CAPTURED,
        paid(record("10", "1-1"), record("35", "1-2")),
        unrecord("1-2"),
    ),
    money(
        "reverse_manual",
        P.PARTIALLY_CAPTURED,
        P.AUTHORIZED,
        paid(record("10", "1-1")),
        unrecord("1-1"),
    ),
    money(
        "reverse_manual",
        P.PARTIALLY_CAPTURED,
        P.PARTIALLY_CAPTURED,
        paid(record("10", "1-1"), record("10", "1-2")),
        unrecord("1-2"),
    ),
    *(
        money("refund_goodwill", source, target, paid(*steps), refund(amount))
        for source, target, steps, amount in (
            (P.PARTIALLY_CAPTURED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"),), "5"),
            (P.PARTIALLY_CAPTURED, P.REFUNDED, (capture("10", "1-1"),), "10"),
            (P.CAPTURED, P.PARTIALLY_REFUNDED, (capture("45", "1-1"),), "5"),
            (P.CAPTURED, P.REFUNDED, (capture("45", "1-1"),), "45"),
            (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, (capture("10", "1-1"), refund("3")), "3"),
            (P.PARTIALLY_REFUNDED, P.REFUNDED, (capture("10", "1-1"), refund("5")), "5"),
        )
    ),
    *(
        money("refund_return", source, target, build, refund_return)
        for source, target, build in (
            # One unit of A (10.00) of the 25.00 captured for A's shipment.
            (P.PARTIALLY_CAPTURED, P.PARTIALLY_REFUNDED, a_returned(1)),
            # All of A's shipment: its units and its shipping, all that was captured.
            (P.PARTIALLY_CAPTURED, P.REFUNDED, a_returned(2, shipping=True)),
            (P.CAPTURED, P.PARTIALLY_REFUNDED, completed_and_returned(a=1)),
            (P.CAPTURED, P.REFUNDED, completed_and_returned(a=3, b=1, refund_shipping=True)),
            (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, completed_and_returned(first=1, a=1)),
            (
                P.PARTIALLY_REFUNDED,
                P.REFUNDED,
                completed_and_returned(first=1, a=2, b=1, refund_shipping=True),
            ),
        )
    ),
    *(
        money("refund_cancelled_products", source, target, captured_at_checkout(*steps), run)
        for source, target, steps, run in (
            # B's 20.00 of the 45.00 captured.
            (P.CAPTURED, P.PARTIALLY_REFUNDED, (), cancel_b),
            # Nothing is owed once every unit is cancelled: all 45.00 goes back.
            (P.CAPTURED, P.REFUNDED, (), cancel_every_unit),
            (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, (refund("5"),), cancel_b),
            # The 40.00 kept after a goodwill refund of 5.00.
            (P.PARTIALLY_REFUNDED, P.REFUNDED, (refund("5"),), cancel_every_unit),
        )
    ),
    # Every unit left is in a paid shipment, so the rest of the authorization is
    # released in the same step.
    case(
        "payment refund_cancelled_products partially_captured to partially_refunded",
        A_CENT_ABOVE,
        cancel(A=1),
        (Payment, "refund_cancelled_products", P.PARTIALLY_CAPTURED, P.PARTIALLY_REFUNDED),
        (Payment, "release", P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED),
    ),
    case(
        "payment refund_cancelled_products partially_captured to refunded",
        ALL_OF_A_CENT,
        cancel(A=2, B=1),
        (Payment, "refund_cancelled_products", P.PARTIALLY_CAPTURED, P.REFUNDED),
        (Payment, "release", P.REFUNDED, P.REFUNDED),
    ),
    money("release", P.AUTHORIZED, P.VOIDED, free_a_shipped, cancel_b),
    money(
        "release",
        P.PARTIALLY_REFUNDED,
        P.PARTIALLY_REFUNDED,
        settled_by_cancelling_b(refund("5")),
        cancel_b,
    ),
    money("release", P.REFUNDED, P.REFUNDED, settled_by_cancelling_b(refund("25")), cancel_b),
]
