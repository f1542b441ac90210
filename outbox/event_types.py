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

from django.utils.translation import gettext_lazy as _


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


# Each event type as staff read it, a whole phrase each (a translator sees the
# subject and what happened together).
EVENT_WORDS: dict[str, str] = {
    EventType.ORDER_CREATED: _("Order created"),
    EventType.ORDER_CONFIRMED: _("Order confirmed"),
    EventType.ORDER_UNCONFIRMED: _("Order unconfirmed"),
    EventType.ORDER_HELD: _("Order held"),
    EventType.ORDER_RESUMED: _("Order resumed"),
    EventType.ORDER_UPDATED: _("Order updated"),
    EventType.ORDER_CANCELLED: _("Order cancelled"),
    EventType.ORDER_RESTORED: _("Order restored"),
    EventType.ORDER_COMPLETED: _("Order completed"),
    EventType.ORDER_ARCHIVED: _("Order archived"),
    EventType.ORDER_REACTIVATED: _("Order reactivated"),
    EventType.ORDER_DELETED: _("Order deleted"),
    EventType.ORDER_ANONYMIZED: _("Order anonymized"),
    EventType.SHIPMENT_CREATED: _("Shipment created"),
    EventType.SHIPMENT_GOOD_TO_GO: _("Shipment good-to-go"),
    EventType.SHIPMENT_UPDATED: _("Shipment updated"),
    EventType.SHIPMENT_COMPLETED: _("Shipment completed"),
    EventType.SHIPMENT_DELETED: _("Shipment deleted"),
    EventType.PAYMENT_AUTHORIZED: _("Payment authorized"),
    EventType.PAYMENT_CAPTURED: _("Payment captured"),
    EventType.PAYMENT_REFUNDED: _("Payment refunded"),
    EventType.PAYMENT_VOIDED: _("Payment voided"),
    EventType.PAYMENT_RELEASED: _("Payment released"),
    EventType.PAYMENT_UPDATED: _("Payment updated"),
    EventType.RETURN_CREATED: _("Return created"),
    EventType.RETURN_REFUNDED: _("Return refunded"),
    EventType.RETURN_COMPLETED: _("Return completed"),
    EventType.RETURN_UNCOMPLETED: _("Return uncompleted"),
    EventType.RETURN_DELETED: _("Return deleted"),
    EventType.EXCHANGE_CREATED: _("Exchange created"),
    EventType.RESEND_CREATED: _("Resend created"),
    EventType.PAYMENT_LINK_SENT: _("Payment link sent"),
}


def event_words(event_type: str) -> str:
    """An event type as staff read it: "order.confirmed" is "Order confirmed",
    "shipment.good_to_go" "Shipment good-to-go"; integrations keep the name.

    A lazy translation, read in the reader's language wherever it is shown."""
    if str(event_type) in EVENT_WORDS:
        return EVENT_WORDS[str(event_type)]
    # A type the back office does not know (an old message's): its name in words.
    subject, _dot, what = str(event_type).partition(".")
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
