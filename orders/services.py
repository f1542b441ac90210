"""Order services: the only way an order changes state.

Each service opens a transaction, locks the order row, runs the model's
transition (which checks state, conditions and the actor's permission), saves,
and writes one `OrderEvent`, so a refusal or a failure anywhere leaves nothing
behind. Refusals are `DomainError`s carrying the sentence to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from orders.errors import DomainError
from orders.events import actor_name, actor_user, record_event
from orders.fsm import Actor, run_transition
from orders.locks import lock_order
from orders.models import DeletedOrder, HoldKind, Order, OrderLine, StoreSettings
from shipments import services as shipment_services


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
    """Turn a selection into an order, as the store options say."""
    store = StoreSettings.load()
    # Direct to Shipment ships at once, which needs a confirmed order.
    autoconfirm = store.autoconfirm or store.direct_to_shipment
    with transaction.atomic():
        order = lock_order(order_id)
        order.recalculate_totals()
        from_status, to_status = run_transition(order.checkout, by=by, autoconfirm=autoconfirm)
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
            shipment_services.ship_at_checkout(order=order)
    return order


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
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.")
    with transaction.atomic():
        order = lock_order(order_id)
        from_status, to_status = run_transition(order.cancel, by=by, reason=reason)
        # Part of the cancel, under its permission and in its one event.
        deleted = shipment_services.delete_open_shipments(order=order)
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
    return order


def archive_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(order_id=order_id, by=by, action="archive", message="Archived.")


def reactivate_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(order_id=order_id, by=by, action="reactivate", message="Reactivated.")


def delete_order_permanently(*, order_id: int, by: Actor, reason: str = "") -> DeletedOrder:
    """Remove a cancelled order and everything under it, leaving only a tombstone."""
    with transaction.atomic():
        order = lock_order(order_id)
        run_transition(order.delete_permanently, by=by)
        tombstone = DeletedOrder.objects.create(
            order_number=order.number,
            order_id=order.pk,
            user=actor_user(by),
            actor=actor_name(by),
            reason=reason.strip(),
        )
        order.delete()
    return tombstone
