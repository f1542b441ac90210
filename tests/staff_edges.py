"""The edges of orders staff make, one case each: an exchange from a pending and from
a completed return, its credit given back when the exchange order is cancelled, a
resend of a completed shipment (none moves the state)."""

from __future__ import annotations

from backoffice.services.cancel import cancel_order
from backoffice.services.exchanges import create_exchange
from backoffice.services.resends import create_resend
from returns import services as returns
from returns.models import Return, ReturnStatus
from shipments.models import Shipment, ShipmentStatus
from tests.factories import FACTORY
from tests.machine_edges import case
from tests.returns_support import line_of, make_return, shipment_of
from tests.staff_support import shop_with_completed_order

R = ReturnStatus


def a_pending_return(store) -> Return:
    return make_return(shop_with_completed_order(), a=1, b=0)


def a_completed_return(store) -> Return:
    return_ = a_pending_return(store)
    return returns.complete_return(return_id=return_.pk, by=FACTORY)


def exchange(return_: Return) -> None:
    create_exchange(return_id=return_.pk, lines={"A-S": 1}, by=FACTORY)  # cheaper: no payment


def an_exchange_of(return_: Return) -> Return:
    exchange(return_)
    return_.refresh_from_db()
    return return_


def a_refunded_exchanged_return(store) -> Return:
    return_ = an_exchange_of(a_pending_return(store))
    return returns.refund_return(return_id=return_.pk, by=FACTORY)  # what is left of it


def cancel_the_exchange(return_: Return) -> None:
    cancel_order(order_id=return_.exchange_order_id, by=FACTORY, reason="Customer changed mind")


def a_completed_shipment(store) -> Shipment:
    return shipment_of(shop_with_completed_order())


def resend(shipment: Shipment) -> None:
    units = {line_of(shipment.order, "A").pk: 1}
    create_resend(shipment_id=shipment.pk, quantities=units, reason="lost", by=FACTORY)


STAFF_CASES = [
    case(
        "an exchange from a pending return",
        a_pending_return,
        exchange,
        (Return, "exchange", R.PENDING, R.PENDING),
    ),
    case(
        "an exchange from a completed return",
        a_completed_return,
        exchange,
        (Return, "exchange", R.COMPLETED, R.COMPLETED),
    ),
    *[
        case(
            f"an exchange order cancelled gives a {status} return its credit back",
            build,
            cancel_the_exchange,
            (Return, "give_back_credit", status, status),
        )
        for status, build in (
            (R.PENDING, lambda store: an_exchange_of(a_pending_return(store))),
            (R.COMPLETED, lambda store: an_exchange_of(a_completed_return(store))),
            (R.REFUNDED, a_refunded_exchanged_return),
        )
    ],
    case(
        "a resend of a completed shipment",
        a_completed_shipment,
        resend,
        (Shipment, "resend", ShipmentStatus.COMPLETED, ShipmentStatus.COMPLETED),
    ),
]
