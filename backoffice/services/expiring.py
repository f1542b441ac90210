"""Holding the orders whose authorization lapses soon, so Finance acts before it does.

`manage.py hold_expiring_authorizations` runs it daily. An order is held when it
is open and not held already, its payment still has money authorized and not
captured, and the authorization lapses within the days given (or has lapsed):
hold kind "Payment expiring", with the date and what to do in the reason.
Renewing the authorization (`payments.expiry.renew_authorization`) lifts it.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError
from core.money import format_money
from orders.models import OPEN_STATUSES, HoldKind, Order
from orders.services import hold_order
from payments.models import CAPTURABLE, Payment


def expiring_payments(*, within_days: int):
    """Payments with money open whose authorization lapses within `within_days` days."""
    until = timezone.now() + timedelta(days=within_days)
    return Payment.objects.filter(
        authorization_expires_at__lte=until,
        status__in=CAPTURABLE,
        order__status__in=OPEN_STATUSES,
        order__on_hold=False,
    ).select_related("order")


def hold_expiring_authorizations(*, within_days: int, by: Actor) -> list[Order]:
    """Hold each such order once; the orders held (one changed since is skipped)."""
    if within_days < 0:
        raise DomainError(_("Give a number of days of 0 or more."))
    held = []
    for payment in expiring_payments(within_days=within_days).order_by("pk"):
        if not payment.open_amount:
            continue
        try:
            held.append(hold_order(order_id=payment.order_id, by=by, **_hold(payment)))
        except DomainError:
            continue  # held or closed since it was read: nothing to do
    return held


def _hold(payment: Payment) -> dict:
    expires = timezone.localtime(payment.authorization_expires_at)
    money = format_money(payment.open_amount, payment.currency)
    if expires <= timezone.localtime():
        reason = _(
            "The authorization of %(amount)s expired on %(date)s: capture it "
            "before then, or authorize it again."
        )
    else:
        reason = _(
            "The authorization of %(amount)s expires on %(date)s: capture it "
            "before then, or authorize it again."
        )
    return {
        "kind": HoldKind.PAYMENT_EXPIRING,
        "reason": reason % {"amount": money, "date": f"{expires:%Y-%m-%d}"},
    }
