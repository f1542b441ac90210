"""The events integrations can subscribe to, and what the services call them.

Integrations see Centra-style names ("order.confirmed"); the services write
their transition's own name on the `OrderEvent` ("confirm"). This table is the
one translation; an event not in it never leaves the back office.
"""

from __future__ import annotations

# (subject, transition) → event type
EVENT_TYPES: dict[tuple[str, str], str] = {
    ("order", "checkout"): "order.created",
    ("order", "confirm"): "order.confirmed",
    ("order", "unconfirm"): "order.unconfirmed",
    ("order", "hold"): "order.held",
    ("order", "resume"): "order.resumed",
    ("order", "cancel"): "order.cancelled",
    ("order", "complete"): "order.completed",
    ("order", "archive"): "order.archived",
    ("order", "reactivate"): "order.reactivated",
    ("order", "delete_permanently"): "order.deleted",
    ("order", "anonymize"): "order.anonymized",
    ("shipment", "create"): "shipment.created",
    ("shipment", "good_to_go"): "shipment.good_to_go",
    ("shipment", "complete"): "shipment.completed",
    ("payment", "payment_capture"): "payment.captured",
    # Money recorded by hand (an invoice paid) is captured money too.
    ("payment", "payment_record_manual"): "payment.captured",
    ("payment", "payment_refund"): "payment.refunded",
    ("payment", "payment_void"): "payment.voided",
    ("return", "create"): "return.created",
    ("return", "refund"): "return.refunded",
    ("return", "complete"): "return.completed",
    # An integration that saw "return.created" must hear when it is gone or
    # back to Pending, or it holds a return (and its goods) that no longer are.
    ("return", "uncomplete"): "return.uncompleted",
    ("return", "delete"): "return.deleted",
}

ALL_EVENT_TYPES: list[str] = sorted(set(EVENT_TYPES.values()))

# The customer e-mail each event sends (the store settings may turn a kind off).
CUSTOMER_MAIL_KINDS: dict[str, str] = {
    "order.confirmed": "order_confirmation",
    "shipment.completed": "shipping_confirmation",
    "order.cancelled": "cancellation",
    "payment.refunded": "refund",
}


def event_type_of(subject: str, transition: str) -> str | None:
    return EVENT_TYPES.get((str(subject), transition))
