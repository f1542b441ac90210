"""Payment links: an order placed by staff, paid later by the customer at the
hosted payment page (the test provider's), as a storefront's buyer pays.

The link is a payment attempt of the placed order (`backoffice.services.placement`),
open for a week rather than the buyer's half hour: the customer reads an
e-mail. The provider's verified answer authorizes the order's grand total and
lifts its "Waiting for payment" hold (`placement.pay_placed_order`).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.services.checkout import PAYMENT_LINK
from backoffice.services.placement import move_attempt, open_attempt
from core.actors import Actor, has_full_rights
from core.errors import DomainError
from core.money import format_money
from orders.events import record_event
from orders.locks import lock_order
from orders.models import Order, OrderEvent
from outbox.event_types import EventType
from payments.hosted import checkout_methods, hosted_provider
from payments.models import AttemptStatus, PaymentAttempt

LINK_LIFETIME = timedelta(days=7)


def open_payment_link(*, order_id: int, base_url: str) -> str:
    """A new link for the order's grand total (an open one is cancelled first); its address."""
    method = checkout_methods()[0]
    provider = hosted_provider(method.provider)
    paid_page = base_url.rstrip("/") + reverse("payment-link-paid")
    with transaction.atomic():
        order = lock_order(order_id)
        if not order.on_hold_for_payment:
            raise DomainError(_not_waiting(order))
        for attempt in order.payment_attempts.filter(status=AttemptStatus.OPEN):
            message = _("Payment link replaced by a new one.")
            move_attempt(
                attempt, attempt.cancel, by=PAYMENT_LINK, message=message, at=timezone.now()
            )
        order.payment_method = method.id
        order.save(update_fields=["payment_method", "updated_at"])
        attempt = open_attempt(
            order,
            provider,
            method.id,
            return_page=paid_page,
            failed_page=f"{paid_page}?declined=1",
            by=PAYMENT_LINK,
            lifetime=LINK_LIFETIME,
        )
        link = provider.begin(attempt, base_url=base_url).url
        _send(order, attempt, link)
    return link


def _send(order: Order, attempt: PaymentAttempt, link: str) -> None:
    """The customer's e-mail with the link (`integrations.mail`, after the commit)."""
    amount = format_money(attempt.amount, attempt.currency)
    record_event(
        order=order,
        by=PAYMENT_LINK,
        transition="payment_link_sent",
        publishes=EventType.PAYMENT_LINK_SENT,
        subject=OrderEvent.Subject.PAYMENT,
        subject_ref=attempt.reference,
        message=_("Payment link for %(amount)s sent to the customer, valid until %(date)s.")
        % {"amount": amount, "date": f"{timezone.localtime(attempt.expires_at):%Y-%m-%d}"},
        data={"link": link, "amount": str(attempt.amount)},
    )


PERMISSION = "orders.create_selection"


def payment_link_refusal(order: Order, by: Actor) -> str | None:
    """Why no new link can be given now, in one sentence, or None."""
    if not has_full_rights(by) and not by.has_perm(PERMISSION):
        return _("You do not have permission to give payment links.")
    if not order.on_hold_for_payment:
        return _not_waiting(order)
    return None


def _not_waiting(order: Order) -> str:
    return _("%(order)s does not wait for a payment by link.") % {"order": order}


def renew_payment_link(*, order_id: int, base_url: str, by: Actor) -> str:
    """A new link for an order waiting for its payment (the last one declined,
    expired or lost by the customer); the open one, if any, stops working."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError(_("Order #%(id)s does not exist.") % {"id": order_id})
    refusal = payment_link_refusal(order, by)
    if refusal:
        raise DomainError(refusal)
    return open_payment_link(order_id=order_id, base_url=base_url)


def payment_link_of(order: Order, *, base_url: str) -> str:
    """The open, unexpired link of an order waiting for payment, or ""."""
    if not order.on_hold_for_payment:
        return ""
    attempt = (
        PaymentAttempt.objects.filter(
            order=order, status=AttemptStatus.OPEN, expires_at__gt=timezone.now()
        )
        .order_by("-pk")
        .first()
    )
    if attempt is None:
        return ""
    return hosted_provider(attempt.provider).begin(attempt, base_url=base_url).url
