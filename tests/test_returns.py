"""Return services: the happy paths to the cent, and refusals that change nothing.

The order (tests/returns_support.py): A 3 × 10.00 less 1.00 (29.00), B 1 × 20.00,
shipping 5.00 = 54.00, shipped, captured and completed in one shipment.
"""

from decimal import Decimal

import pytest

from core.errors import DomainError
from orders.models import OrderEvent, OrderStatus
from payments.models import Payment
from returns import services as returns
from returns.models import ReturnStatus
from tests.factories import FACTORY
from tests.returns_support import completed_order, make_return, on_hand, world

D = Decimal
pytestmark = pytest.mark.django_db


def test_a_return_takes_each_units_share_of_what_was_charged():
    order = completed_order()
    first = make_return(order, a=1)
    second = make_return(order, a=1)
    third = make_return(order, a=1, b=1, refund_shipping=True)
    assert [r.number for r in (first, second, third)] == [
        f"{order.number}-R1",
        f"{order.number}-R2",
        f"{order.number}-R3",
    ]
    # 29.00 over 3 units: 9.67, then 19.33 − 9.67 = 9.66, then 29.00 − 19.33 = 9.67.
    assert [r.lines_amount for r in (first, second, third)] == [D("9.67"), D("9.66"), D("29.67")]
    assert third.shipping_amount == D("5.00")
    assert sum(r.refund_amount for r in (first, second, third)) == D("54.00")
    assert first.status == ReturnStatus.PENDING


def test_refund_then_complete_moves_the_money_and_the_goods():
    order = completed_order()
    before = on_hand("A")
    return_ = make_return(
        order, a=2, refund_shipping=True, handling_cost="2.50", return_fee="4.00",
        voucher_value="3.00",
    )  # fmt: skip
    # 19.33 + 5.00 + 2.50 − 4.00 − 3.00
    assert return_.refund_amount == D("19.83")
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    payment = Payment.objects.get(order=order)
    assert payment.refunded_amount == D("19.83")
    assert payment.transactions.get(kind="refund").return_ref == return_.number
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    return_.refresh_from_db()
    assert return_.status == ReturnStatus.COMPLETED and return_.refunded_at
    assert on_hand("A") == before + 2
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    transitions = list(
        OrderEvent.objects.filter(order=order, subject="return").values_list(
            "transition", flat=True
        )
    )
    assert transitions == ["create", "refund", "complete"]


def test_more_than_is_left_is_refused_and_nothing_changes():
    order = completed_order()
    make_return(order, a=2)
    before = world(order)
    with pytest.raises(DomainError, match=r"^Only 1 of 3 × A can still be returned\.$"):
        make_return(order, a=2)
    assert world(order) == before
