"""The payments, shipments and returns write amounts the one way the rest of the
back office does (`core.money.format_money`): "1,234.50 EUR"."""

from decimal import Decimal

import pytest

from core.errors import DomainError
from orders.models import OrderEvent, OrderStatus
from payments import services as pay
from shipments.models import ShipmentStatus
from tests.factories import FACTORY, LineDataFactory, OrderFactory, ShipmentFactory

D = Decimal


def big_order(status=OrderStatus.CONFIRMED):
    """2 × 1,200.00 and shipping 5.00: 2,405.00 EUR."""
    return OrderFactory(status=status, lines=[LineDataFactory(quantity=2, unit_price=D("1200.00"))])


@pytest.mark.django_db
def test_the_payment_services_write_thousands_with_separators():
    order = big_order()
    pay.capture_payment(order_id=order.pk, amount=D("1234.50"), by=FACTORY)
    with pytest.raises(DomainError) as refused:
        pay.capture_payment(order_id=order.pk, amount=D("2000"), by=FACTORY)
    pay.refund_payment(order_id=order.pk, amount=D("1000"), reason="Goodwill", by=FACTORY)

    assert str(refused.value) == (
        f"{order} has 1,170.50 EUR authorized and not captured, less than 2,000.00 EUR."
    )
    messages = list(
        OrderEvent.objects.filter(order=order, subject="payment").values_list("message", flat=True)
    )
    assert messages[-2:] == ["Captured: 1,234.50 EUR.", "Refunded 1,000.00 EUR: Goodwill"]


@pytest.mark.django_db
def test_a_shipment_paid_says_its_amount_with_the_currency():
    order = big_order()
    shipment = ShipmentFactory(order=order, status=ShipmentStatus.PAID)
    event = OrderEvent.objects.filter(order=order, transition="capture").last()
    assert event.message == f"Shipment {shipment.ref} captured: 2,405.00 EUR."
