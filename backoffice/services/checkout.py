"""Checkout: a selection becomes an order, authorized, and as the store options say,
confirmed, shipped and captured."""

from __future__ import annotations

from django.db import transaction

from backoffice.services.reservations import forget_reservation, reserve_at_checkout
from core.actors import Actor, process
from core.fsm import run_transition
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderStatus, StoreSettings
from outbox.event_types import EventType
from payments.errors import unless_declined
from payments.gateways import GatewayResult, gateway_for
from payments.services import authorize_payment, capture_payment
from shipments.services import ship_at_checkout

# Direct Capture at checkout is the store's doing, so the ledger says so.
DIRECT_CAPTURE = process("store", "direct_capture")


def checkout_order(*, order_id: int, by: Actor, verified: GatewayResult | None = None) -> Order:
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
    """
    store = StoreSettings.load()
    # Direct to Shipment ships at once, which needs a confirmed order.
    autoconfirm = store.autoconfirm or store.direct_to_shipment
    with transaction.atomic():
        order = lock_order(order_id)
        order.recalculate_totals()
        from_status, to_status = run_transition(order.checkout, by=by, autoconfirm=autoconfirm)
        # Stock before money: too few units refuses before the provider is asked.
        reserved = reserve_at_checkout(order)
        # On a decline the order is not saved; the failed authorization is kept.
        declined = unless_declined(lambda: authorize_payment(order=order, by=by, verified=verified))
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
                message="Order created.",
                data={"autoconfirm": autoconfirm, "grand_total": str(order.grand_total)},
            )
            if store.direct_to_shipment:
                ship_at_checkout(
                    order=order,
                    capture=store.direct_capture
                    and gateway_for(order.payment_method).captures_through_provider,
                )
            if _captures_at_checkout(store, order):
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


def _captures_at_checkout(store: StoreSettings, order: Order) -> bool:
    return (
        store.direct_capture
        and not store.direct_to_shipment
        and gateway_for(order.payment_method).captures_through_provider
    )
