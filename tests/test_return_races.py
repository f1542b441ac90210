"""Return steps at the same moment: the order lock serializes them, so a unit is
returned once, a return is refunded once, and a refund and a delete never both win."""

from decimal import Decimal

import pytest

from core.errors import DomainError
from payments.models import Payment
from returns import services as returns
from returns.models import Return, ReturnLine, ReturnStatus
from tests.helpers import race
from tests.returns_support import completed_order, make_return, on_hand

D = Decimal
ROUNDS = 8

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def refund(return_id):
    return lambda: returns.refund_return(return_id=return_id, by="system:racer")


def delete(return_id):
    return lambda: returns.delete_return(return_id=return_id, by="system:racer")


def complete(return_id):
    return lambda: returns.complete_return(return_id=return_id, by="system:racer")


def return_one_a(order):
    return lambda: make_return(order, a=1, by="system:racer")


def test_two_returns_of_the_last_returnable_unit_one_wins():
    for _ in range(ROUNDS):
        order = completed_order()
        make_return(order, a=2)
        results = race(return_one_a(order), return_one_a(order))
        won = [r for r in results if isinstance(r, Return)]
        lost = [r for r in results if isinstance(r, DomainError)]
        assert (len(won), len(lost)) == (1, 1), results
        assert str(lost[0]) == "Only 0 of 3 × A can still be returned."
        units = ReturnLine.objects.filter(order_return__order=order)
        assert sum(units.values_list("quantity", flat=True)) == 3
        # The three units give back exactly what line A was charged.
        assert sum(units.values_list("amount", flat=True)) == D("29.00")


def test_the_same_return_refunded_twice_at_once_refunds_once():
    for _ in range(ROUNDS):
        order = completed_order()
        return_ = make_return(order, a=1)
        results = race(refund(return_.pk), refund(return_.pk))
        lost = [r for r in results if isinstance(r, DomainError)]
        assert len(lost) == 1, results
        assert str(lost[0]) == f"Return {return_.number} is Refunded, so it cannot be refunded."
        payment = Payment.objects.get(order=order)
        assert payment.refunded_amount == D("9.67")
        rows = payment.transactions.filter(kind="refund", outcome="success")
        assert list(rows.values_list("return_ref", "amount")) == [(return_.number, D("9.67"))]
        assert Return.objects.get(pk=return_.pk).status == ReturnStatus.REFUNDED


def test_refund_against_delete_exactly_one_wins():
    winners = set()
    for _ in range(ROUNDS):
        order = completed_order()
        return_ = make_return(order, a=1)
        results = race(
            refund(return_.pk),
            delete(return_.pk),
        )
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(refused) == 1, results
        payment = Payment.objects.get(order=order)
        rows = payment.transactions.filter(kind="refund", outcome="success")
        found = Return.objects.filter(pk=return_.pk).first()
        if found is None:  # the delete won: no money moved
            winners.add("delete")
            assert str(refused[0]).startswith(f"Return #{return_.pk} does not exist")
            assert (payment.refunded_amount, rows.count()) == (D("0.00"), 0)
        else:  # the refund won: the return stays, refunded once
            winners.add("refund")
            assert str(refused[0]) == (
                f"Return {return_.number} is Refunded, so it cannot be deleted."
            )
            assert found.status == ReturnStatus.REFUNDED
            assert (payment.refunded_amount, rows.count()) == (D("9.67"), 1)
    assert winners  # whichever won, the state is one of the two above


def test_completing_twice_at_once_puts_the_goods_back_once():
    for _ in range(ROUNDS):
        order = completed_order()
        return_ = make_return(order, a=2)
        shelf = on_hand("A")
        results = race(complete(return_.pk), complete(return_.pk))
        assert sum(isinstance(r, DomainError) for r in results) == 1, results
        assert on_hand("A") == shelf + 2


def test_deleting_the_latest_return_while_another_is_made_never_reuses_its_number():
    for _ in range(ROUNDS):
        order = completed_order()
        make_return(order, a=1)
        latest = make_return(order, a=1)
        results = race(delete(latest.pk), return_one_a(order))
        made = [r for r in results if isinstance(r, Return)]
        assert len(made) == 1 and not any(isinstance(r, Exception) for r in results), results
        # Whichever went first, 1042-R2 stays the deleted one's.
        assert made[0].number == f"{order.number}-R3"
        assert list(Return.objects.filter(order=order).values_list("sequence", flat=True)) == [
            1,
            3,
        ]
