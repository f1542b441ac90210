"""What happened to an order: its timeline, and the tombstone it leaves when deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from orders.models.order import Order


class OrderEvent(models.Model):
    """One transition of an order, a shipment, a payment or a return, written in its transaction;
    or a staff comment (subject "comment", see `orders.comments`), which changes nothing."""

    class Subject(models.TextChoices):
        ORDER = "order", "Order"
        SHIPMENT = "shipment", "Shipment"
        PAYMENT = "payment", "Payment"
        RETURN = "return", "Return"
        COMMENT = "comment", "Comment"

    # No index of its own: event_order_time_idx leads with the order, so it serves
    # every lookup by order (the order page, cascading deletes); a second index
    # would only slow the bulk paths' event inserts.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    # Every read of events is by order (event_order_time_idx); an index of
    # their own on the time would only be written, by every event.
    created_at = models.DateTimeField(default=timezone.now)
    # Indexed only where set (event_user_idx), for SET_NULL when a user is
    # deleted: the commands' and the system's events, most of them, have none.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    actor = models.CharField(max_length=150, help_text="The user's name, or the command/system.")
    subject = models.CharField(max_length=16, choices=Subject.choices, default=Subject.ORDER)
    subject_ref = models.CharField(max_length=64, blank=True)
    transition = models.CharField(max_length=64)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["order", "created_at"], name="event_order_time_idx"),
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="event_user_idx"),
        ]

    def __str__(self) -> str:
        # Staff may see this (Django renders it in places): words, not row ids or states.
        return f"{self.get_subject_display()} event: {self.transition.replace('_', ' ')}"


class DeletedOrder(models.Model):
    """Tombstone of a permanently deleted order: no personal data, only the fact."""

    order_number = models.PositiveBigIntegerField(db_index=True)
    order_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-deleted_at"]

    def __str__(self) -> str:
        return f"Deleted order {self.order_number}"
