"""Customer e-mails: rendered in the order's language, sent by the delivery
worker from the outbox, once per event, and listed on the order's timeline.

Which event sends which mail is `outbox.event_types.CUSTOMER_MAIL_KINDS`; the
store settings can turn each kind off (read when the mail is due).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Prefetch
from django.template import Context, TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor, actor_name, process
from core.errors import DomainError
from core.money import format_money, line_amount
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderEvent, OrderOrigin, StoreSettings
from outbox.event_types import CUSTOMER_MAIL_KINDS
from outbox.models import OutboxMessage
from returns.models import Return
from shipments.models import Shipment
from shipments.selectors import lines_with_order_lines

SENDER = process("system", "customer_mail")
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    setting: str  # the StoreSettings switch
    switched_off: str  # the note of a mail not sent because the setting is off


KINDS = {
    kind.name: kind
    for kind in [
        Kind(
            "order_confirmation",
            gettext_lazy("Order confirmation"),
            "mail_order_confirmation",
            gettext_lazy("Not sent: the store does not send order confirmations."),
        ),
        Kind(
            "shipping_confirmation",
            gettext_lazy("Shipping confirmation"),
            "mail_shipping_confirmation",
            gettext_lazy("Not sent: the store does not send shipping confirmations."),
        ),
        Kind(
            "cancellation",
            gettext_lazy("Cancellation"),
            "mail_cancellation",
            gettext_lazy("Not sent: the store does not send cancellations."),
        ),
        Kind(
            "refund",
            gettext_lazy("Refund confirmation"),
            "mail_refund",
            gettext_lazy("Not sent: the store does not send refund confirmations."),
        ),
        Kind(
            "payment_link",
            gettext_lazy("Payment link"),
            "mail_payment_link",
            gettext_lazy("Not sent: the store does not send payment links."),
        ),
    ]
}


def kind_of(message: OutboxMessage) -> Kind:
    return KINDS[message.data.get("kind") or CUSTOMER_MAIL_KINDS[message.event_type]]


@dataclass(frozen=True)
class Rendered:
    to: str
    subject: str
    text: str
    html: str


def render(message: OutboxMessage, order: Order) -> Rendered:
    """The mail for this message, in the order's language where a template exists."""
    kind = kind_of(message)
    language = (order.language or FALLBACK_LANGUAGE).split("-")[0].lower()
    with translation.override(language):
        # Amounts and dates inside too: the order's language, not the sender's.
        context = {"order": order, **_context(kind, message, order)}
        subject = _render(kind, "subject.txt", language, context).strip()
        text = _render(kind, "body.txt", language, context)
        html = _render(kind, "body.html", language, context)
    return Rendered(
        to=order.customer_email, subject=" ".join(subject.split()), text=text, html=html
    )


def _render(kind: Kind, part: str, language: str, context: dict) -> str:
    names = [f"integrations/emails/{lang}/{kind.name}/{part}" for lang in (language, "en")]
    template = select_template(names)
    if part.endswith(".txt"):
        # Plain text is not HTML: "O'Brien & Sons" stays as typed, not &#x27; and &amp;.
        return template.template.render(Context(context, autoescape=False))
    return template.render(context)


def _context(kind: Kind, message: OutboxMessage, order: Order) -> dict:
    currency = order.currency
    lines = [
        {
            "line": line,
            "quantity": line.quantity_active,
            "amount": format_money(line_amount(line, line.quantity_active, currency), currency),
        }
        for line in order.lines.all()
        if line.quantity_active
    ]
    context = {"lines": lines, "grand_total": format_money(order.grand_total, currency)}
    event = OrderEvent.objects.filter(pk=message.order_event_id).first()
    data = event.data if event else {}
    if kind.name == "shipping_confirmation":
        shipment = (
            Shipment.objects.filter(pk=data.get("shipment_id"))
            .prefetch_related(Prefetch("lines", queryset=lines_with_order_lines()))
            .first()
        )
        context["shipment"] = shipment
    if kind.name == "order_confirmation":
        context["made_for"] = _made_for(order)
    if kind.name == "payment_link":
        context["link"] = data.get("link", "")
    if kind.name == "refund" and data.get("amount"):
        context["refund_amount"] = format_money(Decimal(data["amount"]), currency)
    return context


def _made_for(order: Order) -> dict | None:
    """What an exchange or a resend replaces, for its confirmation to name."""
    if order.origin == OrderOrigin.EXCHANGE:
        return_ = Return.objects.filter(exchange_order=order).select_related("order").first()
        if return_ is not None:
            return {"exchange": True, "return": return_.number, "order": return_.order.number}
    if order.origin == OrderOrigin.RESEND and order.related_order_id:
        return {"resend": True, "order": order.related_order.number}
    return None


def deliver(message: OutboxMessage) -> str | None:
    """Send the message's mail (or note why not); None when settled, else the error.

    Sending happens outside any transaction; the row is then marked delivered
    and the mail written on the order's timeline in one short transaction.
    """
    kind = kind_of(message)
    order = Order.objects.filter(pk=message.order_id).first()
    if order is None:
        return _settle_unsent(message, _("Not sent: the order no longer exists."))
    if not getattr(StoreSettings.load(), kind.setting):
        return _settle_unsent(message, str(kind.switched_off))
    if not order.customer_email:
        return _settle_unsent(message, _("Not sent: the order has no customer e-mail address."))
    try:
        mail = render(message, order)
    except TemplateDoesNotExist as missing:
        return _("No template %(name)s.") % {"name": missing}
    email = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers={"X-Centra-Event-Id": str(message.event_id)},
    )
    email.attach_alternative(mail.html, "text/html")
    try:
        email.send()
    except Exception as error:  # any backend's failure is a failed attempt, retried
        return _("The mail could not be sent: %(error)s.") % {"error": error}
    _record_sent(message, kind, mail)
    return None


def _settle_unsent(message: OutboxMessage, note: str) -> None:
    """Settled without a mail: nothing will change by trying again."""
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=timezone.now(), note=note)


def _record_sent(message: OutboxMessage, kind: Kind, mail: Rendered) -> None:
    with transaction.atomic():
        try:
            order = lock_order(message.order_id)
        except DomainError:  # deleted since: nothing to write the entry on
            order = None
        OutboxMessage.objects.filter(pk=message.pk).update(
            delivered_at=timezone.now(), last_error=""
        )
        if order is not None:
            requested_by = message.data.get("requested_by")
            if requested_by:
                sentence = _(
                    "%(mail)s e-mailed to the customer (resent, asked by %(requested_by)s)."
                ) % {"mail": kind.label, "requested_by": requested_by}
            else:
                sentence = _("%(mail)s e-mailed to the customer.") % {"mail": kind.label}
            record_event(
                order=order,
                by=SENDER,
                transition="email_sent",
                publishes=None,  # the mail is itself what the event sent
                # The address stays out of the sentence (the timeline is kept
                # when the customer is anonymised); `data` has it, for support.
                message=sentence,
                data={"kind": kind.name, "event_id": str(message.event_id), "to": mail.to},
            )


def sent_mails(order_id: int) -> list[OutboxMessage]:
    """The order's customer e-mails, newest first."""
    return list(
        OutboxMessage.objects.filter(
            order_id=order_id, channel=OutboxMessage.Channel.EMAIL
        ).order_by("-id")
    )


def resend(*, order_id: int, kind: str, by: Actor) -> OutboxMessage:
    """Queue the mail of `kind` once more for the order; the worker sends it.

    Only a kind the order has been sent before, by someone who may edit orders.
    """
    if kind not in KINDS:
        raise DomainError(_("“%(kind)s” is not a kind of customer e-mail.") % {"kind": kind})
    if not isinstance(by, str) and not by.has_perm("orders.change_order"):
        raise DomainError(_("You do not have permission to resend customer e-mails."))
    with transaction.atomic():
        order = lock_order(order_id)
        if order.anonymized_at is not None:
            raise DomainError(
                _("%(order)s was anonymised: its e-mails can no longer be resent.")
                % {"order": order}
            )
        earlier = (
            OutboxMessage.objects.filter(order_id=order.pk, channel=OutboxMessage.Channel.EMAIL)
            .filter(delivered_at__isnull=False, note="")
            .order_by("-id")
        )
        original = next((m for m in earlier if kind_of(m).name == kind), None)
        if original is None:
            raise DomainError(
                _("%(order)s was never sent a %(mail)s.")
                % {"order": order, "mail": KINDS[kind].label.lower()}
            )
        return OutboxMessage.objects.create(
            event_id=uuid.uuid4(),
            event_type=original.event_type,
            channel=OutboxMessage.Channel.EMAIL,
            order_id=order.pk,
            order_number=order.number,
            subject_ref=original.subject_ref,
            order_event_id=original.order_event_id,
            occurred_at=timezone.now(),
            data={
                "kind": kind,
                "resend_of": str(original.event_id),
                "requested_by": actor_name(by),
            },
        )
