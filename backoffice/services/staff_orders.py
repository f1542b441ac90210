"""Orders staff make in the back office (Centra's "Create selection").

A staff selection is the Checkout API's selection, Incomplete, with origin
"back office": lines, prices, tax and shipping come from the same catalogue
through `backoffice.services.selections`, and checking it out runs the one
checkout (`backoffice.services.checkout.checkout_order`). What staff add: a
customer copied from an earlier order, a shipping price set by hand (with a
reason when it is lowered), notes, and how the order is paid: a payment link the
customer pays later (the order waits on hold), an invoice (a manual payment
Finance marks paid per shipment), or nothing when the total is 0.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.services import selections
from backoffice.services.staff_built import (  # noqa: F401  (the admin's names too)
    PAYMENT_CHOICES,
    CheckedOut,
    copy_customer,
    country_for,
    place_staff_order,
)
from backoffice.services.staff_selection import staff_selection_refusal
from catalog.selectors import market_of, shipping_method_of
from core.actors import Actor, has_full_rights
from core.errors import DomainError, NotPermitted
from core.money import exact_amount, format_money
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderOrigin

PERMISSION = "orders.create_selection"


def refuse_unless_permitted(by: Actor) -> None:
    if not has_full_rights(by) and not by.has_perm(PERMISSION):
        raise NotPermitted(_("You do not have permission to create selections."))


def start_staff_selection(
    *, market: str, country: str = "", from_order_id: int | None = None, by: Actor
) -> Order:
    """A new selection of `market`, with the customer and addresses of an earlier
    order when one is given (its country, when the market ships there)."""
    refuse_unless_permitted(by)
    earlier = _earlier_order(from_order_id)
    with transaction.atomic():
        order = selections.start_selection(
            market=market,
            country=country or country_for(earlier, market),
            language=earlier.language if earlier else "en",
            origin=OrderOrigin.BACK_OFFICE,
            by=by,
        )
        if earlier is not None:
            order = copy_customer(order, earlier, by=by)
    return order


def _earlier_order(order_id: int | None) -> Order | None:
    if order_id is None:
        return None
    earlier = Order.objects.filter(pk=order_id).first()
    if earlier is None:
        raise DomainError(
            _("There is no order %(id)s to take the customer from.") % {"id": order_id}
        )
    return earlier


def set_shipping_price(*, order_id: int, price: Decimal, reason: str = "", by: Actor) -> Order:
    """The selection's shipping price, set by hand; below the shipping method's own
    price only with a reason, which the timeline keeps."""
    refuse_unless_permitted(by)
    reason = reason.strip()
    with transaction.atomic():
        order = _lock_staff_selection(order_id)
        try:
            price = exact_amount(price, order.currency)
        except ValueError as error:
            raise DomainError(str(error)) from None
        if price < 0:
            raise DomainError(_("A shipping price cannot be below zero."))
        listed = shipping_method_of(market_of(order.market), order.shipping_method).price
        if price < listed and not reason:
            raise DomainError(
                _("Give a reason for a shipping price below %(method)s's %(price)s.")
                % {"method": order.shipping_method, "price": format_money(listed, order.currency)}
            )
        before = order.shipping_price
        order.shipping_price, order.shipping_price_by_hand = price, True
        order.save(update_fields=["shipping_price", "shipping_price_by_hand", "updated_at"])
        record_event(
            order=order,
            by=by,
            transition="set_shipping_price",
            publishes=None,  # a selection is no order yet for integrations
            message=_shipping_changed(reason)
            % {
                "before": format_money(before, order.currency),
                "after": format_money(price, order.currency),
                "reason": reason,
            },
            data={"reason": reason} if reason else None,
        )
    return selections.price_selection(order_id=order_id, by=by)


def _shipping_changed(reason: str) -> str:
    if reason:
        return _("Shipping cost changed from %(before)s to %(after)s: %(reason)s")
    return _("Shipping cost changed from %(before)s to %(after)s.")


def set_notes(*, order_id: int, notes: str, by: Actor) -> Order:
    refuse_unless_permitted(by)
    with transaction.atomic():
        order = _lock_staff_selection(order_id)
        order.notes = notes.strip()
        order.save(update_fields=["notes", "updated_at"])
    return order


def check_out_selection(
    *, order_id: int, payment: str, base_url: str = "", by: Actor
) -> CheckedOut:
    """Place the selection through the one checkout, paid as `payment` says.

    "link": placed without payment, Pending and held "Waiting for payment", with
    a payment link opened for its grand total; "invoice": authorized by the
    manual provider (Finance marks its shipments paid); "none": only a grand
    total of 0. Refused, nothing changed, for anything else.
    """
    refuse_unless_permitted(by)
    with transaction.atomic():
        order = _lock_staff_selection(order_id)
        return place_staff_order(order, payment=payment, base_url=base_url, by=by)


def _lock_staff_selection(order_id: int) -> Order:
    order = lock_order(order_id)
    refusal = staff_selection_refusal(order)
    if refusal:
        raise DomainError(refusal)
    return order
