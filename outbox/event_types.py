"""The events integrations can subscribe to.

Integrations see Centra-style names ("order.confirmed"). Each service names the
event type its change publishes, explicitly, where it records the change
(`orders.events.record_event(publishes=…)`): what leaves the back office follows
what happened (cancelling the last products completes the order: that is
`order.completed`), never the name of the transition that ran. A change with no
type of its own (an edit, products cancelled or restored) is `order.updated`, as
Centra's webhooks say "update" on any change.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    ORDER_CREATED = "order.created"
    ORDER_CONFIRMED = "order.confirmed"
    ORDER_UNCONFIRMED = "order.unconfirmed"
    ORDER_HELD = "order.held"
    ORDER_RESUMED = "order.resumed"
    # Details, lines, products cancelled or restored: the order changed, its status did not.
    ORDER_UPDATED = "order.updated"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_RESTORED = "order.restored"
    ORDER_COMPLETED = "order.completed"
    ORDER_ARCHIVED = "order.archived"
    ORDER_REACTIVATED = "order.reactivated"
    ORDER_DELETED = "order.deleted"
    ORDER_ANONYMIZED = "order.anonymized"
    SHIPMENT_CREATED = "shipment.created"
    SHIPMENT_GOOD_TO_GO = "shipment.good_to_go"
    # Back from good-to-go, or marked unpaid: the shipment moved back a step.
    SHIPMENT_UPDATED = "shipment.updated"
    SHIPMENT_COMPLETED = "shipment.completed"
    SHIPMENT_DELETED = "shipment.deleted"
    PAYMENT_AUTHORIZED = "payment.authorized"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_REFUNDED = "payment.refunded"
    PAYMENT_VOIDED = "payment.voided"
    PAYMENT_RELEASED = "payment.released"
    # A payment recorded by hand taken back (the shipment marked unpaid).
    PAYMENT_UPDATED = "payment.updated"
    RETURN_CREATED = "return.created"
    RETURN_REFUNDED = "return.refunded"
    RETURN_COMPLETED = "return.completed"
    # An integration that saw "return.created" must hear when it is gone or
    # back to Pending, or it holds a return (and its goods) that no longer are.
    RETURN_UNCOMPLETED = "return.uncompleted"
    RETURN_DELETED = "return.deleted"
    # Orders staff make for an earlier one: published on the new order, whose
    # "order.created" comes first; the ref names the return or the shipment.
    EXCHANGE_CREATED = "exchange.created"
    RESEND_CREATED = "resend.created"
    # A payment link opened for an order staff placed: the customer is sent it.
    PAYMENT_LINK_SENT = "payment.link_sent"


ALL_EVENT_TYPES: list[str] = sorted(str(event_type) for event_type in EventType)


def event_words(event_type: str) -> str:
    """An event type as staff read it: "order.confirmed" is "Order confirmed",
    "shipment.good_to_go" "Shipment good-to-go"; integrations keep the name."""
    subject, _, what = str(event_type).partition(".")
    what = "good-to-go" if what == "good_to_go" else what.replace("_", " ")
    return f"{subject.capitalize()} {what}".strip()


# The customer e-mail each event sends (the store settings may turn a kind off).
CUSTOMER_MAIL_KINDS: dict[str, str] = {
    EventType.ORDER_CONFIRMED: "order_confirmation",
    EventType.SHIPMENT_COMPLETED: "shipping_confirmation",
    EventType.ORDER_CANCELLED: "cancellation",
    EventType.PAYMENT_REFUNDED: "refund",
    EventType.PAYMENT_LINK_SENT: "payment_link",
}
