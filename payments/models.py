"""Payment and its ledger (docs/architecture.md, "Money").

The payment's amounts move only through its transitions, and every provider
call is a `PaymentTransaction` row, so the successful rows of the ledger always
add up to the payment's amounts. The database holds the invariants
captured ≤ authorized, refunded ≤ captured and no negative amount.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from core.fsm import order_not_on_hold, refuses_with
from core.money import MONEY_FIELD, ZERO
from orders.models import Order


class PaymentStatus(models.TextChoices):
    # Only in memory, before the first authorization: every saved payment has
    # been authorized or has failed to be.
    NEW = "new", "Not authorized"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_CAPTURED = "partially_captured", "Partially captured"
    CAPTURED = "captured", "Captured"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"
    FAILED = "failed", "Failed"


# States in which part of the authorization may still be open for capture.
CAPTURABLE = [
    PaymentStatus.AUTHORIZED,
    PaymentStatus.PARTIALLY_CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
]
REFUNDABLE = [
    PaymentStatus.PARTIALLY_CAPTURED,
    PaymentStatus.CAPTURED,
    PaymentStatus.PARTIALLY_REFUNDED,
]


def status_for(
    *, authorized: Decimal, captured: Decimal, refunded: Decimal, released: Decimal = ZERO
) -> str:
    """The status the amounts of a live (authorized) payment stand for.

    What was released is no longer open, so a payment captured up to what is
    left of its authorization is Captured, and one with all of it released and
    nothing captured is Voided.
    """
    if not captured:
        return PaymentStatus.VOIDED if released >= authorized else PaymentStatus.AUTHORIZED
    if not refunded:
        return (
            PaymentStatus.CAPTURED
            if captured == authorized - released
            else PaymentStatus.PARTIALLY_CAPTURED
        )
    return PaymentStatus.REFUNDED if refunded == captured else PaymentStatus.PARTIALLY_REFUNDED


@refuses_with("{obj} has nothing left to capture.")
def has_open_authorization(payment: Payment) -> bool:
    return payment.open_amount > 0


order_is_not_on_hold = order_not_on_hold(through="order", until="before capturing")


@refuses_with("{obj} has nothing captured left to refund.")
def has_refundable_amount(payment: Payment) -> bool:
    return payment.refundable_amount > 0


@refuses_with("{obj} has no authorization left to release.")
def has_authorization_to_release(payment: Payment) -> bool:
    return payment.open_amount > 0


@refuses_with("{obj.order} still has products to ship or shipments to pay.")
def has_nothing_left_to_capture(payment: Payment) -> bool:
    return payment.order.has_nothing_left_to_capture()


@refuses_with(
    "Part of the authorization of {obj.order} was released: refund instead of marking unpaid."
)
def has_nothing_released(payment: Payment) -> bool:
    return not payment.released_amount


# Who may refund depends on what the refund is for, and is decided here only:
# the money of a return goes back with the return's own permission (Finance),
# any other refund from the payment is a goodwill refund (Back-office admin).
GOODWILL_REFUND = "payments.goodwill_refund"
RETURN_REFUND = "returns.refund_return"


def refund_permission(*, return_ref: str) -> str:
    """The permission a refund needs: a return's (with its number), or a goodwill one."""
    return RETURN_REFUND if return_ref else GOODWILL_REFUND


def may_refund(payment: Payment, user) -> bool:
    """The refund transition's permission, for the refund `refund_payment` is making."""
    return user.has_perm(refund_permission(return_ref=payment.refunding_return))


def may_void(payment: Payment, user) -> bool:
    """Voiding releases the money held for an order that will not ship, so whoever
    may cancel the order may release its authorization."""
    return user.has_perm("payments.void_payment") or user.has_perm("orders.cancel_order")


class Payment(FSMModelMixin, models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="payment")
    status = FSMField(
        max_length=32, choices=PaymentStatus.choices, default=PaymentStatus.NEW, protected=True
    )
    method = models.CharField(max_length=64, help_text="The order's payment method.")
    provider = models.CharField(max_length=64, help_text="The gateway that handles it.")
    provider_reference = models.CharField(max_length=128, blank=True)
    currency = models.CharField(max_length=3)
    authorized_amount = models.DecimalField(**MONEY_FIELD)
    captured_amount = models.DecimalField(**MONEY_FIELD)
    refunded_amount = models.DecimalField(**MONEY_FIELD)
    # Given back to the customer's card without capture: a void, or the release of
    # what is left once the order needs no more.
    released_amount = models.DecimalField(**MONEY_FIELD)
    test_decline = models.CharField(
        max_length=64,
        blank=True,
        help_text="Test gateway only: operations it declines, e.g. “capture,void”.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Not a column: the return a refund being made is for ("1042-R1"), set by
    # `refund_payment` on the locked row for the one call; empty for a goodwill refund.
    refunding_return: str = ""

    class Meta:
        ordering = ["-id"]
        # The orders list's payment filter joins on the one-to-one and filters here.
        indexes = [
            models.Index(fields=["status"], name="payment_status_idx"),
            models.Index(fields=["provider_reference"], name="payment_provider_ref_idx"),
        ]
        permissions = [
            ("capture_payment", "Can capture payments"),
            ("goodwill_refund", "Can make goodwill refunds"),
            ("void_payment", "Can void payment authorizations"),
            ("record_manual_payment", "Can mark payments as paid or unpaid by hand"),
            ("release_authorization", "Can release the remaining authorization of payments"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    authorized_amount__gte=0,
                    captured_amount__gte=0,
                    refunded_amount__gte=0,
                    released_amount__gte=0,
                ),
                name="payment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(captured_amount__lte=F("authorized_amount") - F("released_amount")),
                name="payment_captured_within_authorized",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("captured_amount")),
                name="payment_refunded_within_captured",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment of order {self.order.number}"

    @property
    def state_label(self) -> str:
        return self.get_status_display()

    @property
    def open_amount(self) -> Decimal:
        """What is authorized and not yet captured (nothing once voided or failed)."""
        if self.status in (PaymentStatus.NEW, PaymentStatus.VOIDED, PaymentStatus.FAILED):
            return ZERO
        return self.authorized_amount - self.captured_amount - self.released_amount

    @property
    def refundable_amount(self) -> Decimal:
        return self.captured_amount - self.refunded_amount

    def _status_now(self) -> str:
        return status_for(
            authorized=self.authorized_amount,
            captured=self.captured_amount,
            refunded=self.refunded_amount,
            released=self.released_amount,
        )

    # Transitions change state (status and amounts) only: no save, no I/O.

    @transition(
        field=status,
        source=[PaymentStatus.NEW, PaymentStatus.FAILED],
        target=RETURN_VALUE(PaymentStatus.AUTHORIZED, PaymentStatus.FAILED),
        custom={"label": "authorize", "past": "authorized"},
    )
    def authorize(self, *, amount: Decimal, approved: bool) -> str:
        """The provider's answer to the checkout's authorization.

        No permission of its own: checkout, which asks for it, checks the
        actor's right to create the order.
        """
        self.authorized_amount = amount if approved else ZERO
        return PaymentStatus.AUTHORIZED if approved else PaymentStatus.FAILED

    @transition(
        field=status,
        source=CAPTURABLE,
        target=RETURN_VALUE(
            PaymentStatus.PARTIALLY_CAPTURED,
            PaymentStatus.CAPTURED,
            PaymentStatus.PARTIALLY_REFUNDED,
        ),
        conditions=[has_open_authorization, order_is_not_on_hold],
        permission="payments.capture_payment",
        custom={"label": "capture", "past": "captured"},
    )
    def capture(self, *, amount: Decimal) -> str:
        self.captured_amount += amount
        return self._status_now()

    @transition(
        field=status,
        source=CAPTURABLE,
        target=RETURN_VALUE(
            PaymentStatus.PARTIALLY_CAPTURED,
            PaymentStatus.CAPTURED,
            PaymentStatus.PARTIALLY_REFUNDED,
        ),
        conditions=[has_open_authorization, order_is_not_on_hold],
        permission="payments.record_manual_payment",
        custom={"label": "mark as paid", "past": "marked as paid"},
    )
    def record_manual(self, *, amount: Decimal) -> str:
        self.captured_amount += amount
        return self._status_now()

    @transition(
        field=status,
        source=[PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED],
        target=RETURN_VALUE(PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED),
        conditions=[has_nothing_released],
        permission="payments.record_manual_payment",
        custom={"label": "mark as unpaid", "past": "marked as unpaid"},
    )
    def reverse_manual(self, *, amount: Decimal) -> str:
        self.captured_amount -= amount
        return self._status_now()

    @transition(
        field=status,
        source=REFUNDABLE,
        target=RETURN_VALUE(PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED),
        conditions=[has_refundable_amount],
        permission=may_refund,
        custom={"label": "refund", "past": "refunded"},
    )
    def refund(self, *, amount: Decimal) -> str:
        self.refunded_amount += amount
        return self._status_now()

    @transition(
        field=status,
        source=PaymentStatus.AUTHORIZED,
        target=PaymentStatus.VOIDED,
        permission=may_void,
        custom={"label": "void", "past": "voided"},
    )
    def void(self) -> None:
        """Releases the whole authorization; the amounts stay as the history of it."""
        self.released_amount += self.open_amount

    @transition(
        field=status,
        source=CAPTURABLE,
        target=RETURN_VALUE(
            PaymentStatus.VOIDED,
            PaymentStatus.CAPTURED,
            PaymentStatus.PARTIALLY_REFUNDED,
            PaymentStatus.REFUNDED,
        ),
        conditions=[has_authorization_to_release, has_nothing_left_to_capture],
        permission="payments.release_authorization",
        custom={
            "label": "release remaining authorization",
            "past": "released",
            "of": "of payments",
        },
    )
    def release(self) -> str:
        """Give back what is authorized and will never be captured."""
        self.released_amount += self.open_amount
        return self._status_now()

    @transition(
        field=status,
        source=PaymentStatus.VOIDED,
        target=RETURN_VALUE(PaymentStatus.AUTHORIZED, PaymentStatus.VOIDED),
        custom={"label": "authorize again", "past": "authorized again"},
    )
    def reauthorize(self, *, amount: Decimal, approved: bool) -> str:
        """The provider's answer to a new authorization for a restored order.

        Added to what was authorized before (all of it released), so the ledger's
        authorizations still add up to `authorized_amount`. No permission of its
        own: restoring the order, which asks for it, checks the actor's.
        """
        if approved:
            self.authorized_amount += amount
        return self._status_now()


class PaymentTransactionQuerySet(models.QuerySet):
    def refund_of(self, return_ref: str) -> PaymentTransaction | None:
        """The successful refund made for a return, if any (at most one: a constraint)."""
        if not return_ref:
            return None
        return self.filter(
            kind=PaymentTransaction.Kind.REFUND,
            outcome=PaymentTransaction.Outcome.SUCCESS,
            return_ref=return_ref,
        ).first()

    def live_capture_of(self, shipment_ref: str) -> PaymentTransaction | None:
        """The capture (by provider or by hand) that pays a shipment now, if any.

        A capture marked paid by hand and then marked unpaid is reversed, and no
        longer pays it; the partial unique constraint below allows one live row.
        """
        if not shipment_ref:
            return None
        return self.filter(
            kind=PaymentTransaction.Kind.CAPTURE,
            outcome=PaymentTransaction.Outcome.SUCCESS,
            reversed_at__isnull=True,
            shipment_ref=shipment_ref,
        ).first()


class PaymentTransaction(models.Model):
    """One call to a payment provider (or one payment recorded by hand): the ledger."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", "Authorize"
        CAPTURE = "capture", "Capture"
        REVERSAL = "reversal", "Manual payment reversed"
        REFUND = "refund", "Refund"
        VOID = "void", "Void"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        PENDING = "pending", "Pending"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(**MONEY_FIELD)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    manual = models.BooleanField(
        default=False, help_text="Recorded by hand (invoice, bank transfer), not by a provider."
    )
    provider_reference = models.CharField(max_length=128, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text="The provider's answer.")
    raw_response = models.JSONField(default=dict, blank=True)
    shipment_ref = models.CharField(
        max_length=32, blank=True, help_text="The shipment a capture was for, e.g. 1042-1."
    )
    reference = models.CharField(
        max_length=200, blank=True, help_text="Staff's reference: bank transfer id, refund reason."
    )
    return_ref = models.CharField(
        max_length=32, blank=True, help_text="The return a refund was for, e.g. 1042-R1."
    )
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reversed_by"
    )
    # Set once, when a payment recorded by hand is marked unpaid; the only change
    # a ledger row ever gets, so the same shipment can be marked paid again.
    reversed_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor = models.CharField(max_length=150, help_text="The user's name, or the command/system.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = PaymentTransactionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="payment_tx_amount_not_negative"
            ),
            models.UniqueConstraint(
                fields=["payment", "shipment_ref"],
                condition=Q(kind="capture", outcome="success", reversed_at__isnull=True)
                & ~Q(shipment_ref=""),
                name="payment_tx_one_capture_per_shipment",
            ),
            models.UniqueConstraint(
                fields=["payment", "return_ref"],
                condition=Q(kind="refund", outcome="success") & ~Q(return_ref=""),
                name="payment_tx_one_refund_per_return",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.outcome})"

    @property
    def succeeded(self) -> bool:
        return self.outcome == self.Outcome.SUCCESS
