"""A shipment: its status machine, the conditions of its steps, and its lines."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.fsm import order_not_on_hold, refuses_with
from core.money import MONEY_FIELD
from orders.models import Order, OrderLine, StoreSettings
from shipments.models.stock import Warehouse


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    GOOD_TO_GO = "good_to_go", _("Good-to-go")
    # Its capture asked of a provider that settles later; paid when it settles.
    CAPTURE_REQUESTED = "capture_requested", _("Capture requested")
    PAID = "paid", _("Paid")
    COMPLETED = "completed", _("Completed")


OPEN_STATUSES = [ShipmentStatus.CREATED, ShipmentStatus.GOOD_TO_GO]
PAID_STATUSES = [ShipmentStatus.PAID, ShipmentStatus.COMPLETED]
# Its amount is charged: paid, or asked of the provider and not settled yet.
CHARGED_STATUSES = [ShipmentStatus.CAPTURE_REQUESTED, *PAID_STATUSES]


class ShipmentQuerySet(models.QuerySet):
    # `orders.models` asks through these (via `order.shipments`), never by status values.

    def open(self) -> ShipmentQuerySet:
        """Not paid yet: may still be deleted, and hold allocated stock."""
        return self.filter(status__in=OPEN_STATUSES)

    def paid(self) -> ShipmentQuerySet:
        """Charged: paid, or its capture requested (either may already be money taken)."""
        return self.filter(status__in=CHARGED_STATUSES)

    def awaiting_capture(self) -> ShipmentQuerySet:
        """Its capture requested, the provider's notification not in yet."""
        return self.filter(status=ShipmentStatus.CAPTURE_REQUESTED)

    def exclude_completed(self) -> ShipmentQuerySet:
        return self.exclude(status=ShipmentStatus.COMPLETED)


order_is_not_on_hold = order_not_on_hold(through="order", until="before shipping")


@refuses_with(
    _(
        "Shipment {obj.ref} was captured through the payment provider, not marked paid by "
        "hand: refund it through a return instead."
    )
)
def was_paid_manually(shipment: Shipment) -> bool:
    return shipment.paid_manually


@refuses_with(
    _(
        "Shipment {obj.ref} waits for its capture to settle: the store completes shipments "
        "only once the provider confirms the capture."
    )
)
def store_completes_on_capture_request(shipment: Shipment) -> bool:
    return StoreSettings.load().complete_on_capture_request


class Shipment(FSMModelMixin, models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order")
    )
    sequence = models.PositiveIntegerField(
        _("sequence"),
        editable=False,
        help_text=_("Numbered per order and never reused: 1042-1, 1042-2."),
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("warehouse")
    )
    status = FSMField(
        _("status"),
        max_length=20,
        choices=ShipmentStatus.choices,
        default=ShipmentStatus.CREATED,
        protected=True,
    )

    # Set when it is paid: its lines' share of the order plus, on the first
    # shipment paid, the order's shipping cost (see services.shipment_amounts).
    amount = models.DecimalField(_("amount"), **MONEY_FIELD)
    shipping_amount = models.DecimalField(_("shipping amount"), **MONEY_FIELD)
    paid_manually = models.BooleanField(
        _("paid manually"),
        default=False,
        help_text=_("Marked paid by hand rather than captured through the provider."),
    )

    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    shipped_date = models.DateField(_("shipped date"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    good_to_go_at = models.DateTimeField(_("good to go at"), null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["order", "sequence"]
        # The admin's tracking search (orders list and shipments list) is an exact,
        # case-sensitive equality: `tracking_number = %s`, which this index serves.
        indexes = [
            models.Index(fields=["tracking_number"], name="shipment_tracking_idx"),
            # The board's tiles (good-to-go, paid and not shipped): the few
            # shipments not completed, by status.
            models.Index(
                fields=["status"],
                condition=~Q(status=ShipmentStatus.COMPLETED),
                name="shipment_unshipped_status_idx",
            ),
            # The board's chart: shipments shipped per day.
            models.Index(fields=["completed_at"], name="shipment_completed_at_idx"),
        ]
        permissions = [
            ("create_shipment", "Can create shipments (expedite orders)"),
            ("good_to_go_shipment", "Can mark shipments good-to-go or no good-to-go"),
            ("capture_shipment", "Can capture shipments through the payment provider"),
            ("mark_paid_shipment", "Can mark shipments paid or unpaid by hand"),
            ("complete_shipment", "Can complete shipments with tracking"),
            ("resend_shipment", "Can resend a completed shipment's goods as a new order"),
            ("resend_above_limit", "Can resend goods worth more than the store's resend limit"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="shipment_number_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="shipment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(shipping_amount__gte=0), name="shipment_shipping_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status=ShipmentStatus.COMPLETED) | Q(shipped_date__isnull=False),
                name="shipment_completed_has_shipped_date",
            ),
            models.CheckConstraint(
                condition=Q(paid_manually=False) | Q(status__in=PAID_STATUSES),
                name="shipment_paid_manually_only_when_paid",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Shipment %(ref)s") % {"ref": self.ref}

    @property
    def ref(self) -> str:
        """The number staff know it by, e.g. "1042-1"."""
        return f"{self.order.number}-{self.sequence}"

    @property
    def state_label(self) -> str:
        return self.get_status_display()

    # Transitions change state only: no save, no I/O. shipments.services calls them.

    @transition(
        field=status,
        source=ShipmentStatus.CREATED,
        target=ShipmentStatus.GOOD_TO_GO,
        conditions=[order_is_not_on_hold],
        permission="shipments.good_to_go_shipment",
        custom={"label": _("mark good-to-go"), "past": _("marked good-to-go")},
    )
    def good_to_go(self) -> None:
        self.good_to_go_at = timezone.now()

    @transition(
        field=status,
        source=ShipmentStatus.GOOD_TO_GO,
        target=ShipmentStatus.CREATED,
        permission="shipments.good_to_go_shipment",
        custom={"label": _("mark no good-to-go"), "past": _("marked no good-to-go")},
    )
    def not_good_to_go(self) -> None:
        self.good_to_go_at = None

    @transition(
        field=status,
        source=ShipmentStatus.GOOD_TO_GO,
        target=ShipmentStatus.PAID,
        conditions=[order_is_not_on_hold],
        permission="shipments.capture_shipment",
        custom={"label": _("capture"), "past": _("captured")},
    )
    def capture(self) -> None:
        self.paid_manually = False
        self.paid_at = timezone.now()

    @transition(
        field=status,
        source=ShipmentStatus.GOOD_TO_GO,
        target=ShipmentStatus.PAID,
        conditions=[order_is_not_on_hold],
        permission="shipments.mark_paid_shipment",
        custom={"label": _("mark paid"), "past": _("marked paid")},
    )
    def mark_paid(self) -> None:
        self.paid_manually = True
        self.paid_at = timezone.now()

    @transition(
        field=status,
        source=ShipmentStatus.GOOD_TO_GO,
        target=ShipmentStatus.CAPTURE_REQUESTED,
        conditions=[order_is_not_on_hold],
        permission="shipments.capture_shipment",
        custom={"label": _("capture"), "past": _("capture requested")},
    )
    def request_capture(self) -> None:
        """The provider took the capture as a request: paid when it settles."""
        self.paid_manually = False

    # The provider's word, by its notification: no permission, no hold condition
    # (a hold stops staff, not money already asked for).

    @transition(
        field=status,
        source=ShipmentStatus.CAPTURE_REQUESTED,
        target=ShipmentStatus.PAID,
        custom={"label": _("settle capture"), "past": _("paid")},
    )
    def settle_capture(self) -> None:
        self.paid_at = timezone.now()

    @transition(
        field=status,
        source=ShipmentStatus.CAPTURE_REQUESTED,
        target=ShipmentStatus.GOOD_TO_GO,
        custom={"label": _("fail capture"), "past": _("back to good-to-go")},
    )
    def fail_capture(self) -> None:
        """Back where it was before the capture; the failure is in the payment's ledger."""

    @transition(
        field=status,
        source=ShipmentStatus.PAID,
        target=ShipmentStatus.GOOD_TO_GO,
        conditions=[was_paid_manually],
        permission="shipments.mark_paid_shipment",
        custom={"label": _("mark unpaid"), "past": _("marked unpaid")},
    )
    def mark_unpaid(self) -> None:
        self.paid_manually = False
        self.paid_at = None

    @transition(
        field=status,
        source=ShipmentStatus.PAID,
        target=ShipmentStatus.COMPLETED,
        conditions=[order_is_not_on_hold],
        permission="shipments.complete_shipment",
        custom={"label": _("complete"), "past": _("completed")},
    )
    @transition(
        field=status,
        source=ShipmentStatus.CAPTURE_REQUESTED,
        target=ShipmentStatus.COMPLETED,
        conditions=[order_is_not_on_hold, store_completes_on_capture_request],
        permission="shipments.complete_shipment",
        custom={"label": _("complete"), "past": _("completed")},
    )
    def complete(self, *, tracking_number: str, carrier: str, shipped_date: date) -> None:
        self.tracking_number = tracking_number
        self.carrier = carrier
        self.shipped_date = shipped_date
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=None,
        permission="shipments.delete_shipment",
        custom={"label": _("delete"), "past": _("deleted")},
    )
    def delete_shipment(self) -> None:
        """Only the check: the service releases the stock and removes the row."""

    # A resend is a new order (`backoffice.services.resends`); the shipment keeps
    # its status and tracking, so the edge stays where it is.
    @transition(
        field=status,
        source=ShipmentStatus.COMPLETED,
        target=None,
        permission="shipments.resend_shipment",
        custom={"label": _("resend"), "past": _("resent")},
    )
    def resend(self) -> None:
        """Only the check: the service makes the resend order."""


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("shipment")
    )
    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.CASCADE,
        related_name="shipment_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(
        _("amount"),
        **MONEY_FIELD,
        help_text=_("This line's share of the shipment's amount, set when it is paid."),
    )

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["shipment", "order_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "order_line"], name="shipment_line_once_per_shipment"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.sku}"
