"""`orders.locks.lock_with_order`: every row that belongs to an order (a shipment, a
return, a payment, a comment) is locked the one way, its order first and then the
row (docs/architecture.md, "The lock order")."""

import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from orders import comments
from orders.locks import lock_order, lock_with_order
from orders.models import OrderStatus
from payments.recording import lock_payment
from returns.services import lock_return
from shipments.models import Shipment
from shipments.services.common import lock_shipment
from tests.factories import OrderFactory, ShipmentFactory
from tests.returns_support import completed_order, make_return

S = OrderStatus


def _shipment():
    return ShipmentFactory(order=OrderFactory(status=S.CONFIRMED))


def _comment():
    order = OrderFactory(status=S.CONFIRMED)
    return comments.add_comment(order_id=order.pk, by="integration:shop", text="Call back")


# (what is locked, how it is made, how it is locked, the tables read in turn)
CASES = [
    (
        "shipment",
        _shipment,
        lambda shipment: lock_shipment(shipment.pk)[1],
        ["shipments_shipment", "orders_order", "shipments_shipment"],
    ),
    (
        "return",
        lambda: make_return(completed_order()),
        lambda return_: lock_return(return_.pk),
        ["returns_return", "orders_order", "returns_return"],
    ),
    (
        "payment",
        lambda: OrderFactory(status=S.CONFIRMED).payment,
        lambda payment: lock_payment(payment.order_id),
        ["orders_order", "payments_payment"],
    ),
    (
        "comment",
        _comment,
        lambda comment: comments.edit_comment(
            comment_id=comment.pk, by="integration:shop", text=comment.message
        ),
        ["orders_orderevent", "orders_order", "orders_orderevent"],
    ),
]


def _table(sql: str) -> str:
    return re.search(r'FROM "(\w+)"', sql).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "make", "lock", "tables"), CASES, ids=[c[0] for c in CASES])
def test_the_order_is_locked_before_the_row(what, make, lock, tables):
    row = make()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lock(row)
    selects = [
        query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")
    ]
    read = selects[: len(tables)]
    assert [_table(sql) for sql in read] == tables
    if connection.features.has_select_for_update:
        # The lookup of the row's order takes no lock; the order and the row do, in turn.
        assert [sql.endswith("FOR UPDATE") for sql in read[-2:]] == [True, True]
    # The row comes back with the very order that was locked.
    assert locked.order.pk == row.order_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lock", "sentence"),
    [
        (lock_shipment, "Shipment #{} does not exist (it may have been deleted)."),
        (lock_return, "Return #{} does not exist (it may have been deleted)."),
    ],
)
@pytest.mark.parametrize("missing", [0, 999_999, "x", None])
def test_a_row_that_is_gone_is_one_sentence(lock, sentence, missing):
    with transaction.atomic(), pytest.raises(DomainError) as refused:
        lock(missing)
    assert str(refused.value) == sentence.format(missing)


@pytest.mark.django_db
def test_a_payment_that_is_not_there_names_its_order():
    order = OrderFactory(status=S.INCOMPLETE)
    with transaction.atomic(), pytest.raises(DomainError, match=rf"^{order} has no payment\.$"):
        lock_payment(order.pk)
    with transaction.atomic(), pytest.raises(DomainError, match=r"^Order #0 does not exist"):
        lock_payment(0)


@pytest.mark.django_db
def test_a_shipment_of_another_order_is_not_locked_under_this_one():
    """The row is locked only under the order it belongs to: a shipment whose order
    changed between the lookup and the lock (it cannot, but a bug could) is gone."""
    shipment = _shipment()
    other = OrderFactory(status=S.CONFIRMED)
    with transaction.atomic(), pytest.raises(DomainError, match="does not exist"):
        lock_with_order(
            Shipment.objects.all(), order_id=other.pk, gone="does not exist", pk=shipment.pk
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_writer_waiting_for_the_order_holds_no_lock_on_the_row():
    """While one transaction holds the order, a second one locking the order's
    shipment waits on the order and has not taken the shipment yet: a third can
    still lock the shipment at once. Once the first ends, the second goes on."""
    shipment = _shipment()
    holding, release = threading.Event(), threading.Event()
    took: list[int] = []

    def hold_the_order():
        try:
            with transaction.atomic():
                lock_order(shipment.order_id)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def lock_the_shipment():
        try:
            with transaction.atomic():
                took.append(lock_shipment(shipment.pk)[1].pk)
        finally:
            connection.close()

    first = threading.Thread(target=hold_the_order)
    first.start()
    assert holding.wait(10)
    second = threading.Thread(target=lock_the_shipment)
    second.start()
    time.sleep(0.3)  # the second is now queued on the order row
    try:
        assert took == []
        # NOWAIT raises at once if anyone holds the shipment's row.
        with transaction.atomic():
            nowait = Shipment.objects.select_for_update(nowait=True, of=("self",)).filter(
                pk=shipment.pk
            )
            assert list(nowait.values_list("pk", flat=True)) == [shipment.pk]
    finally:
        release.set()
        first.join(10)
        second.join(10)
    assert took == [shipment.pk]
