"""Orders staff make, at the same moment, on PostgreSQL: the return's order lock
serializes its exchanges, so a return is exchanged once; a customer paying at the
link while staff cancel the order never leaves money authorized on a cancelled order."""

from decimal import Decimal

import pytest

from backoffice.services.cancel import cancel_order
from backoffice.services.exchanges import create_exchange
from core.errors import DomainError
from orders.models import Order, OrderOrigin, OrderStatus
from payments.models import Payment
from returns.models import Return
from tests.helpers import race
from tests.returns_support import make_return
from tests.staff_support import allocated, pay_link, shop_with_completed_order

D = Decimal
ROUNDS = 3  # each on a fresh database: the catalogue is made once per test
BASE = "http://testserver/"

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def exchange(return_id):
    return lambda: create_exchange(return_id=return_id, lines={"A-S": 1}, by="system:racer")


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_same_return_exchanged_twice_at_once_makes_one_exchange_order(round_):
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=0)
    results = race(exchange(return_.pk), exchange(return_.pk))
    won = [r for r in results if isinstance(r, Order)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert (len(won), len(lost)) == (1, 1), results
    assert "has an exchange order that is not cancelled" in str(lost[0])
    exchanges = Order.objects.filter(origin=OrderOrigin.EXCHANGE, related_order=original)
    assert exchanges.count() == 1
    assert Return.objects.get(pk=return_.pk).exchange_order_id == won[0].pk
    assert allocated("A-S") == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_paying_the_link_while_staff_cancel_never_leaves_money_on_a_cancelled_order(round_):
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=0)
    # A dearer replacement: 12.50 for 9.67, so the customer pays 2.83 by link.
    order = create_exchange(
        return_id=return_.pk, lines={"A-XL": 1}, base_url=BASE, by="system:racer"
    )
    results = race(
        lambda: pay_link(order),
        lambda: cancel_order(order_id=order.pk, by="system:racer", reason="Changed mind"),
    )
    order.refresh_from_db()
    payment = Payment.objects.filter(order=order).first()
    # Whichever locked the order first, the cancel stands: paid first, the
    # authorization is voided; cancelled first, the payment is refused.
    assert order.status == OrderStatus.CANCELLED, results
    if payment is None:
        assert isinstance(results[0], DomainError), results
    else:
        assert (payment.status, payment.authorized_amount) == ("voided", D("2.83")), results
    assert Return.objects.get(pk=return_.pk).exchange_credit == D("0.00")
    assert allocated("A-XL") == 0
