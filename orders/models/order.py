"""The order and its transitions; its statuses are in `choices`, its conditions in `conditions`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMIntegerField, FSMModelMixin, transition

from core.money import MONEY_FIELD, Totals, compute_totals
from orders.models.choices import OPEN_STATUSES, HoldKind, OrderOrigin, OrderStatus
from orders.models.conditions import (
    had_nothing_captured,
    has_active_units,
    has_billing_address,
    has_everything_shipped,
    has_lines,
    has_no_paid_shipments,
    has_no_shipments,
    has_nothing_captured,
    has_something_to_ship,
    is_not_already_held,
    is_not_on_hold,
    is_not_on_hold_for_shipping,
    is_not_waiting_for_its_link,
    is_on_hold,
)
from orders.models.indexes import ORDER_INDEXES
from orders.models.numbers import next_order_number

if TYPE_CHECKING:
    from orders.models.line import OrderLine


class Order(FSMModelMixin, models.Model):
    number = models.PositiveBigIntegerField(_("number"), unique=True, editable=False)
    status = FSMIntegerField(
        _("status"), choices=OrderStatus.choices, default=OrderStatus.INCOMPLETE, protected=True
    )

    on_hold = models.BooleanField(_("on hold"), default=False)
    hold_kind = models.CharField(
        _("hold kind"), max_length=32, choices=HoldKind.choices, blank=True
    )
    hold_reason = models.CharField(_("hold reason"), max_length=500, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)

    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    market = models.CharField(_("market"), max_length=32, blank=True)
    pricelist = models.CharField(_("pricelist"), max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")

    customer_email = models.EmailField(_("customer email"), blank=True)
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)

    billing_name = models.CharField(_("billing name"), max_length=200, blank=True)
    billing_street = models.CharField(_("billing street"), max_length=200, blank=True)
    billing_city = models.CharField(_("billing city"), max_length=100, blank=True)
    billing_zipcode = models.CharField(_("billing zipcode"), max_length=20, blank=True)
    billing_country = models.CharField(
        _("billing country"), max_length=2, blank=True, help_text=_("ISO 3166 code")
    )
    shipping_name = models.CharField(_("shipping name"), max_length=200, blank=True)
    shipping_street = models.CharField(_("shipping street"), max_length=200, blank=True)
    shipping_city = models.CharField(_("shipping city"), max_length=100, blank=True)
    shipping_zipcode = models.CharField(_("shipping zipcode"), max_length=20, blank=True)
    shipping_country = models.CharField(
        _("shipping country"), max_length=2, blank=True, help_text=_("ISO 3166 code")
    )

    shipping_method = models.CharField(_("shipping method"), max_length=100, blank=True)
    shipping_price = models.DecimalField(_("shipping price"), **MONEY_FIELD)
    # Set by staff on a selection (`backoffice.services.staff_orders.set_shipping_price`):
    # pricing again keeps it instead of the shipping method's price.
    shipping_price_by_hand = models.BooleanField(_("shipping price by hand"), default=False)
    payment_method = models.CharField(_("payment method"), max_length=64, blank=True)
    # The catalogue's voucher code whose discount the lines carry (a selection's).
    voucher = models.CharField(_("voucher"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    gift_message = models.TextField(_("gift message"), blank=True)

    # Stored so lists, filters and sorting never recompute it; written only by
    # `recalculate_totals()` from the one totals function.
    grand_total = models.DecimalField(_("grand total"), **MONEY_FIELD)

    cancel_reason = models.CharField(_("cancel reason"), max_length=500, blank=True)

    origin = models.CharField(
        _("origin"), max_length=16, choices=OrderOrigin.choices, default=OrderOrigin.STOREFRONT
    )
    # The order an exchange or a resend was made for (its return, if any, points
    # here from `returns.Return.exchange_order`).
    related_order = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        # Its partial index (`order_related_idx`): only the few staff-made orders.
        db_index=False,
        help_text=_("The original order of an exchange or a resend."),
        verbose_name=_("related order"),
    )

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    placed_at = models.DateTimeField(_("placed at"), null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    # Set once its customer's personal data is erased (backoffice.services.anonymize).
    anonymized_at = models.DateTimeField(_("anonymized at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-number"]
        permissions = [
            ("checkout_order", "Can create an order from a selection (checkout)"),
            ("confirm_order", "Can confirm orders"),
            ("unconfirm_order", "Can unconfirm orders"),
            ("hold_order", "Can put orders on hold"),
            ("resume_order", "Can resume held orders"),
            ("cancel_order", "Can cancel orders"),
            ("archive_order", "Can archive orders"),
            ("reactivate_order", "Can reactivate archived orders"),
            ("purge_order", "Can permanently delete cancelled orders"),
            ("export_order", "Can export orders to CSV"),
            ("cancel_products", "Can cancel products of orders"),
            ("restore_products", "Can restore cancelled products of orders"),
            ("restore_order", "Can restore cancelled orders"),
            ("anonymize_order", "Can anonymise a customer's orders"),
            ("create_selection", "Can create selections and orders in the back office"),
        ]
        indexes = ORDER_INDEXES
        constraints = [
            models.CheckConstraint(
                condition=Q(grand_total__gte=0, shipping_price__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(on_hold=False) | Q(status__in=OPEN_STATUSES),
                name="order_hold_only_when_open",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Order %(number)s") % {"number": self.number}

    def save(self, *args, **kwargs):
        if self.number is None:
            self.number = next_order_number()
        # Stored lower-cased so a lookup by email is an indexed equality.
        self.customer_email = self.customer_email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def on_hold_for_payment(self) -> bool:
        """Placed by staff and waiting for the customer to pay at a payment link."""
        return (
            self.status in OPEN_STATUSES
            and self.on_hold
            and self.hold_kind == HoldKind.WAITING_FOR_PAYMENT
        )

    @property
    def state_label(self) -> str:
        return self.get_status_display()

    @property
    def version(self) -> str:
        """Which state of the order a page shows: any save of the order changes it."""
        return self.updated_at.isoformat() if self.updated_at else ""

    def totals(self) -> Totals:
        return compute_totals(
            self.lines.all(), shipping=self.shipping_price, currency=self.currency
        )

    def recalculate_totals(self) -> Totals:
        totals = self.totals()
        self.grand_total = totals.grand_total
        return totals

    def lines_with_shipped(self) -> models.QuerySet[OrderLine]:
        """The lines, each annotated with `quantity_in_shipments` (any shipment status)."""
        return self.lines.annotate(
            quantity_in_shipments=Coalesce(Sum("shipment_lines__quantity"), 0)
        ).order_by("pk")

    def is_fully_shipped(self) -> bool:
        """Every shipment completed and every line shipped or cancelled."""
        if self.shipments.exclude_completed().exists():
            return False
        return all(line.quantity_unshipped == 0 for line in self.lines_with_shipped())

    def has_nothing_left_to_capture(self) -> bool:
        """Every unit shipped or cancelled, and every shipment paid: the money is settled."""
        if self.shipments.open().exists() or self.shipments.awaiting_capture().exists():
            return False
        return all(line.quantity_unshipped == 0 for line in self.lines_with_shipped())

    # Transitions change state only: no save, no I/O. Services call them.

    @transition(
        field=status,
        source=OrderStatus.INCOMPLETE,
        target=RETURN_VALUE(OrderStatus.PENDING, OrderStatus.CONFIRMED),
        conditions=[has_lines, has_billing_address],
        permission="orders.checkout_order",
        custom={
            "label": pgettext_lazy("order step", "create order"),
            "past": pgettext_lazy("order step done", "checked out"),
        },
    )
    def checkout(self, *, autoconfirm: bool) -> int:
        """Place the order; the store's Autoconfirm option picks the target."""
        self.placed_at = timezone.now()
        if autoconfirm:
            self.confirmed_at = self.placed_at
            return OrderStatus.CONFIRMED
        return OrderStatus.PENDING

    @transition(
        field=status,
        source=OrderStatus.PENDING,
        target=OrderStatus.CONFIRMED,
        conditions=[is_not_on_hold],
        permission="orders.confirm_order",
        custom={
            "label": pgettext_lazy("order step", "confirm"),
            "past": pgettext_lazy("order step done", "confirmed"),
        },
    )
    def confirm(self) -> None:
        self.confirmed_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.CONFIRMED,
        target=OrderStatus.PENDING,
        conditions=[is_not_on_hold],
        permission="orders.unconfirm_order",
        custom={
            "label": pgettext_lazy("order step", "unconfirm"),
            "past": pgettext_lazy("order step done", "unconfirmed"),
        },
    )
    def unconfirm(self) -> None:
        self.confirmed_at = None

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=None,
        conditions=[is_not_already_held],
        permission="orders.hold_order",
        custom={
            "label": pgettext_lazy("order step", "hold"),
            "past": pgettext_lazy("order step done", "put on hold"),
        },
    )
    def hold(self, *, kind: str, reason: str) -> None:
        self.on_hold = True
        self.hold_kind = kind
        self.hold_reason = reason
        self.held_at = timezone.now()

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=None,
        conditions=[is_on_hold, is_not_waiting_for_its_link],
        permission="orders.resume_order",
        custom={
            "label": pgettext_lazy("order step", "resume"),
            "past": pgettext_lazy("order step done", "resumed"),
        },
    )
    def resume(self) -> None:
        self.on_hold = False
        self.hold_kind = ""
        self.hold_reason = ""
        self.held_at = None

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=OrderStatus.CANCELLED,
        conditions=[has_nothing_captured, has_no_paid_shipments],
        permission="orders.cancel_order",
        custom={
            "label": pgettext_lazy("order step", "cancel"),
            "past": pgettext_lazy("order step done", "cancelled"),
        },
    )
    def cancel(self, *, reason: str) -> None:
        # Cancel is allowed on hold (a fraud hold usually ends here); a cancelled
        # order cannot proceed, so the hold has nothing left to stop.
        self.on_hold = False
        self.cancel_reason = reason
        self.cancelled_at = timezone.now()

    # Cancelling products keeps the order where it is. Where it may lead are
    # transitions of their own, so the machine shows only edges the service
    # takes: every unit cancelled (`cancel_emptied`), and the last open units of
    # a fully shipped order (`complete`, through `orders.services.complete_when_fully_shipped`).
    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=None,
        permission="orders.cancel_products",
        custom={
            "label": pgettext_lazy("order step", "cancel products"),
            "past": pgettext_lazy("order step done", "changed"),
            "of": _("of orders"),
        },
    )
    def cancel_products(self) -> None:
        """Only the check: the service sets the cancelled units on the lines.

        Allowed on hold: it shrinks the order rather than moving it on.
        """

    # An order with a shipment has units in it that cannot be cancelled, so only
    # a Pending or Confirmed order can lose every unit.
    @transition(
        field=status,
        source=[OrderStatus.PENDING, OrderStatus.CONFIRMED],
        target=OrderStatus.CANCELLED,
        permission="orders.cancel_products",
        custom={
            "label": pgettext_lazy("order step", "cancel products"),
            "past": pgettext_lazy("order step done", "cancelled"),
            "of": _("of orders"),
        },
    )
    def cancel_emptied(self, *, reason: str) -> None:
        """Every unit of the order is cancelled (cancel products), so the order is too."""
        self.on_hold = False
        self.cancel_reason = reason
        self.cancelled_at = timezone.now()

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=None,
        permission="orders.restore_products",
        custom={
            "label": pgettext_lazy("order step", "restore products"),
            "past": pgettext_lazy("order step done", "changed"),
            "of": _("of orders"),
        },
    )
    def restore_products(self) -> None:
        """Only the check: the service puts the units back on the lines."""

    @transition(
        field=status,
        source=OrderStatus.CANCELLED,
        target=OrderStatus.PENDING,
        conditions=[had_nothing_captured, has_active_units],
        permission="orders.restore_order",
        custom={
            "label": pgettext_lazy("order step", "restore"),
            "past": pgettext_lazy("order step done", "restored"),
        },
    )
    def restore(self) -> None:
        self.confirmed_at = None
        self.cancelled_at = None
        self.cancel_reason = ""

    # The shipments drive these three; the shipments services call them, under
    # the shipments app's permissions, inside the shipment's own transaction.

    @transition(
        field=status,
        source=[OrderStatus.CONFIRMED, OrderStatus.PROCESSING],
        target=OrderStatus.PROCESSING,
        conditions=[is_not_on_hold_for_shipping, has_something_to_ship],
        permission="shipments.create_shipment",
        custom={
            "label": pgettext_lazy("order step", "expedite"),
            "past": pgettext_lazy("order step done", "expedited"),
        },
    )
    def start_processing(self) -> None:
        """A shipment is being created (the first one moves Confirmed to Processing)."""

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.CONFIRMED,
        conditions=[has_no_shipments],
        permission="shipments.delete_shipment",
        custom={
            "label": pgettext_lazy("order step", "return to Confirmed"),
            "past": pgettext_lazy("order step done", "returned to Confirmed"),
        },
    )
    def return_to_confirmed(self) -> None:
        """Its last shipment was deleted."""

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.COMPLETED,
        conditions=[is_not_on_hold_for_shipping, has_everything_shipped],
        permission="shipments.complete_shipment",
        custom={
            "label": pgettext_lazy("order step", "complete"),
            "past": pgettext_lazy("order step done", "completed"),
        },
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.COMPLETED,
        target=OrderStatus.ARCHIVED,
        permission="orders.archive_order",
        custom={
            "label": pgettext_lazy("order step", "archive"),
            "past": pgettext_lazy("order step done", "archived"),
        },
    )
    def archive(self) -> None:
        self.archived_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.ARCHIVED,
        target=OrderStatus.COMPLETED,
        permission="orders.reactivate_order",
        custom={
            "label": pgettext_lazy("order step", "reactivate"),
            "past": pgettext_lazy("order step done", "reactivated"),
        },
    )
    def reactivate(self) -> None:
        self.archived_at = None

    @transition(
        field=status,
        source=OrderStatus.CANCELLED,
        target=None,
        permission="orders.purge_order",
        custom={
            "label": pgettext_lazy("order step", "delete permanently"),
            "past": pgettext_lazy("order step done", "deleted permanently"),
        },
    )
    def delete_permanently(self) -> None:
        """Only the check: the service removes the row and leaves a tombstone."""

    # Uses Django's default "delete order" permission rather than a new custom one:
    # that exists already and needs no migration.
    @transition(
        field=status,
        source=OrderStatus.INCOMPLETE,
        target=None,
        permission="orders.delete_order",
        custom={
            "label": pgettext_lazy("order step", "discard selection"),
            "past": pgettext_lazy("order step done", "discarded"),
        },
    )
    def discard(self) -> None:
        """Only the check: an abandoned selection goes; the service removes the row."""
