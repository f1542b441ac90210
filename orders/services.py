"""Order services: the only way an order changes state.

Each service opens a transaction, locks the order row, runs the model's
transition (which checks state, conditions and the actor's permission), saves,
and writes one `OrderEvent`, so a refusal or a failure anywhere leaves nothing
behind. Refusals are `DomainError`s carrying the sentence to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from orders.errors import DomainError
from orders.events import actor_name, actor_user, record_event
from orders.fsm import Actor, run_transition
from orders.locks import lock_order
from orders.models import DeletedOrder, HoldKind, Order, OrderLine, OrderStatus, StoreSettings
from payments.errors import PaymentDeclined
from payments.gateways import gateway_for
from payments.models import Payment, PaymentStatus
from payments.services import authorize_payment, capture_payment, void_payment
from shipments import services as shipment_services

# Direct Capture at checkout is the store's doing, so the ledger says so.
DIRECT_CAPTURE = "store:direct_capture"

# Lines may be added, changed or removed until the order is being shipped.
LINE_EDIT_STATUSES = (OrderStatus.INCOMPLETE, OrderStatus.PENDING, OrderStatus.CONFIRMED)
# Addresses, notes and the like stay editable, on hold or not, until the order is closed.
DETAILS_EDIT_STATUSES = (*LINE_EDIT_STATUSES, OrderStatus.PROCESSING)
# What staff edit as "details"; everything else is written by transitions and totals.
DETAIL_FIELDS = frozenset(
    {
        "customer_name",
        "customer_email",
        *(
            f"{kind}_{part}"
            for kind in ("billing", "shipping")
            for part in ("name", "street", "city", "zipcode", "country")
        ),
        "shipping_method",
        "notes",
        "gift_message",
    }
)


def _transition_order(
    *,
    order_id: int,
    by: Actor,
    action: str,
    message: str = "",
    data: dict | None = None,
    **kwargs: Any,
) -> Order:
    with transaction.atomic():
        order = lock_order(order_id)
        from_status, to_status = run_transition(getattr(order, action), by=by, **kwargs)
        order.save()
        record_event(
            order=order,
            by=by,
            transition=action,
            from_state=from_status,
            to_state=to_status,
            message=message,
            data=data,
        )
    return order


def create_selection(*, by: Actor, lines: Iterable[dict[str, Any]], **fields: Any) -> Order:
    """A new Incomplete order (a selection) with its lines and computed totals."""
    with transaction.atomic():
        order = Order(**fields)
        order.save()
        OrderLine.objects.bulk_create(OrderLine(order=order, **line) for line in lines)
        order.recalculate_totals()
        order.save(update_fields=["grand_total", "updated_at"])
        record_event(
            order=order,
            by=by,
            transition="create_selection",
            to_state=order.status,
            message="Selection created.",
        )
    return order


def checkout_order(*, order_id: int, by: Actor) -> Order:
    """Turn a selection into an order, as the store options say.

    Authorizes the grand total first: when the provider declines, the order
    stays Incomplete, the failed authorization stays in the payment's ledger,
    and the provider's sentence is raised. With Direct Capture (and without
    Direct to Shipment, which captures through its shipment) the grand total is
    captured as well; a declined capture does not undo the checkout: the
    payment stays authorized and the failed capture is in the ledger.
    """
    store = StoreSettings.load()
    # Direct to Shipment ships at once, which needs a confirmed order.
    autoconfirm = store.autoconfirm or store.direct_to_shipment
    declined = None
    with transaction.atomic():
        order = lock_order(order_id)
        order.recalculate_totals()
        from_status, to_status = run_transition(order.checkout, by=by, autoconfirm=autoconfirm)
        try:
            authorize_payment(order=order, by=by)
        except PaymentDeclined as error:
            # Leave this block normally so the failed authorization is kept;
            # the order itself is not saved.
            declined = error
        else:
            order.save()
            record_event(
                order=order,
                by=by,
                transition="checkout",
                from_state=from_status,
                to_state=to_status,
                message="Order created.",
                data={"autoconfirm": autoconfirm, "grand_total": str(order.grand_total)},
            )
            if store.direct_to_shipment:
                shipment_services.ship_at_checkout(
                    order=order,
                    capture=store.direct_capture
                    and gateway_for(order.payment_method).captures_through_provider,
                )
            if _captures_at_checkout(store, order):
                # A decline is in the ledger; staff capture later, per shipment.
                with suppress(PaymentDeclined):
                    capture_payment(order_id=order.pk, amount=order.grand_total, by=DIRECT_CAPTURE)
    if declined:
        raise declined
    return order


def _captures_at_checkout(store: StoreSettings, order: Order) -> bool:
    return (
        store.direct_capture
        and not store.direct_to_shipment
        and gateway_for(order.payment_method).captures_through_provider
    )


def confirm_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(order_id=order_id, by=by, action="confirm", message="Confirmed.")


def unconfirm_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(order_id=order_id, by=by, action="unconfirm", message="Unconfirmed.")


def hold_order(*, order_id: int, by: Actor, kind: str, reason: str) -> Order:
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the hold.")
    if kind not in HoldKind.values:
        raise DomainError(f"“{kind}” is not a kind of hold.")
    return _transition_order(
        order_id=order_id,
        by=by,
        action="hold",
        kind=kind,
        reason=reason,
        message=f"Put on hold ({HoldKind(kind).label}): {reason}",
        data={"on_hold": True, "kind": kind, "reason": reason},
    )


def resume_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(
        order_id=order_id, by=by, action="resume", message="Resumed.", data={"on_hold": False}
    )


def cancel_order(*, order_id: int, by: Actor, reason: str) -> Order:
    """Cancel an order that has nothing captured, voiding its open authorization.

    When the provider declines the void, the order is not cancelled: it stays
    as it was, the failed void stays in the ledger, and the sentence says why.
    Cancelling is refused once anything is captured (refund through a return).
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.")
    declined = None
    with transaction.atomic():
        order = lock_order(order_id)
        from_status, to_status = run_transition(order.cancel, by=by, reason=reason)
        try:
            _void_open_authorization(order, by=by)
        except PaymentDeclined as error:
            declined = error  # keep the failed void; the order is not saved
        else:
            # Part of the cancel, under its permission; one event per shipment.
            deleted = shipment_services.delete_open_shipments(order=order, by=by)
            order.save()
            message = f"Cancelled: {reason}"
            if deleted:
                message += f" Deleted shipments {', '.join(deleted)}, releasing their stock."
            record_event(
                order=order,
                by=by,
                transition="cancel",
                from_state=from_status,
                to_state=to_status,
                message=message,
                data={"on_hold": False, "reason": reason, "shipments_deleted": deleted},
            )
    if declined:
        why = str(declined)
        raise PaymentDeclined(
            f"{order} was not cancelled: {why[:1].lower()}{why[1:]}",
            operation=declined.operation,
            amount=declined.amount,
            provider_message=declined.provider_message,
        )
    return order


def _void_open_authorization(order: Order, *, by: Actor) -> None:
    try:
        payment = order.payment
    except ObjectDoesNotExist:
        return
    if payment.status == PaymentStatus.AUTHORIZED:
        void_payment(order_id=order.pk, by=by)


# Shared with the bulk path (orders/bulk.py), whose events must read the same.
ARCHIVE_MESSAGE = "Archived."


def archive_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(order_id=order_id, by=by, action="archive", message=ARCHIVE_MESSAGE)


def reactivate_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(order_id=order_id, by=by, action="reactivate", message="Reactivated.")


def delete_order_permanently(*, order_id: int, by: Actor, reason: str = "") -> DeletedOrder:
    """Remove a cancelled order and everything under it, leaving only a tombstone."""
    return _delete_order(order_id=order_id, by=by, action="delete_permanently", reason=reason)


def discard_selection(*, order_id: int, by: Actor, reason: str = "") -> DeletedOrder:
    """Remove an abandoned selection (an Incomplete order, a cart), leaving a tombstone.

    The tombstone keeps the order numbers explainable: every number handed out
    is either an order or a tombstone.
    """
    return _delete_order(order_id=order_id, by=by, action="discard", reason=reason)


def _delete_order(*, order_id: int, by: Actor, action: str, reason: str) -> DeletedOrder:
    with transaction.atomic():
        order = lock_order(order_id)
        run_transition(getattr(order, action), by=by)
        tombstone = DeletedOrder.objects.create(
            order_number=order.number,
            order_id=order.pk,
            user=actor_user(by),
            actor=actor_name(by),
            reason=reason.strip(),
        )
        order.delete()
    return tombstone


def lines_editable(order: Order) -> bool:
    """Whether staff may still edit the order's lines (on hold or not)."""
    return order.status in LINE_EDIT_STATUSES


def details_editable(order: Order) -> bool:
    """Whether staff may still edit the order's details (on hold or not)."""
    return order.status in DETAILS_EDIT_STATUSES


def update_order_details(*, order_id: int, by: Actor, changes: dict[str, Any]) -> Order:
    """Save staff edits of an order's details, and only those columns.

    The row is locked and only the edited columns are written, so an edit made
    on a page loaded before someone confirmed or held the order can never write
    the old status or hold back.
    """
    unknown = set(changes) - DETAIL_FIELDS
    if unknown:
        raise DomainError(f"{', '.join(sorted(unknown))} cannot be edited as order details.")
    with transaction.atomic():
        order = lock_order(order_id)
        if not details_editable(order):
            raise DomainError(f"{order} is {order.state_label}: its details can no longer change.")
        if not changes:
            return order
        for field, value in changes.items():
            setattr(order, field, value)
        order.save(update_fields=[*changes, "updated_at"])
        record_event(
            order=order,
            by=by,
            transition="edit_details",
            from_state=order.status,
            to_state=order.status,
            message="Details changed: " + ", ".join(sorted(changes)),
            data={"fields": sorted(changes)},
        )
    return order


def _refuse_total_above_authorization(order: Order) -> None:
    # Captures never exceed the authorization, so a total above it could never be
    # paid in full; the customer would have to authorize again first.
    payment = Payment.objects.filter(order=order).first()
    if payment and payment.authorized_amount and order.grand_total > payment.authorized_amount:
        raise DomainError(
            f"The new total of {order.grand_total} {order.currency} is above the "
            f"{payment.authorized_amount} {order.currency} authorized for {order}: "
            "lower it or take a new authorization."
        )


def record_line_changes(*, order_id: int, by: Actor, changes: list[str]) -> Order:
    """After an edit of an order's lines: recompute its totals and log the edit.

    Called in the transaction that saved the lines, so the totals and the event
    commit with them or not at all.
    """
    with transaction.atomic():
        order = lock_order(order_id)
        if not lines_editable(order):
            raise DomainError(f"{order} is {order.state_label}: its lines can no longer change.")
        previous = order.grand_total
        order.recalculate_totals()
        _refuse_total_above_authorization(order)
        order.save(update_fields=["grand_total", "updated_at"])
        record_event(
            order=order,
            by=by,
            transition="edit_lines",
            from_state=order.status,
            to_state=order.status,
            message="Lines changed: " + "; ".join(changes),
            data={
                "changes": changes,
                "grand_total": str(order.grand_total),
                "previous_grand_total": str(previous),
            },
        )
    return order
