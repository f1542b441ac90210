"""The timeline in staff's words: "Shipment 1294-2 marked good-to-go",
"Captured → Partially refunded", never "good_to_go" or "partially_refunded".

An event names its transition by the method's name and its states by their
stored values; the words come from the same places the buttons take theirs
(each transition's `custom` label and past tense, each state's label), in the
reader's language when the page is drawn: nothing here is translated at import.
"""

from __future__ import annotations

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

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
# The labels as given (lazy where translated): read in the reader's language.
STATES = {
    Subject.ORDER: {str(value): label for value, label in OrderStatus.choices},
    Subject.SHIPMENT: {str(value): label for value, label in ShipmentStatus.choices},
    Subject.PAYMENT: {str(value): label for value, label in PaymentStatus.choices},
    Subject.RETURN: {str(value): label for value, label in ReturnStatus.choices},
}

# Events that are no single transition of their model, or whose transition's
# past tense would mislead here ("expedite" reads "shipped" on a button's
# message; in the timeline it is the order starting to be processed). An order's
# words start the line ("Order placed"); the others follow the shipment's, the
# payment's or the return's name ("Shipment 1294-2 created").
WORDS = {
    (Subject.ORDER, "create_selection"): pgettext_lazy("timeline", "selection created"),
    (Subject.ORDER, "checkout"): pgettext_lazy("timeline", "order placed"),
    (Subject.ORDER, "start_processing"): pgettext_lazy("timeline", "processing started"),
    (Subject.ORDER, "edit_details"): pgettext_lazy("timeline", "details edited"),
    (Subject.ORDER, "edit_lines"): pgettext_lazy("timeline", "lines edited"),
    (Subject.ORDER, "cancel_products"): pgettext_lazy("timeline", "products cancelled"),
    (Subject.ORDER, "restore_products"): pgettext_lazy("timeline", "products restored"),
    (Subject.ORDER, "note"): pgettext_lazy("timeline", "note"),
    (Subject.ORDER, "anonymize"): pgettext_lazy("timeline", "customer anonymised"),
    (Subject.ORDER, "email_sent"): pgettext_lazy("timeline", "email sent"),
    (Subject.SHIPMENT, "create"): pgettext_lazy("timeline", "created"),
    (Subject.SHIPMENT, "delete"): pgettext_lazy("timeline", "deleted"),
    (Subject.PAYMENT, "record_manual"): pgettext_lazy("timeline", "paid by hand"),
    (Subject.PAYMENT, "reverse_manual"): pgettext_lazy("timeline", "payment by hand reversed"),
    # One event for every refund; which one is the ledger row's purpose.
    (Subject.PAYMENT, "refund"): pgettext_lazy("timeline", "refunded"),
    (Subject.RETURN, "delete"): pgettext_lazy("timeline", "deleted"),
}


def state_label(subject: str, value: str) -> str:
    """A stored state as staff know it ("Good-to-go"); an unknown value as stored."""
    return str(STATES.get(subject, {}).get(str(value), value))


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
        return str(WORDS[(subject, name)])
    method = getattr(MODELS.get(subject), name, None)
    if method is not None and hasattr(method, "_django_fsm"):
        return str(action_past(method))
    return name.replace("_", " ")


def what_words(event: OrderEvent) -> str:
    """`Confirmed`, `Shipment 1294-2 marked good-to-go`, `Payment captured`,
    `Return 1294-R1 refunded`, `Comment (edited)`."""
    if event.subject == Subject.COMMENT:
        if event.transition == comments.EDIT:
            return _("Comment edited")
        if event.transition == comments.DELETE:
            return _("Comment deleted")
        return _("Comment (edited)") if event.data.get("edited_at") else _("Comment")
    words = transition_words(event.subject, event.transition)
    # %(action)s: a step's past participle ("refunded", "marked good-to-go").
    named = {"ref": event.subject_ref, "action": words}
    if event.subject == Subject.RETURN:
        # Translators: %(action)s is a step's past participle ("refunded").
        return _("Return %(ref)s %(action)s") % named
    if event.subject == Subject.SHIPMENT:
        # Translators: %(action)s is a step's past participle ("marked good-to-go").
        return (_("Shipment %(ref)s %(action)s") % named).strip()
    if event.subject == Subject.PAYMENT:
        # Translators: %(action)s is a step's past participle ("captured").
        return _("Payment %(action)s") % named
    return capfirst(words)
