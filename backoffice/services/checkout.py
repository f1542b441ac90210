"""Checkout: a selection becomes an order, authorized, and as the store options say,
confirmed, shipped and captured."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.services.reservations import forget_reservation, reserve_at_checkout
from core.actors import Actor, process
from core.errors import DomainError
from core.fsm import run_transition
from core.money import format_money, quantize
from orders.events import record_event
from orders.locks import lock_order
from orders.models import HoldKind, Order, OrderStatus, StoreSettings
from orders.services import hold_order
from outbox.event_types import EventType
from payments.errors import unless_declined
from payments.gateways import GatewayResult, gateway_for
from payments.services import authorize_payment, capture_payment
from shipments.services import ship_at_checkout

# Direct Capture at checkout is the store's doing, so the ledger says so.
DIRECT_CAPTURE = process("store", "direct_capture")
# Holding an order placed before it is paid, and lifting the hold once it is.
PAYMENT_LINK = process("store", "payment_link")

# How a checkout is paid: authorized now (a storefront's buyer, an invoice), by a
# link the customer pays later (the order waits on hold), or not at all (total 0).
AUTHORIZE_NOW = "authorize"
PAY_BY_LINK = "link"
NO_PAYMENT = "none"
PAYMENT_WAYS = (AUTHORIZE_NOW, PAY_BY_LINK, NO_PAYMENT)


def checkout_order(
    *,
    order_id: int,
    by: Actor,
    verified: GatewayResult | None = None,
    payment: str = AUTHORIZE_NOW,
) -> Order:
    """Turn a selection into an order, as the store options say.

    When the order's market has an allocation rule, every unit is reserved
    first, from the rule's warehouses in priority order; too few in stock
    refuses the checkout with one sentence, nothing changed. Then authorizes the
    grand total: when the provider declines, the order stays Incomplete
    (reserving nothing), the failed authorization stays in the payment's ledger,
    and the provider's sentence is raised. With Direct Capture (and without
    Direct to Shipment, which captures through its shipment) the grand total is
    captured as well; a declined capture does not undo the checkout: the
    payment stays authorized and the failed capture is in the ledger.

    `verified`: a hosted provider's verified answer (the placement service),
    recorded as the authorization instead of calling the gateway.

    `payment`: PAY_BY_LINK places the order without an authorization, Pending
    and held "Waiting for payment" (no Autoconfirm, no Direct to Shipment: an
    unpaid order goes nowhere) until the link's payment lifts the hold;
    NO_PAYMENT places an order whose grand total is 0 with no payment at all.
    """
    if payment not in PAYMENT_WAYS:
        raise DomainError(_("“%(payment)s” is not a way to pay an order.") % {"payment": payment})
    store = StoreSettings.load()
    # Direct to Shipment ships at once, which needs a confirmed order.
    autoconfirm = (store.autoconfirm or store.direct_to_shipment) and payment != PAY_BY_LINK
    with transaction.atomic():
        order = lock_order(order_id)
        order.recalculate_totals()
        _check_payment_way(order, payment)
        from_status, to_status = run_transition(order.checkout, by=by, autoconfirm=autoconfirm)
        # Stock before money: too few units refuses before the provider is asked.
        reserved = reserve_at_checkout(order)
        # On a decline the order is not saved; the failed authorization is kept.
        declined = None
        if payment == AUTHORIZE_NOW:
            declined = unless_declined(
                lambda: authorize_payment(order=order, by=by, verified=verified)
            )
        if declined and reserved:
            forget_reservation(order)
        if not declined:
            order.save()
            record_event(
                order=order,
                by=by,
                transition="checkout",
                # With Autoconfirm the order was created and confirmed in one step.
                publishes=(EventType.ORDER_CREATED, EventType.ORDER_CONFIRMED)
                if to_status == OrderStatus.CONFIRMED
                else EventType.ORDER_CREATED,
                from_state=from_status,
                to_state=to_status,
                message=_("Order created."),
                data={
                    "autoconfirm": autoconfirm,
                    "grand_total": str(order.grand_total),
                    "origin": order.origin,
                    "payment": payment,
                },
            )
            if payment == PAY_BY_LINK:
                order = _wait_for_payment(order)
            elif store.direct_to_shipment:
                ship_at_checkout(
                    order=order,
                    capture=payment == AUTHORIZE_NOW
                    and store.direct_capture
                    and gateway_for(order.payment_method).captures_through_provider,
                )
            if payment == AUTHORIZE_NOW and _captures_at_checkout(store, order):
                # A decline is in the ledger and the checkout stands; staff
                # capture later, per shipment.
                unless_declined(
                    lambda: capture_payment(
                        order_id=order.pk, amount=order.grand_total, by=DIRECT_CAPTURE
                    )
                )
    if declined:
        raise declined
    return order


def _check_payment_way(order: Order, payment: str) -> None:
    total = quantize(order.grand_total, order.currency)
    if payment == NO_PAYMENT and total > 0:
        money = format_money(total, order.currency)
        raise DomainError(
            _("%(order)s costs %(amount)s: it needs a payment, by link or invoice.")
            % {"order": order, "amount": money}
        )
    if payment == PAY_BY_LINK and total <= 0:
        raise DomainError(
            _("%(order)s has nothing to pay: check it out with no payment.") % {"order": order}
        )


def _wait_for_payment(order: Order) -> Order:
    """Held until the customer pays at the link; the hold says so to everyone."""
    return hold_order(
        order_id=order.pk,
        by=PAYMENT_LINK,
        kind=HoldKind.WAITING_FOR_PAYMENT,
        reason=_("Waiting for the customer to pay at the payment link."),
    )


def _captures_at_checkout(store: StoreSettings, order: Order) -> bool:
    return (
        store.direct_capture
        and not store.direct_to_shipment
        and gateway_for(order.payment_method).captures_through_provider
    )
