"""The timeline in staff's words: "Shipment 1294-2 marked good-to-go",
"Captured → Partially refunded", never "good_to_go" or "partially_refunded".

An event names its transition by the method's name and its states by their
stored values; the words come from the same places the buttons take theirs
(each transition's `custom` label and past tense, each state's label).
"""

from __future__ import annotations

from django.utils.text import capfirst

from core.fsm import action_past
from orders import comments
from orders.models import Order, OrderEvent, OrderStatus
from payments.models import Payment, PaymentStatus
from returns.models import Return, ReturnStatus
from shipments.models import Shipment, ShipmentStatus

Subject = OrderEvent.Subject

MODELS = {
    Subject.ORDER: Order,
    Subject.SHIPMENT: Shipment,
    Subject.PAYMENT: Payment,
    Subject.RETURN: Return,
}
STATES = {
    Subject.ORDER: {str(value): str(label) for value, label in OrderStatus.choices},
    Subject.SHIPMENT: {str(value): str(label) for value, label in ShipmentStatus.choices},
    Subject.PAYMENT: {str(value): str(label) for value, label in PaymentStatus.choices},
    Subject.RETURN: {str(value): str(label) for value, label in ReturnStatus.choices},
}

# Events that are no single transition of their model, or whose transition's
# past tense would mislead here ("expedite" reads "shipped" on a button's
# message; in the timeline it is the order starting to be processed).
WORDS = {
    (Subject.ORDER, "create_selection"): "selection created",
    (Subject.ORDER, "checkout"): "order placed",
    (Subject.ORDER, "start_processing"): "processing started",
    (Subject.ORDER, "edit_details"): "details edited",
    (Subject.ORDER, "edit_lines"): "lines edited",
    (Subject.ORDER, "cancel_products"): "products cancelled",
    (Subject.ORDER, "restore_products"): "products restored",
    (Subject.ORDER, "note"): "note",
    (Subject.ORDER, "anonymize"): "customer anonymised",
    (Subject.SHIPMENT, "create"): "created",
    (Subject.SHIPMENT, "delete"): "deleted",
    (Subject.PAYMENT, "record_manual"): "paid by hand",
    (Subject.PAYMENT, "reverse_manual"): "payment by hand reversed",
    # One event for every refund; which one is the ledger row's purpose.
    (Subject.PAYMENT, "refund"): "refunded",
    (Subject.RETURN, "delete"): "deleted",
}


def state_label(subject: str, value: str) -> str:
    """A stored state as staff know it ("Good-to-go"); an unknown value as stored."""
    return STATES.get(subject, {}).get(str(value), str(value))


def change_words(event: OrderEvent) -> str:
    """`Pending → Confirmed`; one state where the event started in it or kept it
    (a hold keeps the status)."""
    after = state_label(event.subject, event.to_state)
    if not event.from_state or event.from_state == event.to_state:
        return after
    before = state_label(event.subject, event.from_state)
    return f"{before} → {after}"


def transition_words(subject: str, transition: str) -> str:
    name = transition.removeprefix("payment_") if subject == Subject.PAYMENT else transition
    if (subject, name) in WORDS:
        return WORDS[(subject, name)]
    method = getattr(MODELS.get(subject), name, None)
    if method is not None and hasattr(method, "_django_fsm"):
        return action_past(method)
    return name.replace("_", " ")


def what_words(event: OrderEvent) -> str:
    """`Confirmed`, `Shipment 1294-2 marked good-to-go`, `Payment captured`,
    `Return 1294-R1 refunded`, `Comment (edited)`."""
    if event.subject == Subject.COMMENT:
        edited = " (edited)" if event.data.get("edited_at") else ""
        return {comments.EDIT: "Comment edited", comments.DELETE: "Comment deleted"}.get(
            event.transition, f"Comment{edited}"
        )
    words = transition_words(event.subject, event.transition)
    if event.subject == Subject.RETURN:
        return f"Return {event.subject_ref} {words}"
    if event.subject == Subject.SHIPMENT:
        return f"Shipment {event.subject_ref} {words}".strip()
    if event.subject == Subject.PAYMENT:
        return f"Payment {words}"
    return capfirst(words)
