"""What a return may pay out, numbers never reused, and restocking only into
active warehouses (issue 25).

The order (tests/returns_support.py): A 3 × 10.00 less 1.00 (29.00), B 1 × 20.00,
shipping 5.00 = 54.00, shipped, captured and completed in one shipment from Main.
"""

from decimal import Decimal

import pytest

from core.errors import DomainError
from core.roles import CUSTOMER_SERVICE, FINANCE
from orders.models import OrderEvent, OrderStatus
from outbox.models import OutboxMessage
from returns import checks
from returns import services as returns
from returns.models import ReturnStatus, StockAction
from shipments.models import Warehouse
from tests.admin_support import role_user
from tests.factories import FACTORY, LineDataFactory, OrderFactory
from tests.integration_support import make_integration
from tests.returns_support import (
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
GOODWILL = "anything more is a goodwill refund (Back-office admin)."


# The cap: lines and shipping charged, less what returns refunded, plus handling ≤ the limit


def test_the_issues_example_a_handling_cost_above_the_stores_limit_is_refused():
    # One unit charged 45.50 with a 60.00 handling cost: 105.50 was suggested and paid.
    order = OrderFactory(
        status=OrderStatus.COMPLETED, lines=[LineDataFactory(quantity=1, unit_price=D("45.50"))]
    )
    shipment = order.shipments.get()
    before = world(order)
    with pytest.raises(DomainError) as refused:
        returns.create_return(
            shipment_id=shipment.pk,
            quantities={shipment.lines.get().pk: 1},
            stock_action=StockAction.REMOVE,
            handling_cost=D("60.00"),
            by=FACTORY,
        )
    assert str(refused.value) == (
        "The handling cost, 60.00 EUR, is above the store's limit of 0.00 EUR for a return; "
        + GOODWILL
    )
    assert world(order) == before


def test_handling_up_to_the_stores_limit_is_refunded_with_the_return():
    allow_handling("5.00")
    order = completed_order()
    at_limit = make_return(order, a=1, handling_cost="5.00")  # 9.67 + 5.00
    assert at_limit.refund_amount == D("14.67")
    returns.refund_return(return_id=at_limit.pk, by=FACTORY)
    with pytest.raises(DomainError, match=r"^The handling cost, 5\.01 EUR, is above the store's"):
        make_return(order, a=1, handling_cost="5.01")


def test_a_limit_lowered_after_the_return_was_made_caps_its_refund_under_the_lock():
    allow_handling("5.00")
    order = completed_order()
    return_ = make_return(order, a=3, b=1, refund_shipping=True, handling_cost="5.00")
    assert return_.refund_amount == D("59.00")  # 29.00 + 20.00 + 5.00 + 5.00 handling
    allow_handling("1.00")
    before = world(order)
    with pytest.raises(DomainError) as refused:
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    assert str(refused.value) == (
        f"Return {return_.number} may refund at most 55.00 EUR, what the shipment charged "
        "(54.00 EUR) less what its returns refunded (0.00 EUR), plus handling up to the store's "
        f"limit (1.00 EUR), not 59.00 EUR; {GOODWILL}"
    )
    assert world(order) == before


def test_a_refund_beyond_what_the_shipment_charged_is_refused():
    # A shipment whose charge dropped below what its returns hold (a capture
    # reversed by hand, say): the returns may not pay out the difference.
    order = completed_order()
    first = make_return(order, a=3, b=1, refund_shipping=True)  # 29.00 + 20.00 + 5.00
    shipment = shipment_of(order)
    type(shipment).objects.filter(pk=shipment.pk).update(amount=D("50.00"))
    before = world(order)
    with pytest.raises(DomainError, match=r"^Return \d+-R1 may refund at most 50\.00 EUR, what"):
        returns.refund_return(return_id=first.pk, by=FACTORY)
    assert world(order) == before
    returns.refund_return(return_id=first.pk, amount=D("50.00"), by=FACTORY)
    first.refresh_from_db()
    assert (first.status, first.refund_amount) == (ReturnStatus.REFUNDED, D("50.00"))


def test_one_returns_handling_never_eats_into_anothers_goods():
    allow_handling("3.00")
    order = completed_order()
    first = make_return(order, a=1, handling_cost="3.00")  # 9.67 + 3.00
    second = make_return(order, a=2, b=1, refund_shipping=True)  # 19.33 + 20.00 + 5.00
    returns.refund_return(return_id=first.pk, by=FACTORY)
    second.refresh_from_db()
    # What the shipment charged, less the goods the first refunded (12.67 − 3.00).
    cap = checks.refund_caps([second])[second.pk]
    assert (cap.refunded, cap.most) == (D("9.67"), D("44.33"))
    # The payment has 41.33 left to refund: that rule stands on its own.
    returns.refund_return(return_id=second.pk, amount=D("41.33"), by=FACTORY)


# Numbers are never reused; deletion and uncompletion are published


def test_deleting_the_latest_return_never_frees_its_number_and_both_events_go_out():
    make_integration(
        kind="queue", events=["return.created", "return.deleted", "return.uncompleted"]
    )
    order = completed_order()
    make_return(order, a=1)
    latest = make_return(order, a=1)
    assert latest.number == f"{order.number}-R2"
    returns.delete_return(return_id=latest.pk, by=FACTORY)
    again = make_return(order, a=1)
    assert again.number == f"{order.number}-R3"
    published = list(
        OutboxMessage.objects.filter(order_id=order.pk, event_type__startswith="return.")
        .order_by("pk")
        .values_list("event_type", "subject_ref")
    )
    assert published == [
        ("return.created", f"{order.number}-R1"),
        ("return.created", f"{order.number}-R2"),
        ("return.deleted", f"{order.number}-R2"),
        ("return.created", f"{order.number}-R3"),
    ]


def test_uncompleting_is_published():
    make_integration(kind="queue", events=["return.uncompleted"])
    order = completed_order()
    return_ = make_return(order, a=1)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    returns.uncomplete_return(return_id=return_.pk, by=FACTORY)
    published = OutboxMessage.objects.filter(order_id=order.pk, event_type__startswith="return.")
    assert list(published.values_list("event_type", "subject_ref")) == [
        ("return.uncompleted", return_.number)
    ]


def test_the_number_counts_every_return_ever_created_on_the_order():
    order = completed_order()
    numbers = []
    for _ in range(3):
        made = make_return(order, a=1)
        numbers.append(made.sequence)
        returns.delete_return(return_id=made.pk, by=FACTORY)
    assert numbers == [1, 2, 3]
    created = OrderEvent.objects.filter(order=order, subject="return", transition="create")
    assert created.count() == 3


# Restocking only into an active warehouse, whichever way it is chosen


def test_back_to_an_inactive_shipment_warehouse_is_refused():
    order = completed_order()
    Warehouse.objects.filter(name="Main").update(is_active=False)
    before = world(order)
    with pytest.raises(DomainError) as refused:
        make_return(order, a=1, stock_action=StockAction.BACK_TO_ORIGIN)
    assert str(refused.value) == (
        f"Warehouse Main, where shipment {order.number}-1 came from, is not active: put the "
        "goods into another warehouse, or remove them from stock."
    )
    assert world(order) == before
    removed = make_return(order, a=1, stock_action=StockAction.REMOVE)
    assert removed.warehouse is None


def test_completing_into_a_warehouse_closed_since_is_refused():
    order = completed_order()
    return_ = make_return(order, a=1)
    Warehouse.objects.filter(name="Main").update(is_active=False)
    before, shelf = world(order), on_hand("A")
    with pytest.raises(DomainError) as refused:
        returns.complete_return(return_id=return_.pk, by=FACTORY)
    assert str(refused.value) == (
        f"Warehouse Main is not active, so return {return_.number}'s goods cannot go back into "
        "it: activate it again, or delete the return and create it into another warehouse."
    )
    assert world(order) == before and on_hand("A") == shelf


def test_removed_goods_complete_whatever_the_warehouse():
    order = completed_order()
    return_ = make_return(order, a=1, stock_action=StockAction.REMOVE)
    Warehouse.objects.filter(name="Main").update(is_active=False)
    done = returns.complete_return(return_id=return_.pk, by=FACTORY)
    assert done.status == ReturnStatus.COMPLETED
    assert line_of(order, "A").return_lines.get().quantity == 1


# The cap on the forms


def test_the_create_and_refund_pages_show_the_cap(client, django_assert_max_num_queries):
    allow_handling("2.50")
    order = completed_order()
    shipment = shipment_of(order)
    client.force_login(role_user(CUSTOMER_SERVICE))
    with django_assert_max_num_queries(CREATE_PAGE_QUERIES):
        page = client.get(f"/admin/shipments/shipment/{shipment.pk}/step/create_return/")
    assert page.context["form"].fields["handling_cost"].help_text == (
        "Paid back to the customer on top of the goods, at most 2.50 EUR (the store's limit). "
        "Returns of shipment "
        f"{shipment.ref} refund at most 54.00 EUR more, plus handling; anything beyond is a "
        "goodwill refund."
    )
    return_ = make_return(order, a=3, b=1, refund_shipping=True, handling_cost="2.50")
    allow_handling("0.00")
    client.force_login(role_user(FINANCE))
    page = client.get(f"/admin/returns/return/{return_.pk}/step/refund/")
    field = page.context["form"].fields[f"amount_{return_.pk}"]
    assert (field.initial, field.max_value) == (D("54.00"), D("54.00"))
    assert (
        "At most 54.00 EUR: what the shipment charged (54.00 EUR) less what its returns refunded "
        "(0.00 EUR), plus handling up to the store's limit (0.00 EUR)."
    ) in field.help_text


# The page's queries, the store's limit and the shipment's refunded returns among them.
CREATE_PAGE_QUERIES = 13
