"""The three refunds are three transitions of `Payment`, each with its own permission:
a goodwill refund is Back-office admin's, a return's money whoever may refund
returns (Finance), and cancelled products' money whoever may cancel products.
Refused, the sentence is the one refunds always had, and nothing changes."""

from decimal import Decimal

import pytest

from core.errors import NotPermitted
from core.fsm import refusal
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, FINANCE
from orders.models import OrderStatus
from payments import services as pay
from payments.models import Payment
from tests.admin_support import ROLES, role_user
from tests.factories import FACTORY, OrderFactory
from tests.helpers import payment_snapshot

REFUSED = "You do not have permission to refund payments."

WHO_MAY = {
    "refund_goodwill": {BACKOFFICE_ADMIN},
    "refund_return": {FINANCE, BACKOFFICE_ADMIN},
    "refund_cancelled_products": {CUSTOMER_SERVICE, BACKOFFICE_ADMIN},
}

# How each is asked for: the service, and what tells the refunds apart.
SERVICES = {
    "refund_goodwill": lambda order, by: pay.refund_payment(
        order_id=order.pk, amount=Decimal("5"), reason="Late", by=by
    ),
    "refund_return": lambda order, by: pay.refund_payment(
        order_id=order.pk, amount=Decimal("5"), reason="Return", by=by, return_ref="1-R1"
    ),
    "refund_cancelled_products": lambda order, by: pay.refund_cancelled_products(
        order_id=order.pk, amount=Decimal("5"), reason="Cancelled products: 1 × A", by=by
    ),
}
PURPOSE = {
    "refund_goodwill": "goodwill_refund",
    "refund_return": "return_refund",
    "refund_cancelled_products": "cancellation_refund",
}


def captured_order():
    order = OrderFactory(status=OrderStatus.CONFIRMED)
    pay.capture_payment(order_id=order.pk, amount=Decimal("20"), by=FACTORY)
    return order


@pytest.mark.django_db
@pytest.mark.parametrize("transition", WHO_MAY)
@pytest.mark.parametrize("role", ROLES)
def test_each_refund_asks_its_own_permission(role, transition):
    order = captured_order()
    user = role_user(role)
    payment = Payment.objects.get(order=order)
    allowed = role in WHO_MAY[transition]
    assert refusal(getattr(payment, transition), by=user) == (None if allowed else REFUSED)

    before = payment_snapshot(order.pk)
    if not allowed:
        with pytest.raises(NotPermitted, match=rf"^{REFUSED}$"):
            SERVICES[transition](order, user)
        assert payment_snapshot(order.pk) == before
        return
    row = SERVICES[transition](order, user)
    assert (row.purpose, row.outcome, row.user) == (PURPOSE[transition], "success", user)
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("5.00")


@pytest.mark.django_db
def test_a_refund_refused_in_one_purpose_is_not_taken_in_another():
    """Finance may refund a return's money, and asking for it does not let a
    goodwill refund through (the permission read no state left on the payment)."""
    order = captured_order()
    finance = role_user(FINANCE)
    SERVICES["refund_return"](order, finance)
    before = payment_snapshot(order.pk)
    with pytest.raises(NotPermitted, match=rf"^{REFUSED}$"):
        SERVICES["refund_goodwill"](order, finance)
    assert payment_snapshot(order.pk) == before
