"""The order page's "Customer e-mails" section: what was sent, and "Resend…".

A template tag, so the order admin (in `backoffice`, below this app) needs no
import of it: its template loads this tag.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from integrations import mail
from outbox.event_types import event_words

register = template.Library()


@register.inclusion_tag("admin/integrations/order_emails.html", takes_context=True)
def customer_emails(context, order):
    request = context["request"]
    rows, resendable = [], {}
    for message in mail.sent_mails(order.pk):
        kind = mail.kind_of(message)
        if message.delivered_at and not message.note:
            resendable.setdefault(kind.name, kind)
        rows.append({"message": message, "kind": kind, "event": event_words(message.event_type)})
    # An anonymised order has no address to send to (mail.resend refuses too).
    may_resend = request.user.has_perm("orders.change_order") and order.anonymized_at is None
    links = [
        {
            "name": name,  # the kind's code, for attributes (the label is translated)
            "label": kind.label,
            "url": reverse("admin:outbox_outboxmessage_resend", args=[order.pk, name]),
        }
        for name, kind in resendable.items()
        if may_resend
    ]
    return {"rows": rows, "resend_links": links}
