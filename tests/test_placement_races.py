"""Buyers settling at once: one order per attempt, never more units than on hand."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from backoffice.services.placement import StockShort, settle_from_notification, settle_from_return
from orders.models import Order, OrderStatus
from payments.models import PaymentAttempt, PaymentTransaction
from shipments.models import Allocation, Stock
from tests.helpers import race
from tests.placement_support import SKU, answers, make_selection, make_shop, open_attempt

BUYERS = 20
LAST_UNITS = 5

pytestmark = [
    pytest.mark.postgres("row locks between concurrent transactions"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_same_result_posted_ten_times_at_once_places_one_order(store):
    make_shop(on_hand=3)
    attempt = open_attempt(make_selection())
    body, returned = answers(attempt)
    calls = [lambda: settle_from_return(fields=dict(returned)) for _ in range(9)]
    calls.append(lambda: settle_from_notification(provider="test", body=body, headers={}))

    results = race(*calls)

    assert all(isinstance(result, Order) for result in results), results
    assert {result.pk for result in results} == {attempt.order_id}
    assert PaymentTransaction.objects.filter(kind="authorize").count() == 1
    assert Order.objects.get(pk=attempt.order_id).status == OrderStatus.PENDING
    assert Stock.objects.get(warehouse__name="Stockholm").allocated == 1


def test_twenty_buyers_for_the_last_five_units_five_orders_are_placed(store):
    make_shop(on_hand=3, second=2)
    selections = [make_selection() for _ in range(BUYERS)]

    def buy(order: Order) -> Order:
        """Begin the payment (the stock check), approve it, post the result."""
        return settle_from_return(fields=answers(open_attempt(order))[1])

    results = race(*(lambda order=order: buy(order) for order in selections))

    placed = [result for result in results if isinstance(result, Order)]
    short = [result for result in results if isinstance(result, StockShort)]
    assert (len(placed), len(short)) == (LAST_UNITS, BUYERS - LAST_UNITS), results
    # Short at the check (no attempt) or at placement (the attempt cancelled).
    statuses = set(PaymentAttempt.objects.values_list("status", flat=True))
    assert statuses <= {"placed", "cancelled"}
    assert PaymentAttempt.objects.filter(status="placed").count() == LAST_UNITS
    assert PaymentTransaction.objects.filter(kind="authorize").count() == LAST_UNITS
    for row in Stock.objects.filter(sku=SKU):
        assert row.allocated == row.on_hand  # every unit reserved, never more
    assert Allocation.objects.aggregate(total=Sum("quantity"))["total"] == LAST_UNITS
    assert Order.objects.filter(status=OrderStatus.INCOMPLETE).count() == BUYERS - LAST_UNITS
