from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMIntegerField, FSMModelMixin, transition

from core.fsm import order_not_on_hold, refuses_with
from core.money import MONEY_FIELD, Totals, compute_totals


class OrderStatus(models.IntegerChoices):
    """Centra's order statuses, with Centra's numbers."""

    INCOMPLETE = 0, "Incomplete"
    PENDING = 1, "Pending"
    CONFIRMED = 2, "Confirmed"
    PROCESSING = 3, "Processing"
    COMPLETED = 4, "Completed"
    ARCHIVED = 5, "Archived"
    CANCELLED = 6, "Cancelled"


OPEN_STATUSES = [OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PROCESSING]


class HoldKind(models.TextChoices):
    MANUAL = "manual", "Manual"
    PAYMENT_MISMATCH = "payment_mismatch", "Payment mismatch"
    FRAUD_CHECK = "fraud_check", "Fraud check"
    WAITING_FOR_PAYMENT = "waiting_for_payment", "Waiting for payment"


is_not_on_hold = order_not_on_hold()
is_not_on_hold_for_shipping = order_not_on_hold(until="before shipping")


@refuses_with("{obj} is already on hold.")
def is_not_already_held(order: Order) -> bool:
    return not order.on_hold


@refuses_with("{obj} is not on hold.")
def is_on_hold(order: Order) -> bool:
    return order.on_hold


# The shipment conditions reach the shipments app only through its reverse
# relations (`order.shipments`, `line.shipment_lines`), so orders never imports it.


@refuses_with("{obj} has nothing left to ship.")
def has_something_to_ship(order: Order) -> bool:
    return any(line.quantity_unshipped > 0 for line in order.lines_with_shipped())


@refuses_with("{obj} still has shipments.")
def has_no_shipments(order: Order) -> bool:
    return not order.shipments.exists()


@refuses_with("{obj} still has lines or shipments to complete.")
def is_fully_shipped(order: Order) -> bool:
    return order.is_fully_shipped()


@refuses_with("{obj} has paid shipments: refund them through a return instead.")
def has_no_paid_shipments(order: Order) -> bool:
    return not order.shipments.paid().exists()


@refuses_with("{obj} has no lines to order.")
def has_lines(order: Order) -> bool:
    return order.lines.exists()


@refuses_with("{obj} has no billing address.")
def has_billing_address(order: Order) -> bool:
    return bool(order.billing_street and order.billing_city and order.billing_country)


@refuses_with("{obj} has captured payments: refund them through a return instead of cancelling.")
def has_nothing_captured(order: Order) -> bool:
    # Read through the reverse accessor: orders never imports the payments app.
    try:
        payment = order.payment
    except ObjectDoesNotExist:
        return True
    return not payment.captured_amount


def next_order_number() -> int:
    """The next human order number.

    PostgreSQL hands them out from a sequence (no lock, no hot row); SQLite, the
    local default, serializes writers anyway, so MAX + 1 is safe there.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval('orders_order_number_seq')")
        else:
            cursor.execute("SELECT COALESCE(MAX(number), 1000) + 1 FROM orders_order")
        return cursor.fetchone()[0]


class Order(FSMModelMixin, models.Model):
    number = models.PositiveBigIntegerField(unique=True, editable=False)
    status = FSMIntegerField(
        choices=OrderStatus.choices, default=OrderStatus.INCOMPLETE, protected=True
    )

    on_hold = models.BooleanField(default=False)
    hold_kind = models.CharField(max_length=32, choices=HoldKind.choices, blank=True)
    hold_reason = models.CharField(max_length=500, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)

    currency = models.CharField(max_length=3, default="EUR")
    market = models.CharField(max_length=32, blank=True)
    pricelist = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, default="en")

    customer_email = models.EmailField(blank=True)
    customer_name = models.CharField(max_length=200, blank=True)

    billing_name = models.CharField(max_length=200, blank=True)
    billing_street = models.CharField(max_length=200, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_zipcode = models.CharField(max_length=20, blank=True)
    billing_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code")
    shipping_name = models.CharField(max_length=200, blank=True)
    shipping_street = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100, blank=True)
    shipping_zipcode = models.CharField(max_length=20, blank=True)
    shipping_country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code")

    shipping_method = models.CharField(max_length=100, blank=True)
    shipping_price = models.DecimalField(**MONEY_FIELD)
    payment_method = models.CharField(max_length=64, blank=True)
    notes = models.TextField(blank=True)
    gift_message = models.TextField(blank=True)

    # Stored so lists, filters and sorting never recompute it; written only by
    # `recalculate_totals()` from the one totals function.
    grand_total = models.DecimalField(**MONEY_FIELD)

    cancel_reason = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    placed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
        ]
        indexes = [
            models.Index(fields=["status", "-number"], name="order_status_number_idx"),
            models.Index(fields=["status", "placed_at"], name="order_status_placed_idx"),
            models.Index(fields=["status", "completed_at"], name="order_status_completed_idx"),
            models.Index(fields=["status", "cancelled_at"], name="order_status_cancelled_idx"),
            models.Index(fields=["placed_at"], name="order_placed_idx"),
            models.Index(fields=["customer_email"], name="order_email_idx"),
            models.Index(fields=["-number"], condition=Q(on_hold=True), name="order_on_hold_idx"),
            # The admin list's market and country filters, in its default order.
            models.Index(fields=["market", "-number"], name="order_market_number_idx"),
            models.Index(fields=["shipping_country", "-number"], name="order_country_number_idx"),
            models.Index(fields=["grand_total"], name="order_grand_total_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(on_hold=False) | Q(status__in=OPEN_STATUSES),
                name="order_hold_only_when_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def save(self, *args, **kwargs):
        if self.number is None:
            self.number = next_order_number()
        # Stored lower-cased so a lookup by email is an indexed equality.
        self.customer_email = self.customer_email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def state_label(self) -> str:
        return self.get_status_display()

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

    # Transitions change state only: no save, no I/O. Services call them.

    @transition(
        field=status,
        source=OrderStatus.INCOMPLETE,
        target=RETURN_VALUE(OrderStatus.PENDING, OrderStatus.CONFIRMED),
        conditions=[has_lines, has_billing_address],
        permission="orders.checkout_order",
        custom={"label": "create order", "past": "checked out"},
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
    )
    def confirm(self) -> None:
        self.confirmed_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.CONFIRMED,
        target=OrderStatus.PENDING,
        conditions=[is_not_on_hold],
        permission="orders.unconfirm_order",
    )
    def unconfirm(self) -> None:
        self.confirmed_at = None

    @transition(
        field=status,
        source=OPEN_STATUSES,
        target=None,
        conditions=[is_not_already_held],
        permission="orders.hold_order",
        custom={"label": "hold", "past": "put on hold"},
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
        conditions=[is_on_hold],
        permission="orders.resume_order",
        custom={"label": "resume", "past": "resumed"},
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
        custom={"label": "cancel", "past": "cancelled"},
    )
    def cancel(self, *, reason: str) -> None:
        # Cancel is allowed on hold (a fraud hold usually ends here); a cancelled
        # order cannot proceed, so the hold has nothing left to stop.
        self.on_hold = False
        self.cancel_reason = reason
        self.cancelled_at = timezone.now()

    # The shipments drive these three; the shipments services call them, under
    # the shipments app's permissions, inside the shipment's own transaction.

    @transition(
        field=status,
        source=[OrderStatus.CONFIRMED, OrderStatus.PROCESSING],
        target=OrderStatus.PROCESSING,
        conditions=[is_not_on_hold_for_shipping, has_something_to_ship],
        permission="shipments.create_shipment",
        custom={"label": "expedite", "past": "shipped"},
    )
    def start_processing(self) -> None:
        """A shipment is being created (the first one moves Confirmed to Processing)."""

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.CONFIRMED,
        conditions=[has_no_shipments],
        permission="shipments.delete_shipment",
        custom={"label": "return to Confirmed", "past": "returned to Confirmed"},
    )
    def return_to_confirmed(self) -> None:
        """Its last shipment was deleted."""

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.COMPLETED,
        conditions=[is_not_on_hold_for_shipping, is_fully_shipped],
        permission="shipments.complete_shipment",
        custom={"label": "complete", "past": "completed"},
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.COMPLETED,
        target=OrderStatus.ARCHIVED,
        permission="orders.archive_order",
        custom={"label": "archive", "past": "archived"},
    )
    def archive(self) -> None:
        self.archived_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.ARCHIVED,
        target=OrderStatus.COMPLETED,
        permission="orders.reactivate_order",
        custom={"label": "reactivate", "past": "reactivated"},
    )
    def reactivate(self) -> None:
        self.archived_at = None

    @transition(
        field=status,
        source=OrderStatus.CANCELLED,
        target=None,
        permission="orders.purge_order",
        custom={"label": "delete permanently", "past": "deleted permanently"},
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
        custom={"label": "discard selection", "past": "discarded"},
    )
    def discard(self) -> None:
        """Only the check: an abandoned selection goes; the service removes the row."""


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField("SKU", max_length=64, db_index=True)
    product_name = models.CharField(max_length=200)
    variant = models.CharField("variant / size", max_length=100, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField("unit price incl. tax", **MONEY_FIELD)
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("25.00"))
    discount = models.DecimalField(
        **MONEY_FIELD, help_text="Discount on the whole line, tax included."
    )
    quantity_cancelled = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_cancelled__lte=models.F("quantity")),
                name="line_cancelled_within_quantity",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="line_discount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku} {self.product_name}"

    @property
    def quantity_active(self) -> int:
        return self.quantity - self.quantity_cancelled

    @property
    def quantity_unshipped(self) -> int:
        """Active units in no shipment yet; needs `Order.lines_with_shipped()`'s annotation."""
        return self.quantity_active - self.quantity_in_shipments


class OrderEvent(models.Model):
    """One transition of an order, a shipment or a payment, written in its transaction."""

    class Subject(models.TextChoices):
        ORDER = "order", "Order"
        SHIPMENT = "shipment", "Shipment"
        PAYMENT = "payment", "Payment"

    # No index of its own: event_order_time_idx leads with the order, so it serves
    # every lookup by order (the order page, cascading deletes); a second index
    # would only slow the bulk paths' event inserts.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
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
        indexes = [models.Index(fields=["order", "created_at"], name="event_order_time_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.transition} {self.from_state}→{self.to_state}"


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


class StoreSettings(models.Model):
    """The store's options; a single row, edited in the admin."""

    autoconfirm = models.BooleanField(
        "Autoconfirm orders", default=False, help_text="Checkout goes straight to Confirmed."
    )
    direct_to_shipment = models.BooleanField(
        default=False,
        help_text="Checkout creates one good-to-go shipment holding every line.",
    )
    direct_capture = models.BooleanField(
        default=False, help_text="The payment is captured at checkout."
    )
    archive_after_days = models.PositiveIntegerField(
        default=30, help_text="archive_orders archives orders completed this many days ago."
    )
    purge_cancelled_after_days = models.PositiveIntegerField(
        default=90, help_text="purge_cancelled_orders deletes orders cancelled this long ago."
    )
    cleanup_selections_after_days = models.PositiveIntegerField(
        default=30, help_text="cleanup_selections deletes abandoned selections this old."
    )

    class Meta:
        verbose_name = "store settings"
        verbose_name_plural = "store settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="store_settings_singleton")]

    def __str__(self) -> str:
        return "Store settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> StoreSettings:
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row
