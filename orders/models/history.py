"""What happened to an order: its timeline, and the tombstone it leaves when deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models.order import Order


class OrderEvent(models.Model):
    """One transition of an order, a shipment, a payment or a return, written in its transaction;
    or a staff comment (subject "comment", see `orders.comments`), which changes nothing."""

    class Subject(models.TextChoices):
        ORDER = "order", _("Order")
        SHIPMENT = "shipment", _("Shipment")
        PAYMENT = "payment", _("Payment")
        RETURN = "return", _("Return")
        COMMENT = "comment", _("Comment")

    # No index of its own: event_order_time_idx leads with the order, so it serves
    # every lookup by order (the order page, cascading deletes); a second index
    # would only slow the bulk paths' event inserts.
    order = models.ForeignKey(
        Order,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
        verbose_name=_("order"),
    )
    # Every read of events is by order (event_order_time_idx); an index of
    # their own on the time would only be written, by every event.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Indexed only where set (event_user_idx), for SET_NULL when a user is
    # deleted: the commands' and the system's events, most of them, have none.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        verbose_name=_("user"),
    )
    actor = models.CharField(
        _("actor"), max_length=150, help_text=_("The user's name, or the command/system.")
    )
    subject = models.CharField(
        _("subject"), max_length=16, choices=Subject.choices, default=Subject.ORDER
    )
    subject_ref = models.CharField(_("subject ref"), max_length=64, blank=True)
    transition = models.CharField(_("transition"), max_length=64)
    from_state = models.CharField(_("from state"), max_length=32, blank=True)
    to_state = models.CharField(_("to state"), max_length=32, blank=True)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order", "created_at"], name="event_order_time_idx"),
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="event_user_idx"),
        ]

    def __str__(self) -> str:
        # Staff may see this (Django renders it in places): words, not row ids or states.
        return gettext("%(subject)s event: %(transition)s") % {
            "subject": self.get_subject_display(),
            "transition": self.transition.replace("_", " "),
        }


class DeletedOrder(models.Model):
    """Tombstone of a permanently deleted order: no personal data, only the fact."""

    order_number = models.PositiveBigIntegerField(_("order number"), db_index=True)
    order_id = models.BigIntegerField(_("order id"))
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("user"),
    )
    actor = models.CharField(_("actor"), max_length=150)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("deleted order")
        verbose_name_plural = _("deleted orders")
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return gettext("Deleted order %(number)s") % {"number": self.order_number}
