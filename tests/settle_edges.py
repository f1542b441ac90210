"""The edges of settling later, one case each: a capture or refund the provider
takes as a request, then settles or fails by its notification (the payment's,
the shipment's and the notification's own machines).

`paid` (from `tests.payment_edges`) takes the steps on a confirmed order of
45.00; `later` switches the test gateway to settling later before the steps
after it, so the payment reaches each source state with settled money first.
"""

from __future__ import annotations

from orders.models import Order, OrderStatus
from payments import services as payments
from payments.models import NotificationStatus, PaymentStatus, ProviderNotification
from shipments import services as shipping
from shipments.models import Shipment, ShipmentStatus
from tests.factories import FACTORY, ShipmentFactory
from tests.machine_edges import case, two_lines
from tests.payment_edges import capture, money, paid, refund
from tests.settle_support import deliver, notify, open_request, settlement_body, settling_later

P = PaymentStatus
SH = ShipmentStatus
N = NotificationStatus
later = settling_later

# The settled money before the request, the state it leaves, and the request.
CAPTURE_SOURCES = {
    P.AUTHORIZED: (),
    P.PARTIALLY_CAPTURED: (capture("10", "1-1"),),
    P.PARTIALLY_REFUNDED: (capture("10", "1-1"), refund("5")),
    P.REFUNDED: (capture("10", "1-1"), refund("10")),
}
SETTLED_CAPTURES = [
    (P.AUTHORIZED, P.PARTIALLY_CAPTURED, "10"),
    (P.AUTHORIZED, P.CAPTURED, "45"),
    (P.PARTIALLY_CAPTURED, P.PARTIALLY_CAPTURED, "10"),
    (P.PARTIALLY_CAPTURED, P.CAPTURED, "35"),
    (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, "10"),
    (P.REFUNDED, P.PARTIALLY_REFUNDED, "10"),
]
REFUND_SOURCES = {
    P.PARTIALLY_CAPTURED: (capture("10", "1-1"),),
    P.CAPTURED: (capture("45", "1-1"),),
    P.PARTIALLY_REFUNDED: (capture("10", "1-1"), refund("3")),
}
SETTLED_REFUNDS = [
    (P.PARTIALLY_CAPTURED, P.PARTIALLY_REFUNDED, "5"),
    (P.PARTIALLY_CAPTURED, P.REFUNDED, "10"),
    (P.CAPTURED, P.PARTIALLY_REFUNDED, "5"),
    (P.CAPTURED, P.REFUNDED, "45"),
    (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED, "3"),
    (P.PARTIALLY_REFUNDED, P.REFUNDED, "7"),
]

PAYMENT_SETTLE_CASES = [
    *(
        money("request_capture", source, source, paid(*steps, later), capture("10", "1-2"))
        for source, steps in CAPTURE_SOURCES.items()
    ),
    *(
        money(
            "settle_capture",
            source,
            target,
            paid(*CAPTURE_SOURCES[source], later, capture(amount, "1-2")),
            notify("capture"),
        )
        for source, target, amount in SETTLED_CAPTURES
    ),
    *(
        money(
            "fail_capture",
            source,
            source,
            paid(*steps, later, capture("10", "1-2")),
            notify("capture", succeeded=False),
        )
        for source, steps in CAPTURE_SOURCES.items()
    ),
    *(
        money("request_refund", source, source, paid(*steps, later), refund("3"))
        for source, steps in REFUND_SOURCES.items()
    ),
    *(
        money(
            "settle_refund",
            source,
            target,
            paid(*REFUND_SOURCES[source], later, refund(amount)),
            notify("refund"),
        )
        for source, target, amount in SETTLED_REFUNDS
    ),
    *(
        money(
            "fail_refund",
            source,
            source,
            paid(*steps, later, refund("3")),
            notify("refund", succeeded=False),
        )
        for source, steps in REFUND_SOURCES.items()
    ),
]


def renew(order: Order) -> None:
    payments.renew_authorization(order_id=order.pk, by=FACTORY)


RENEW_CASES = [
    money("renew_authorization", source, source, paid(*steps), renew)
    for source, steps in CAPTURE_SOURCES.items()
]


def good_to_go_settling_later(store) -> Shipment:
    order = two_lines(OrderStatus.CONFIRMED)
    shipment = ShipmentFactory(order=order, status=SH.GOOD_TO_GO)
    settling_later(order)
    return shipment


def capture_requested(store) -> Shipment:
    shipment = good_to_go_settling_later(store)
    shipping.capture_shipment(shipment_id=shipment.pk, by=FACTORY)
    return shipment


def completing_on_request(store) -> Shipment:
    store.complete_on_capture_request = True
    store.save()
    return capture_requested(store)


def of_order(step):
    return lambda shipment: step(Order.objects.get(pk=shipment.order_id))


SHIPMENT_SETTLE_CASES = [
    case(
        "shipment capture taken as a request",
        good_to_go_settling_later,
        lambda s: shipping.capture_shipment(shipment_id=s.pk, by=FACTORY),
        (Shipment, "request_capture", SH.GOOD_TO_GO, SH.CAPTURE_REQUESTED),
    ),
    case(
        "shipment capture settled",
        capture_requested,
        of_order(notify("capture")),
        (Shipment, "settle_capture", SH.CAPTURE_REQUESTED, SH.PAID),
    ),
    case(
        "shipment capture failed",
        capture_requested,
        of_order(notify("capture", succeeded=False)),
        (Shipment, "fail_capture", SH.CAPTURE_REQUESTED, SH.GOOD_TO_GO),
    ),
    case(
        "shipment completed on its capture request (the store allows it)",
        completing_on_request,
        lambda s: shipping.complete_shipment(
            shipment_id=s.pk, tracking_number="T1", carrier="UPS", by=FACTORY
        ),
        (Shipment, "complete", SH.CAPTURE_REQUESTED, SH.COMPLETED),
    ),
]


def requested(store) -> Order:
    return paid(later, capture("10", "1-1"))(store)


def delivered_once(store) -> bytes:
    order = requested(store)
    body = settlement_body(open_request(order))
    deliver(body)
    return body


NOTIFICATION_CASES = [
    case(
        "a notification applied",
        requested,
        notify("capture"),
        (ProviderNotification, "apply", N.RECEIVED, N.APPLIED),
    ),
    case(
        "a notification delivered again",
        delivered_once,
        deliver,
        (ProviderNotification, "ignore", N.RECEIVED, N.DUPLICATE),
    ),
    case(
        "a forged notification",
        requested,
        lambda o: deliver(settlement_body(open_request(o), signature="AAAA")),
        (ProviderNotification, "reject", N.RECEIVED, N.REJECTED),
    ),
]

SETTLE_CASES = PAYMENT_SETTLE_CASES + RENEW_CASES + SHIPMENT_SETTLE_CASES + NOTIFICATION_CASES
