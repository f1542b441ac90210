"""Editing an order's details: only detail columns, only while the order is open."""

import pytest

from core.errors import DomainError
from orders import services
from orders.models import OrderStatus
from tests.factories import OrderFactory
from tests.helpers import snapshot

S = OrderStatus


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "changes", "sentence"),
    [
        (S.COMPLETED, {"notes": "late"}, "its details can no longer change"),
        (S.PENDING, {"grand_total": "0.01"}, "grand_total cannot be edited as order details"),
        (S.PENDING, {"status": S.CANCELLED}, "status cannot be edited as order details"),
    ],
)
def test_refused_detail_edits_change_nothing(status, changes, sentence):
    order = OrderFactory(status=status)
    before = snapshot(order)
    with pytest.raises(DomainError, match=sentence):
        services.update_order_details(order_id=order.pk, by="system", changes=changes)
    assert snapshot(order) == before


@pytest.mark.django_db
def test_detail_edit_on_a_held_order_keeps_the_hold():
    order = OrderFactory(status=S.PROCESSING, on_hold=True)
    edited = services.update_order_details(
        order_id=order.pk, by="system", changes={"shipping_city": "Malmö"}
    )
    assert (edited.shipping_city, edited.status, edited.on_hold) == ("Malmö", S.PROCESSING, True)
