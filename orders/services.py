"""Order services: the only way an order changes state on its own.

What spans the apps (checkout, which authorizes and may ship; cancel, which
voids and deletes shipments; line edits, which must fit the authorization)
lives in `backoffice.services`.

Each service opens a transaction, locks the order row, runs the model's
transition (which checks state, conditions and the actor's permission), saves,
and writes one `OrderEvent`, so a refusal or a failure anywhere leaves nothing
behind. Refusals are `DomainError`s carrying the sentence to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor, actor_name, actor_user, process
from core.errors import DomainError
from core.fsm import run_transition, state_refusal
from orders.events import Publishes, publish_order_deleted, record_event
from orders.locks import lock_order
from orders.models import ADDRESS_FIELDS, DeletedOrder, HoldKind, Order, OrderLine, OrderStatus
from outbox.event_types import EventType

# Lines may be added, changed or removed until the order is being shipped (and
# while nothing is shipped or captured: `backoffice.services.line_edit_refusal`).
LINE_EDIT_STATUSES = (OrderStatus.INCOMPLETE, OrderStatus.PENDING, OrderStatus.CONFIRMED)
# Addresses, notes and the like stay editable, on hold or not, until the order is closed.
DETAILS_EDIT_STATUSES = (*LINE_EDIT_STATUSES, OrderStatus.PROCESSING)
# What staff edit as "details"; everything else is written by transitions and totals.
DETAIL_FIELDS = frozenset(
    {
        "customer_name",
        "customer_email",
        *ADDRESS_FIELDS,
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
    publishes: Publishes,
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
            publishes=publishes,
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
            # A selection is no order yet: integrations hear of it when it is placed.
            publishes=None,
            to_state=order.status,
            message=_("Selection created."),
        )
    return order


def confirm_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(
        order_id=order_id,
        by=by,
        action="confirm",
        publishes=EventType.ORDER_CONFIRMED,
        message=CONFIRM_MESSAGE,
    )


def unconfirm_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(
        order_id=order_id,
        by=by,
        action="unconfirm",
        publishes=EventType.ORDER_UNCONFIRMED,
        message=_("Unconfirmed."),
    )


def hold_order(*, order_id: int, by: Actor, kind: str, reason: str) -> Order:
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give a reason for the hold."))
    if kind not in HoldKind.values:
        raise DomainError(_("“%(kind)s” is not a kind of hold.") % {"kind": kind})
    return _transition_order(
        order_id=order_id,
        by=by,
        action="hold",
        publishes=EventType.ORDER_HELD,
        kind=kind,
        reason=reason,
        message=_("Put on hold (%(kind)s): %(reason)s")
        % {"kind": HoldKind(kind).label, "reason": reason},
        data={"on_hold": True, "kind": kind, "reason": reason},
    )


# Completing an order that was fully shipped while held is part of resuming it.
FOR_RESUME = process("system", "resume_order")


def resume_order(*, order_id: int, by: Actor) -> Order:
    """Off hold, where it was; a Processing order with every line shipped or
    cancelled (products cancelled while it was held) completes, with its own event."""
    with transaction.atomic():
        order = _transition_order(
            order_id=order_id,
            by=by,
            action="resume",
            publishes=EventType.ORDER_RESUMED,
            message=_("Resumed."),
            data={"on_hold": False},
        )
        if complete_when_fully_shipped(order=order, by=FOR_RESUME):
            order.save()
            record_event(
                order=order,
                by=by,
                transition="complete",
                publishes=EventType.ORDER_COMPLETED,
                from_state=OrderStatus.PROCESSING,
                to_state=order.status,
                message=_("Completed on resuming: every line is shipped or cancelled."),
            )
    return order


def complete_when_fully_shipped(*, order: Order, by: Actor) -> bool:
    """The one rule of completion: an order being shipped, not on hold, whose
    shipments are all completed and whose lines are all shipped or cancelled,
    completes. True if it did.

    The rule is `Order.complete`'s source and conditions; the three steps that can
    finish an order (completing its last shipment, cancelling its last open
    products, resuming it) ask here after their own change. The caller holds the
    order lock, saves and records, as part of its own step.
    """
    if state_refusal(order.complete) is not None:
        return False
    run_transition(order.complete, by=by)
    return True


# Shared with the bulk path (orders/bulk.py), whose events must read the same:
# written in the language of whoever acts (a command's: the site's).
CONFIRM_MESSAGE = gettext_lazy("Confirmed.")
ARCHIVE_MESSAGE = gettext_lazy("Archived.")


def archive_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(
        order_id=order_id,
        by=by,
        action="archive",
        publishes=EventType.ORDER_ARCHIVED,
        message=ARCHIVE_MESSAGE,
    )


def reactivate_order(*, order_id: int, by: Actor) -> Order:
    return _transition_order(
        order_id=order_id,
        by=by,
        action="reactivate",
        publishes=EventType.ORDER_REACTIVATED,
        message=_("Reactivated."),
    )


def delete_order_permanently(*, order_id: int, by: Actor, reason: str = "") -> DeletedOrder:
    """Remove a cancelled order and everything under it, leaving only a tombstone."""
    return _delete_order(
        order_id=order_id, by=by, action="delete_permanently", reason=reason, published=True
    )


def discard_selection(*, order_id: int, by: Actor, reason: str = "") -> DeletedOrder:
    """Remove an abandoned selection (an Incomplete order, a cart), leaving a tombstone.

    The tombstone keeps the order numbers explainable: every number handed out
    is either an order or a tombstone.
    """
    # A selection was never an order to integrations: its discarding publishes nothing.
    return _delete_order(order_id=order_id, by=by, action="discard", reason=reason, published=False)


def _delete_order(
    *, order_id: int, by: Actor, action: str, reason: str, published: bool
) -> DeletedOrder:
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
        if published:
            publish_order_deleted(order)
        order.delete()
    return tombstone


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
        raise DomainError(
            _("%(fields)s cannot be edited as order details.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        order = lock_order(order_id)
        if not details_editable(order):
            raise DomainError(
                _("%(order)s is %(state)s: its details can no longer change.")
                % {"order": order, "state": order.state_label}
            )
        if not changes:
            return order
        for field, value in changes.items():
            setattr(order, field, value)
        order.save(update_fields=[*changes, "updated_at"])
        record_event(
            order=order,
            by=by,
            transition="edit_details",
            publishes=EventType.ORDER_UPDATED,
            from_state=order.status,
            to_state=order.status,
            message=_("Details changed: %(fields)s") % {"fields": ", ".join(sorted(changes))},
            data={"fields": sorted(changes)},
        )
    return order
