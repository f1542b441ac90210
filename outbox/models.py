"""Integrations (who is told) and outbox messages (what each of them is owed)."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outbox import endpoints


def new_signing_secret() -> str:
    return secrets.token_urlsafe(32)


class Integration(models.Model):
    """An external system: a webhook receiver or a client of the pull queue and the API."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        QUEUE = "queue", _("Pull queue")

    name = models.SlugField(
        _("name"), max_length=64, unique=True, help_text=_("Acts as integration:<name>.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WEBHOOK)
    endpoint_url = models.URLField(
        _("endpoint URL"), blank=True, help_text=_("Where webhooks are POSTed (webhook kind).")
    )
    signing_secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_signing_secret,
        help_text=_("Webhooks are signed with HMAC-SHA256 of this secret."),
    )
    event_types = models.JSONField(
        _("event types"), default=list, blank=True, help_text=_("Subscribed event types.")
    )
    show_archived = models.BooleanField(
        _("archived orders visible"),
        default=False,
        help_text=_("The Order API lists archived orders."),
    )
    # Off by default, as in Centra: an ERP or a warehouse should not act on an order
    # held for a fraud check. Integrations made before kept their choice (migration).
    show_on_hold = models.BooleanField(
        _("held orders visible"),
        default=False,
        help_text=_(
            "The Order API lists orders on hold (a fraud tool needs them; "
            "an ERP or a warehouse usually not)."
        ),
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("group"),
        help_text=_("The staff group whose permissions it acts with; none: read only."),
    )
    # The token is shown once; only its first characters (to find the row) and a
    # hash (to check it) are kept.
    token_prefix = models.CharField(
        _("token prefix"), max_length=16, blank=True, db_index=True, editable=False
    )
    token_hash = models.CharField(_("token hash"), max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    keep_while_inactive = models.BooleanField(
        _("keep messages while inactive"),
        default=False,
        help_text=_(
            "Off: deactivating drops its undelivered messages. On: they wait, and are "
            "sent in order when it is active again."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        refused = self.endpoint_url and endpoints.refusal(self.endpoint_url)
        if refused:
            raise ValidationError({"endpoint_url": refused})

    @property
    def channel(self) -> str:
        return OutboxMessage.Channel.QUEUE if self.kind == self.Kind.QUEUE else self.kind


class OutboxMessageQuerySet(models.QuerySet):
    def undelivered(self) -> OutboxMessageQuerySet:
        return self.filter(delivered_at__isnull=True, failed_at__isnull=True)

    def due(self, now) -> OutboxMessageQuerySet:
        """What the delivery worker sends now: pushed (not queued), not done, time come."""
        return (
            self.undelivered()
            .exclude(channel=OutboxMessage.Channel.QUEUE)
            .filter(next_attempt_at__lte=now)
        )


class OutboxMessage(models.Model):
    """One event owed to one integration (or to the customer, by e-mail).

    Written by `outbox.publish` in the transaction of the change; delivered
    later by the worker (webhooks, e-mails) or read and confirmed by the
    integration (pull queue). Delivery is a fact with a date, not a state
    machine: undelivered until `delivered_at`, given up at `failed_at`.
    """

    class Channel(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        QUEUE = "queue", _("Pull queue")
        EMAIL = "email", _("Customer e-mail")

    event_id = models.UUIDField(
        _("event id"), help_text=_("The event's stable id; receivers deduplicate on it.")
    )
    event_type = models.CharField(_("event type"), max_length=40)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    integration = models.ForeignKey(
        Integration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
        verbose_name=_("integration"),
    )
    # No foreign keys to the order or its event: "order.deleted" outlives both.
    order_id = models.BigIntegerField(_("order id"))
    order_number = models.PositiveBigIntegerField(_("order number"))
    subject_ref = models.CharField(_("subject ref"), max_length=64, blank=True)
    order_event_id = models.BigIntegerField(_("order event id"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("Why nothing was sent.")
    )

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The worker's claim: only rows still owed, oldest due first.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True)
                & ~Q(channel="queue"),
                name="outbox_due_idx",
            ),
            # GET /api/v1/events: an integration's unconfirmed events, oldest first.
            models.Index(
                fields=["integration", "id"],
                condition=Q(delivered_at__isnull=True, channel="queue"),
                name="outbox_queue_idx",
            ),
            models.Index(fields=["order_id", "id"], name="outbox_order_idx"),
            # The board's "Webhooks failed" tile: the given-up rows only.
            models.Index(
                fields=["failed_at"],
                condition=Q(delivered_at__isnull=True, failed_at__isnull=False),
                name="outbox_failed_idx",
            ),
            # The claim's order rule: an order's earlier unsettled messages (a few rows).
            models.Index(
                fields=["order_id", "id"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_unsettled_order_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id", "integration"],
                condition=Q(integration__isnull=False),
                name="outbox_once_per_integration",
            ),
            models.UniqueConstraint(
                fields=["event_id"],
                condition=Q(channel="email"),
                name="outbox_one_mail_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.order_number} → {self.integration or self.channel}"
