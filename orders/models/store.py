"""The store's options: one row, edited in the admin."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_FIELD


class StoreSettings(models.Model):
    """The store's options; a single row, edited in the admin."""

    autoconfirm = models.BooleanField(
        _("Autoconfirm orders"), default=False, help_text=_("Checkout goes straight to Confirmed.")
    )
    direct_to_shipment = models.BooleanField(
        _("direct to shipment"),
        default=False,
        help_text=_("Checkout creates one good-to-go shipment holding every line."),
    )
    direct_capture = models.BooleanField(
        _("direct capture"), default=False, help_text=_("The payment is captured at checkout.")
    )
    complete_on_capture_request = models.BooleanField(
        _("complete on capture request"),
        default=False,
        help_text=_(
            "Complete (ship) a shipment whose capture a provider that settles later "
            "has only accepted as a request; off, it waits until the capture settles."
        ),
    )
    archive_after_days = models.PositiveIntegerField(
        _("archive after days"),
        default=30,
        help_text=_("archive_orders archives orders completed this many days ago."),
    )
    purge_cancelled_after_days = models.PositiveIntegerField(
        _("purge cancelled after days"),
        default=90,
        help_text=_("purge_cancelled_orders deletes orders cancelled this long ago."),
    )
    cleanup_selections_after_days = models.PositiveIntegerField(
        _("cleanup selections after days"),
        default=30,
        help_text=_("cleanup_selections deletes abandoned selections this old."),
    )
    # Handling is a cost of the customer's the store may refund with a return,
    # never above this: anything more is a goodwill refund (Back-office admin).
    return_handling_limit = models.DecimalField(
        _("largest handling cost refunded with a return"),
        **MONEY_FIELD,
        help_text=_("In the order's currency; 0 refunds no handling with returns."),
    )
    # A resend gives goods away: above this value only a Back-office admin makes one.
    resend_limit = models.DecimalField(
        _("largest resend without a Back-office admin"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("200.00"),
        help_text=_(
            "The resent goods' value in the order's currency; above it, only a "
            "Back-office admin may resend."
        ),
    )
    # One switch per customer e-mail (integrations.mail), read when it is sent.
    mail_order_confirmation = models.BooleanField(
        _("e-mail order confirmations"), default=True, help_text=_("When an order is confirmed.")
    )
    mail_shipping_confirmation = models.BooleanField(
        _("e-mail shipping confirmations"),
        default=True,
        help_text=_("When a shipment is completed, with carrier and tracking number."),
    )
    mail_cancellation = models.BooleanField(
        _("e-mail cancellations"), default=True, help_text=_("When an order is cancelled.")
    )
    mail_refund = models.BooleanField(
        _("e-mail refunds"), default=True, help_text=_("When money is refunded.")
    )
    mail_payment_link = models.BooleanField(
        _("e-mail payment links"),
        default=True,
        help_text=_("When staff place an order the customer pays by link."),
    )

    class Meta:
        verbose_name = _("store settings")
        verbose_name_plural = _("store settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="store_settings_singleton"),
            models.CheckConstraint(
                condition=Q(return_handling_limit__gte=0),
                name="store_return_handling_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(resend_limit__gte=0), name="store_resend_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Store settings")

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> StoreSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row
