"""A payment: its amounts and its transitions (its statuses are `payments.models.states`,
the conditions and permissions of its steps `payments.models.conditions`).

The payment's amounts move only through its transitions, and every provider
call is a ledger row (`payments.models.ledger`), so the successful rows always add
up to the payment's amounts. The database holds the invariants captured ≤
authorized, refunded ≤ captured and no negative amount (docs/architecture.md, "Money").
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from core.money import MONEY_FIELD, ZERO
from orders.models import Order
from payments.models.conditions import (
    GOODWILL_REFUND,
    RETURN_REFUND,
    authorization_not_expired,
    has_authorization_to_release,
    has_expiry,
    has_no_capture_requested,
    has_no_refund_requested,
    has_nothing_left_to_capture,
    has_nothing_released,
    has_open_authorization,
    has_refundable_amount,
    may_void,
    order_is_not_on_hold,
)
from payments.models.states import (
    CAPTURE_RESULTS,
    REFUND_RESULTS,
    REFUNDABLE,
    RELEASE_RESULTS,
    REQUEST_CAPTURE_RESULTS,
    REQUEST_REFUND_RESULTS,
    PaymentStatus,
    status_for,
    transition_per_source,
)


class Payment(FSMModelMixin, models.Model):
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="payment", verbose_name=_("order")
    )
    status = FSMField(
        _("status"),
        max_length=32,
        choices=PaymentStatus.choices,
        default=PaymentStatus.NEW,
        protected=True,
    )
    method = models.CharField(
        pgettext_lazy("payment", "method"),
        max_length=64,
        help_text=_("The order's payment method."),
    )
    provider = models.CharField(
        _("provider"), max_length=64, help_text=_("The gateway that handles it.")
    )
    provider_reference = models.CharField(_("provider reference"), max_length=128, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    authorized_amount = models.DecimalField(_("authorized amount"), **MONEY_FIELD)
    captured_amount = models.DecimalField(_("captured amount"), **MONEY_FIELD)
    refunded_amount = models.DecimalField(_("refunded amount"), **MONEY_FIELD)
    # Given back to the customer's card without capture: a void, or the release of
    # what is left once the order needs no more.
    released_amount = models.DecimalField(_("released amount"), **MONEY_FIELD)
    # Asked of a provider that settles later and not settled yet: not captured
    # or refunded until its notification says so, but no longer open either.
    capture_requested_amount = models.DecimalField(
        _("capture requested amount"), **MONEY_FIELD, db_default=Decimal("0.00")
    )
    refund_requested_amount = models.DecimalField(
        _("refund requested amount"), **MONEY_FIELD, db_default=Decimal("0.00")
    )
    # When what is authorized can no longer be captured (from settings, per provider
    # and method: `payments.expiry.authorization_expiry`); empty, it never expires.
    authorization_expires_at = models.DateTimeField(
        _("authorization expires at"), null=True, blank=True
    )
    test_settles_later = models.BooleanField(
        _("test settles later"),
        default=False,
        db_default=False,
        help_text=_(
            "Test gateway only: captures and refunds are requests the provider "
            "settles later by its notification."
        ),
    )
    test_decline = models.CharField(
        _("test decline"),
        max_length=64,
        blank=True,
        help_text=_("Test gateway only: operations it declines, e.g. “capture,void”."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-id"]
        # The orders list's payment filter joins on the one-to-one and filters here.
        indexes = [
            models.Index(fields=["status"], name="payment_status_idx"),
            models.Index(fields=["provider_reference"], name="payment_provider_ref_idx"),
            # Finance's "authorization expires within N days" filter and the daily hold.
            models.Index(fields=["authorization_expires_at"], name="payment_auth_expires_idx"),
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
                condition=Q(
                    captured_amount__lte=F("authorized_amount")
                    - F("released_amount")
                    - F("capture_requested_amount")
                ),
                name="payment_captured_within_authorized",
            ),
            models.CheckConstraint(
                condition=Q(
                    refunded_amount__lte=F("captured_amount") - F("refund_requested_amount")
                ),
                name="payment_refunded_within_captured",
            ),
            models.CheckConstraint(
                condition=Q(capture_requested_amount__gte=0, refund_requested_amount__gte=0),
                name="payment_requests_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Payment of order %(number)s") % {"number": self.order.number}

    @property
    def state_label(self) -> str:
        return self.get_status_display()

    @property
    def expiry_sentence(self) -> str:
        expired = timezone.localtime(self.authorization_expires_at)
        return gettext(
            "The authorization of %(order)s expired on %(date)s, so it cannot "
            "be captured: authorize it again first."
        ) % {"order": self.order, "date": f"{expired:%Y-%m-%d}"}

    @property
    def open_amount(self) -> Decimal:
        """What is authorized and neither captured nor requested (nothing once voided or failed)."""
        if self.status in (PaymentStatus.NEW, PaymentStatus.VOIDED, PaymentStatus.FAILED):
            return ZERO
        return (
            self.authorized_amount
            - self.captured_amount
            - self.released_amount
            - self.capture_requested_amount
        )

    @property
    def refundable_amount(self) -> Decimal:
        """Captured and neither refunded nor asked back in a refund not settled yet."""
        return self.captured_amount - self.refunded_amount - self.refund_requested_amount

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
        custom={"label": _("authorize"), "past": _("authorized")},
    )
    def authorize(self, *, amount: Decimal, approved: bool, expires_at=None) -> str:
        """The provider's answer to the checkout's authorization.

        No permission of its own: checkout, which asks for it, checks the
        actor's right to create the order.
        """
        self.authorized_amount = amount if approved else ZERO
        self.authorization_expires_at = expires_at if approved else None
        return PaymentStatus.AUTHORIZED if approved else PaymentStatus.FAILED

    @transition_per_source(
        CAPTURE_RESULTS,
        field=status,
        conditions=[has_open_authorization, order_is_not_on_hold, authorization_not_expired],
        permission="payments.capture_payment",
        custom={"label": _("capture"), "past": _("captured")},
    )
    def capture(self, *, amount: Decimal) -> str:
        self.captured_amount += amount
        return self._status_now()

    @transition_per_source(
        CAPTURE_RESULTS,
        field=status,
        conditions=[has_open_authorization, order_is_not_on_hold],
        permission="payments.record_manual_payment",
        custom={"label": _("mark as paid"), "past": _("marked as paid")},
    )
    def record_manual(self, *, amount: Decimal) -> str:
        self.captured_amount += amount
        return self._status_now()

    @transition(
        field=status,
        source=[PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED],
        target=RETURN_VALUE(PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED),
        conditions=[has_nothing_released, has_no_refund_requested],
        permission="payments.record_manual_payment",
        custom={"label": _("mark as unpaid"), "past": _("marked as unpaid")},
    )
    def reverse_manual(self, *, amount: Decimal) -> str:
        self.captured_amount -= amount
        return self._status_now()

    @transition(
        field=status,
        source=REFUNDABLE,
        target=RETURN_VALUE(PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED),
        conditions=[has_refundable_amount],
        permission=GOODWILL_REFUND,
        custom={"label": _("refund"), "past": _("refunded")},
    )
    def refund_goodwill(self, *, amount: Decimal) -> str:
        """Money given back on top of what the goods are worth (a late delivery)."""
        return self._refunded(amount)

    @transition(
        field=status,
        source=REFUNDABLE,
        target=RETURN_VALUE(PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED),
        conditions=[has_refundable_amount],
        permission=RETURN_REFUND,
        custom={"label": _("refund"), "past": _("refunded")},
    )
    def refund_return(self, *, amount: Decimal) -> str:
        """The money of a return; its number is on the ledger row."""
        return self._refunded(amount)

    @transition(
        field=status,
        source=REFUNDABLE,
        target=RETURN_VALUE(PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED),
        conditions=[has_refundable_amount],
        permission="orders.cancel_products",
        custom={"label": _("refund"), "past": _("refunded")},
    )
    def refund_cancelled_products(self, *, amount: Decimal) -> str:
        """What was captured for products now cancelled, given back as part of cancelling them."""
        return self._refunded(amount)

    def _refunded(self, amount: Decimal) -> str:
        self.refunded_amount += amount
        return self._status_now()

    # A provider that settles later: the request, then its settlement or failure
    # by the provider's notification. A request keeps the status (only settled
    # rows count); a settlement has no permission and no hold condition, since
    # it is the provider's word about money already asked for.

    @transition_per_source(
        REQUEST_CAPTURE_RESULTS,
        field=status,
        conditions=[has_open_authorization, order_is_not_on_hold, authorization_not_expired],
        permission="payments.capture_payment",
        custom={"label": _("capture"), "past": _("capture requested")},
    )
    def request_capture(self, *, amount: Decimal) -> str:
        self.capture_requested_amount += amount
        return self.status

    @transition_per_source(
        CAPTURE_RESULTS,
        field=status,
        custom={"label": _("settle capture"), "past": _("captured")},
    )
    def settle_capture(self, *, amount: Decimal) -> str:
        self.capture_requested_amount -= amount
        self.captured_amount += amount
        return self._status_now()

    @transition_per_source(
        REQUEST_CAPTURE_RESULTS,
        field=status,
        custom={"label": _("fail capture"), "past": _("capture failed")},
    )
    def fail_capture(self, *, amount: Decimal) -> str:
        """The request failed: its amount is open again (or, if expired, lost)."""
        self.capture_requested_amount -= amount
        return self.status

    @transition_per_source(
        REQUEST_REFUND_RESULTS,
        field=status,
        conditions=[has_refundable_amount],
        custom={"label": _("refund"), "past": _("refund requested")},
    )
    def request_refund(self, *, amount: Decimal) -> str:
        """No permission of its own: the refund's transition of its purpose is asked first."""
        self.refund_requested_amount += amount
        return self.status

    @transition_per_source(
        REFUND_RESULTS, field=status, custom={"label": _("settle refund"), "past": _("refunded")}
    )
    def settle_refund(self, *, amount: Decimal) -> str:
        self.refund_requested_amount -= amount
        return self._refunded(amount)

    @transition_per_source(
        REQUEST_REFUND_RESULTS,
        field=status,
        custom={"label": _("fail refund"), "past": _("refund failed")},
    )
    def fail_refund(self, *, amount: Decimal) -> str:
        self.refund_requested_amount -= amount
        return self.status

    @transition(
        field=status,
        source=PaymentStatus.AUTHORIZED,
        target=PaymentStatus.VOIDED,
        conditions=[has_no_capture_requested],
        permission=may_void,
        custom={"label": _("void"), "past": _("voided")},
    )
    def void(self) -> None:
        """Releases the whole authorization; the amounts stay as the history of it."""
        self.released_amount += self.open_amount

    @transition_per_source(
        RELEASE_RESULTS,
        field=status,
        conditions=[
            has_authorization_to_release,
            has_no_capture_requested,
            has_nothing_left_to_capture,
        ],
        permission="payments.release_authorization",
        custom={
            "label": _("release remaining authorization"),
            "past": _("released"),
            "of": _("of payments"),
        },
    )
    def release(self) -> str:
        """Give back what is authorized and will never be captured."""
        self.released_amount += self.open_amount
        return self._status_now()

    @transition_per_source(
        REQUEST_CAPTURE_RESULTS,
        field=status,
        conditions=[has_expiry, has_open_authorization, has_no_capture_requested],
        permission="payments.capture_payment",
        custom={"label": _("authorize again"), "past": _("authorized again")},
    )
    def renew_authorization(self, *, amount: Decimal, expires_at) -> str:
        """A new authorization of what is open, before (or after) the old one lapses.

        The old one is released and the new one added, so the ledger's
        authorizations and releases still add up to the amounts and the status
        stays. Only approved renewals run it: a decline leaves its failed row.
        """
        self.released_amount += amount
        self.authorized_amount += amount
        self.authorization_expires_at = expires_at
        return self.status

    @transition(
        field=status,
        source=PaymentStatus.VOIDED,
        target=RETURN_VALUE(PaymentStatus.AUTHORIZED, PaymentStatus.VOIDED),
        custom={"label": _("authorize again"), "past": _("authorized again")},
    )
    def reauthorize(self, *, amount: Decimal, approved: bool, expires_at=None) -> str:
        """The provider's answer to a new authorization for a restored order.

        Added to what was authorized before (all of it released), so the ledger's
        authorizations still add up to `authorized_amount`. No permission of its
        own: restoring the order, which asks for it, checks the actor's.
        """
        if approved:
            self.authorized_amount += amount
            self.authorization_expires_at = expires_at
        return self._status_now()
