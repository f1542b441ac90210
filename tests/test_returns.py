"""Return services: the happy paths to the cent, and refusals that change nothing.

The order (tests/returns_support.py): A 3 × 10.00 less 1.00 (29.00), B 1 × 20.00,
shipping 5.00 = 54.00, shipped, captured and completed in one shipment from Main.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.money import returned_slice
from orders.models import OrderEvent, OrderStatus
from outbox.event_types import ALL_EVENT_TYPES
from outbox.models import OutboxMessage
from payments import services as pay
from payments.errors import PaymentDeclined
from payments.models import Payment, PaymentTransaction
from returns import services as returns
from returns.models import Return, ReturnStatus, StockAction
from returns.selectors import returnable_quantities, returns_of_order
from shipments.models import ShipmentStatus, Stock
from tests.factories import FACTORY, OrderFactory, ShipmentFactory, WarehouseFactory
from tests.integration_support import make_integration
from tests.returns_support import (
    LINES,
    allow_handling,
    completed_order,
    line_of,
    make_return,
    on_hand,
    shipment_of,
    world,
)

D = Decimal
pytestmark = pytest.mark.django_db


# The money kernel: pure, to the cent.


def test_returned_slice_takes_differences_of_cumulative_shares():
    def slice_(before, quantity):
        return returned_slice(
            charged=D("29.00"), shipped=3, returned_before=before, quantity=quantity, currency="EUR"
        )

    assert [slice_(0, 1), slice_(1, 1), slice_(2, 1)] == [D("9.67"), D("9.66"), D("9.67")]
    assert slice_(0, 3) == D("29.00")
    assert slice_(1, 2) == D("19.33")
    assert returned_slice(
        charged=D("1000"), shipped=3, returned_before=0, quantity=1, currency="JPY"
    ) == D("333")


def test_returned_slice_takes_up_a_cent_left_by_a_return_deleted_out_of_turn():
    # Units 1 and 2 were returned as 9.67 + 9.66; the first return was deleted, so
    # one unit (9.66) is "before"; the next unit's slice takes the cent back.
    assert returned_slice(
        charged=D("29.00"), shipped=3, returned_before=1, quantity=1, currency="EUR",
        amount_returned_before=D("9.66"),
    ) == D("9.67")  # fmt: skip


@given(
    charged=st.decimals(min_value=0, max_value=10_000, places=2),
    split=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=6),
)
def test_every_split_of_a_line_gives_back_exactly_what_was_charged(charged, split):
    shipped, before, total = sum(split), 0, D("0")
    for quantity in split:
        total += returned_slice(
            charged=charged, shipped=shipped, returned_before=before, quantity=quantity,
            currency="EUR",
        )  # fmt: skip
        before += quantity
    assert total == charged


# Create


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
    # Everything back: the order's grand total to the cent.
    assert sum(r.refund_amount for r in (first, second, third)) == D("54.00")
    assert first.status == ReturnStatus.PENDING
    assert (first.warehouse.name, first.created_by_name) == ("Main", FACTORY)
    assert returnable_quantities(shipment_of(order)) == {
        line_of(order, "A").pk: 0,
        line_of(order, "B").pk: 0,
    }


def test_the_suggested_refund_adds_handling_and_deducts_the_fee_and_voucher():
    allow_handling("2.50")
    order = completed_order()
    return_ = make_return(
        order, a=2, refund_shipping=True, handling_cost="2.50", return_fee="4.00",
        voucher_value="3.00", reason="wrong_size", comment="  Too tight  ",
    )  # fmt: skip
    # 19.33 + 5.00 + 2.50 − 4.00 − 3.00
    assert return_.refund_amount == return_.suggested_refund == D("19.83")
    assert (return_.reason, return_.comment) == ("wrong_size", "Too tight")
    event = OrderEvent.objects.filter(order=order, subject="return").get()
    assert (event.transition, event.subject_ref, event.to_state) == (
        "create",
        return_.number,
        "pending",
    )
    assert event.message == (
        f"Return {return_.number} created from shipment {order.number}-1: 2 × A; "
        "suggested refund 19.83 EUR."
    )


def test_returns_are_allowed_on_archived_orders_into_another_warehouse_or_removed():
    order = completed_order(status=OrderStatus.ARCHIVED)
    other = WarehouseFactory(name="Outlet")
    into_outlet = make_return(
        order, a=1, stock_action=StockAction.TO_WAREHOUSE, warehouse_id=other.pk
    )
    removed = make_return(order, b=1, stock_action=StockAction.REMOVE, warehouse_id=other.pk)
    assert (into_outlet.warehouse, removed.warehouse) == (other, None)
    order.refresh_from_db()
    assert order.status == OrderStatus.ARCHIVED


def _refused_create(order, sentence, **kwargs):
    before = world(order)
    with pytest.raises(DomainError, match=sentence):
        make_return(order, **kwargs)
    assert world(order) == before


@pytest.mark.parametrize(
    ("kwargs", "sentence"),
    [
        ({"a": 0}, r"^Choose at least one unit to return\.$"),
        ({"a": -1}, r"^The quantity of A to return cannot be negative\.$"),
        ({"a": "1"}, r"^The quantity of A to return must be a whole number\.$"),
        ({"a": True}, r"^The quantity of A to return must be a whole number\.$"),
        ({"a": 4}, r"^Only 3 of 3 × A can still be returned\.$"),
        ({"stock_action": "burn"}, r"^“burn” is not a stock action: choose one of "),
        (
            {"stock_action": StockAction.TO_WAREHOUSE},
            r"^Choose the warehouse the returned goods go into\.$",
        ),
        (
            {"stock_action": StockAction.TO_WAREHOUSE, "warehouse_id": 999999},
            r"^Warehouse #999999 does not exist\.$",
        ),
        ({"handling_cost": "1.005"}, r"^The handling cost: 1\.005 EUR has more than 2 decimal"),
        ({"return_fee": "-1"}, r"^The return fee cannot be negative\.$"),
        ({"voucher_value": "lots"}, r"^The voucher value: “lots” is not an amount of money\.$"),
        (
            {"return_fee": "5.00", "voucher_value": "5.00"},
            r"^The return fee and the voucher \(10\.00 EUR\) are more than the return is worth "
            r"\(9\.67 EUR\)\.$",
        ),
        ({"reason": "bored"}, r"^“bored” is not a return reason: choose one of "),
    ],
)
def test_bad_input_is_refused_in_one_sentence_and_nothing_changes(kwargs, sentence):
    _refused_create(completed_order(), sentence, **kwargs)


def test_more_than_is_left_is_refused_and_nothing_changes():
    order = completed_order()
    make_return(order, a=2)
    _refused_create(order, r"^Only 1 of 3 × A can still be returned\.$", a=2)


def test_a_line_of_another_shipment_is_refused():
    order, other = completed_order(), completed_order()
    before = world(order)
    with pytest.raises(DomainError, match=rf"^Line #{line_of(other, 'A').pk} is not a line of"):
        returns.create_return(
            shipment_id=shipment_of(order).pk,
            quantities={line_of(other, "A").pk: 1},
            stock_action=StockAction.REMOVE,
            by=FACTORY,
        )
    assert world(order) == before


def test_an_inactive_warehouse_is_refused():
    order = completed_order()
    closed = WarehouseFactory(name="Closed", is_active=False)
    _refused_create(
        order,
        r"^Warehouse Closed is not active\.$",
        stock_action=StockAction.TO_WAREHOUSE,
        warehouse_id=closed.pk,
    )


def test_shipping_is_refunded_once_per_shipment():
    order = completed_order()
    first = make_return(order, a=1, refund_shipping=True)
    _refused_create(
        order,
        rf"^Return {first.number} already refunds the shipping of shipment {order.number}-1\.$",
        a=1,
        refund_shipping=True,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Return.objects.filter(pk=first.pk).update(refund_shipping=True)
        Return.objects.create(
            order=order, shipment=first.shipment, sequence=9, stock_action="remove",
            refund_shipping=True,
        )  # fmt: skip


def test_a_shipment_not_completed_cannot_be_returned():
    order = OrderFactory(status=OrderStatus.CONFIRMED, lines=LINES)
    shipment = ShipmentFactory(order=order, status=ShipmentStatus.PAID)
    before = world(order)
    with pytest.raises(
        DomainError, match=rf"^Shipment {shipment.ref} is Paid: only a completed shipment"
    ):
        returns.create_return(
            shipment_id=shipment.pk,
            quantities={shipment.lines.first().pk: 1},
            stock_action=StockAction.REMOVE,
            by=FACTORY,
        )
    assert world(order) == before


def test_a_missing_shipment_or_return_is_a_sentence():
    with pytest.raises(DomainError, match=r"^Shipment #999999 does not exist"):
        returns.create_return(
            shipment_id=999999, quantities={}, stock_action=StockAction.REMOVE, by=FACTORY
        )
    for step in (returns.complete_return, returns.refund_return, returns.delete_return):
        with pytest.raises(DomainError, match=r"^Return #999999 does not exist"):
            step(return_id=999999, by=FACTORY)


# Complete and uncomplete


def test_complete_puts_the_goods_back_and_uncomplete_takes_them_out_again():
    order = completed_order()
    before = on_hand("A"), on_hand("B")
    return_ = make_return(order, a=2, b=1)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    assert (on_hand("A"), on_hand("B")) == (before[0] + 2, before[1] + 1)
    return_.refresh_from_db()
    assert return_.status == ReturnStatus.COMPLETED and return_.completed_at
    returns.uncomplete_return(return_id=return_.pk, by=FACTORY)
    assert (on_hand("A"), on_hand("B")) == before
    return_.refresh_from_db()
    assert (return_.status, return_.completed_at) == (ReturnStatus.PENDING, None)
    messages = list(
        OrderEvent.objects.filter(order=order, subject="return").values_list("message", flat=True)
    )
    assert messages[1:] == [
        f"Return {return_.number} completed: 2 × A, 1 × B into Main.",
        f"Return {return_.number} uncompleted: its goods taken back out of stock.",
    ]


def test_complete_into_another_warehouse_makes_its_stock_row_and_remove_moves_nothing():
    order = completed_order()
    outlet = WarehouseFactory(name="Outlet")
    into_outlet = make_return(
        order, a=1, stock_action=StockAction.TO_WAREHOUSE, warehouse_id=outlet.pk
    )
    removed = make_return(order, b=1, stock_action=StockAction.REMOVE)
    stock_before = list(Stock.objects.values_list("warehouse__name", "sku", "on_hand"))
    returns.complete_return(return_id=removed.pk, by=FACTORY)
    assert list(Stock.objects.values_list("warehouse__name", "sku", "on_hand")) == stock_before
    returns.complete_return(return_id=into_outlet.pk, by=FACTORY)
    assert on_hand("A", "Outlet") == 1


def test_uncomplete_is_refused_where_shipments_hold_the_units():
    order = completed_order()
    return_ = make_return(order, a=1)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    stock = Stock.objects.get(warehouse__name="Main", sku="A")
    # Another order's shipment takes every unit of A on hand.
    other = OrderFactory(
        status=OrderStatus.CONFIRMED, lines=[{**LINES[0], "quantity": stock.on_hand}]
    )
    ShipmentFactory(order=other, warehouse=stock.warehouse, stocked=False)
    before = world(order)
    with pytest.raises(
        DomainError,
        match=r"^A in Main has 1 on hand and 1 allocated to shipments and orders: taking 1 "
        r"back out would",
    ):
        returns.uncomplete_return(return_id=return_.pk, by=FACTORY)
    assert world(order) == before


# Refund


def test_refund_then_complete_moves_the_money_and_the_goods():
    order = completed_order()
    before = on_hand("A")
    return_ = make_return(order, a=2, refund_shipping=True, return_fee="4.00")
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", D("20.33"))
    row = payment.transactions.get(kind="refund")
    assert (row.amount, row.return_ref, row.reference) == (
        D("20.33"),
        return_.number,
        f"Return {return_.number}",
    )
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    return_.refresh_from_db()
    assert return_.status == ReturnStatus.COMPLETED and return_.refunded_at
    assert return_.refund_amount == D("20.33")
    assert on_hand("A") == before + 2
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    events = OrderEvent.objects.filter(order=order).order_by("pk")
    assert list(events.filter(subject="return").values_list("transition", flat=True)) == [
        "create",
        "refund",
        "complete",
    ]
    assert events.filter(subject="return", transition="refund").get().message == (
        f"Return {return_.number} refunded: 20.33 EUR."
    )
    assert events.filter(subject="payment", transition="payment_refund").get().subject_ref == (
        return_.number
    )


def test_refunding_everything_back_refunds_the_grand_total():
    order = completed_order()
    first = make_return(order, a=1)
    second = make_return(order, a=2, b=1, refund_shipping=True)
    for return_ in (first, second):
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.refunded_amount) == ("refunded", D("54.00"))


def test_staff_may_refund_less_than_suggested_never_more():
    order = completed_order()
    return_ = make_return(order, a=1)  # 9.67
    for amount, sentence in [
        ("9.68", rf"^9\.68 EUR is more than return {return_.number}'s suggested refund of 9\.67"),
        ("0", rf"^Give an amount above zero to refund for return {return_.number}\.$"),
        ("-1", r"^Give an amount above zero"),
        ("1.001", r"^1\.001 EUR has more than 2 decimal places\.$"),
    ]:
        before = world(order)
        with pytest.raises(DomainError, match=sentence):
            returns.refund_return(return_id=return_.pk, amount=amount, by=FACTORY)
        assert world(order) == before
    returns.refund_return(return_id=return_.pk, amount=D("5.00"), by=FACTORY)
    return_.refresh_from_db()
    assert (return_.status, return_.refund_amount) == (ReturnStatus.REFUNDED, D("5.00"))


def test_a_refund_above_what_the_payment_can_refund_names_both_figures():
    order = completed_order()
    pay.refund_payment(order_id=order.pk, amount=D("50.00"), reason="Goodwill", by=FACTORY)
    return_ = make_return(order, a=1)
    before = world(order)
    with pytest.raises(
        DomainError,
        match=rf"^Return {return_.number} would refund 9\.67 EUR, but Order {order.number} has "
        r"only 4\.00 EUR captured and not refunded\.$",
    ):
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    assert world(order) == before


def test_a_declined_refund_leaves_the_return_pending_with_the_failed_row():
    order = completed_order()
    return_ = make_return(order, a=1)
    Payment.objects.filter(order=order).update(test_decline="refund")
    before = world(order)
    with pytest.raises(PaymentDeclined, match=r"^The payment provider declined to refund 9\.67"):
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    assert world(order) == before
    failed = PaymentTransaction.objects.get(payment__order=order, kind="refund")
    assert (failed.outcome, failed.return_ref) == ("failed", return_.number)


def test_the_payment_refunds_a_return_once():
    order = completed_order()
    return_ = make_return(order, a=1)
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    payment = Payment.objects.get(order=order)
    again = pay.refund_payment(
        order_id=order.pk, amount=D("9.67"), reason="again", by=FACTORY, return_ref=return_.number
    )
    assert again == payment.transactions.get(kind="refund")
    payment.refresh_from_db()
    assert payment.refunded_amount == D("9.67")
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentTransaction.objects.create(
            payment=payment, kind="refund", purpose="return_refund", amount=D("1"),
            outcome="success", return_ref=return_.number, actor="test",
        )  # fmt: skip


# Delete


def test_delete_gives_the_units_back_and_the_event_stays():
    order = completed_order()
    return_ = make_return(order, a=3, refund_shipping=True)
    number = return_.number
    returns.delete_return(return_id=return_.pk, by=FACTORY)
    assert not Return.objects.filter(order=order).exists()
    event = OrderEvent.objects.filter(order=order, subject="return", transition="delete").get()
    assert (event.subject_ref, event.to_state) == (number, "deleted")
    assert event.message == f"Return {number} deleted; nothing was refunded or received."
    again = make_return(order, a=3, refund_shipping=True)
    # Never the deleted one's number (docs/architecture.md, "Returns").
    assert (again.number, again.lines_amount) == (f"{order.number}-R2", D("29.00"))


@pytest.mark.parametrize("step", ["refund", "complete"])
def test_a_refunded_or_completed_return_cannot_be_deleted(step):
    order = completed_order()
    return_ = make_return(order, a=1)
    getattr(returns, f"{step}_return")(return_id=return_.pk, by=FACTORY)
    return_.refresh_from_db()
    before = world(order)
    with pytest.raises(
        DomainError,
        match=rf"^Return {return_.number} is {return_.state_label}, so it cannot be deleted\.$",
    ):
        returns.delete_return(return_id=return_.pk, by=FACTORY)
    assert world(order) == before


def test_a_refund_cannot_be_undone():
    order = completed_order()
    return_ = make_return(order, a=1)
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    before = world(order)
    with pytest.raises(
        DomainError, match=rf"^Return {return_.number} was refunded; a refund cannot be undone\.$"
    ):
        returns.uncomplete_return(return_id=return_.pk, by=FACTORY)
    assert world(order) == before


# Events for integrations, and reading


def test_every_return_step_is_a_published_event_type():
    make_integration(kind="queue", events=ALL_EVENT_TYPES)
    order = completed_order()
    kept, deleted = make_return(order, a=1), make_return(order, a=1)
    returns.complete_return(return_id=kept.pk, by=FACTORY)
    returns.uncomplete_return(return_id=kept.pk, by=FACTORY)
    returns.refund_return(return_id=kept.pk, by=FACTORY)
    returns.delete_return(return_id=deleted.pk, by=FACTORY)
    published = OutboxMessage.objects.filter(event_type__startswith="return.").order_by("pk")
    assert list(published.values_list("event_type", "subject_ref")) == [
        ("return.created", kept.number),
        ("return.created", deleted.number),
        ("return.completed", kept.number),
        ("return.uncompleted", kept.number),
        ("return.refunded", kept.number),
        ("return.deleted", deleted.number),
    ]


def test_reading_returns_takes_a_fixed_number_of_queries(django_assert_num_queries):
    order = completed_order()
    for _ in range(3):
        make_return(order, a=1)
    shipment = shipment_of(order)
    with django_assert_num_queries(1):
        assert sum(returnable_quantities(shipment).values()) == 1
    with django_assert_num_queries(2):
        found = returns_of_order(order)
        assert [len(r.lines.all()) for r in found] == [1, 1, 1]
        assert {line.shipment_line.order_line.sku for r in found for line in r.lines.all()} == {"A"}
        assert {r.order.number for r in found} == {r.shipment.order.number for r in found}
        assert [r.sequence for r in found] == [1, 2, 3]


def test_the_worked_example_of_docs_architecture_to_the_cent():
    allow_handling("2.50")
    order = completed_order()
    first = make_return(order, a=1)
    second = make_return(
        order, a=2, b=1, refund_shipping=True, handling_cost="2.50", return_fee="4.00",
        voucher_value="3.00",
    )  # fmt: skip
    assert (first.lines_amount, first.refund_amount) == (D("9.67"), D("9.67"))
    assert (second.lines_amount, second.refund_amount) == (D("39.33"), D("39.83"))
    for return_ in (first, second):
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    assert Payment.objects.get(order=order).refunded_amount == D("49.50")


def test_returnable_quantities_read_with_the_shipment_are_the_same_without_a_query(
    django_assert_num_queries,
):
    from django.db.models import prefetch_related_objects

    from returns.selectors import RETURNED_WITH_SHIPMENTS
    from shipments.models import Shipment

    order = completed_order()
    make_return(order, a=1)
    expected = returnable_quantities(shipment_of(order))
    assert expected[line_of(order, "A").pk] == line_of(order, "A").quantity - 1
    read = Shipment.objects.get(pk=shipment_of(order).pk)
    prefetch_related_objects([read], "lines", RETURNED_WITH_SHIPMENTS)
    with django_assert_num_queries(0):
        assert returnable_quantities(read) == expected
