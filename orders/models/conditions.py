"""The conditions of the order's transitions, each with the sentence it refuses with.

The shipment and payment conditions reach those apps only through their reverse
relations (`order.shipments`, `line.shipment_lines`, `order.payment`), so orders
never imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

from core.fsm import order_not_on_hold, refuses_with
from orders.models.choices import OrderOrigin

if TYPE_CHECKING:
    from orders.models.order import Order


is_not_on_hold = order_not_on_hold()
is_not_on_hold_for_shipping = order_not_on_hold(until="before shipping")


@refuses_with(_("{obj} is already on hold."))
def is_not_already_held(order: Order) -> bool:
    return not order.on_hold


@refuses_with(_("{obj} is not on hold."))
def is_on_hold(order: Order) -> bool:
    return order.on_hold


@refuses_with(
    _(
        "{obj} waits for the customer to pay at its payment link: it is resumed when they "
        "pay; cancel it otherwise."
    )
)
def is_not_waiting_for_its_link(order: Order) -> bool:
    """Placed by staff to be paid by link, and not paid: resuming would send out an
    order nobody pays for (the link's payment lifts the hold itself)."""
    if not order.on_hold_for_payment or order.origin == OrderOrigin.STOREFRONT:
        return True
    try:
        order.payment  # noqa: B018 (the reverse relation: payments is not imported)
    except ObjectDoesNotExist:
        return False
    return True


@refuses_with(_("{obj} has nothing left to ship."))
def has_something_to_ship(order: Order) -> bool:
    return any(line.quantity_unshipped > 0 for line in order.lines_with_shipped())


@refuses_with(_("{obj} still has shipments."))
def has_no_shipments(order: Order) -> bool:
    return not order.shipments.exists()


@refuses_with(_("{obj} still has lines or shipments to complete."))
def has_everything_shipped(order: Order) -> bool:
    return order.is_fully_shipped()


@refuses_with(_("{obj} has paid shipments, so it cannot be cancelled."))
def has_no_paid_shipments(order: Order) -> bool:
    return not order.shipments.paid().exists()


@refuses_with(_("{obj} has no lines to order."))
def has_lines(order: Order) -> bool:
    return order.lines.exists()


@refuses_with(_("{obj} has no billing address."))
def has_billing_address(order: Order) -> bool:
    return bool(order.billing_street and order.billing_city and order.billing_country)


@refuses_with(_("{obj} has captured payments, so it cannot be cancelled."))
def has_nothing_captured(order: Order) -> bool:
    # Read through the reverse accessor: orders never imports the payments app.
    try:
        payment = order.payment
    except ObjectDoesNotExist:
        return True
    # A capture requested and not settled yet may still become money taken.
    return not payment.captured_amount and not payment.capture_requested_amount


@refuses_with(_("{obj} has no products left to order."))
def has_active_units(order: Order) -> bool:
    return any(line.quantity_active > 0 for line in order.lines.all())


@refuses_with(_("{obj} had money captured, so it cannot be restored: place a new order instead."))
def had_nothing_captured(order: Order) -> bool:
    return has_nothing_captured(order)
