"""A return: units of a completed shipment coming back, and the money going back.

Centra's return flow: a return is made from a completed shipment's lines; the
goods go back into stock (or are removed as not saleable) when it is completed,
and the customer's money goes back through the payment provider when it is
refunded. A refund cannot be undone. The order's status never changes.

    Pending ──refund──▶ Refunded ──complete──▶ Completed
       ▲ │                                         │
       │ └──────────────complete──────────────────▶│
       └────────uncomplete (never after a refund)──┘

The transitions change state only: no save, no stock, no money. `returns.services`
runs them under the locks and does the rest.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from core.fsm import refuses_with
from core.money import MONEY_FIELD
from orders.models import Order, OrderStatus
from shipments.models import Shipment, ShipmentLine, Warehouse


class ReturnStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REFUNDED = "refunded", _("Refunded")
    COMPLETED = "completed", _("Completed")


class StockAction(models.TextChoices):
    BACK_TO_ORIGIN = "back_to_origin", _("Back to the shipment's warehouse")
    TO_WAREHOUSE = "to_warehouse", _("Into another warehouse")
    REMOVE = "remove", _("Remove from stock (not saleable)")


class ReturnReason(models.TextChoices):
    WRONG_SIZE = "wrong_size", _("Wrong size")
    DAMAGED = "damaged", _("Damaged")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed mind")
    OTHER = "other", _("Other")


@refuses_with(_("Return {obj.number} was refunded; a refund cannot be undone."))
def was_not_refunded(return_: Return) -> bool:
    return return_.refunded_at is None


@refuses_with(_("Return {obj.number} was refunded already."))
def not_refunded_yet(return_: Return) -> bool:
    return return_.refunded_at is None


@refuses_with(_("Return {obj.number} has an exchange order that is not cancelled."))
def has_no_live_exchange(return_: Return) -> bool:
    if return_.exchange_order_id is None:
        return True
    return return_.exchange_order.status == OrderStatus.CANCELLED


# What both edges of the refund share (`core.fsm` reads the words of the first).
REFUND = {
    "conditions": [not_refunded_yet],
    "permission": "returns.refund_return",
    "custom": {"label": _("refund"), "past": _("refunded")},
}


GIVE_BACK = {
    "custom": {"label": _("give back the exchange credit"), "past": _("credit given back")}
}


class Return(FSMModelMixin, models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="returns", verbose_name=_("order")
    )
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, related_name="returns", verbose_name=_("shipment")
    )
    sequence = models.PositiveIntegerField(
        _("sequence"), editable=False, help_text=_("Numbered per order: 1042-R1, 1042-R2.")
    )
    status = FSMField(
        _("status"),
        max_length=16,
        choices=ReturnStatus.choices,
        default=ReturnStatus.PENDING,
        protected=True,
    )
    stock_action = models.CharField(_("stock action"), max_length=16, choices=StockAction.choices)
    warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="returns",
        verbose_name=_("warehouse"),
        help_text=_("Where the goods go back into stock; empty when they are removed."),
    )

    # Money, in the order's currency (docs/architecture.md, "Money", "Returns").
    refund_shipping = models.BooleanField(_("refund shipping"), default=False)
    shipping_amount = models.DecimalField(
        _("shipping amount"),
        **MONEY_FIELD,
        help_text=_("The shipping the shipment charged, refunded with this return."),
    )
    handling_cost = models.DecimalField(
        _("handling cost"), **MONEY_FIELD, help_text=_("Added to the refund.")
    )
    return_fee = models.DecimalField(
        _("return fee"), **MONEY_FIELD, help_text=_("Deducted from the refund.")
    )
    voucher_value = models.DecimalField(
        _("voucher value"),
        **MONEY_FIELD,
        help_text=_("Given back as a store voucher instead of money: deducted from the refund."),
    )
    lines_amount = models.DecimalField(
        _("lines amount"), **MONEY_FIELD, help_text=_("What the returned units cost.")
    )
    # An exchange (Centra: "Create selection" from a return) is paid with the
    # return's value: what it takes is credited to the exchange order and
    # deducted from the refund (`backoffice.services.exchanges`).
    exchange_credit = models.DecimalField(
        _("exchange credit"),
        **MONEY_FIELD,
        help_text=_(
            "Credited to the exchange order instead of refunded: deducted from the refund."
        ),
    )
    exchange_order = models.OneToOneField(
        Order,
        null=True,
        blank=True,
        # A cancelled exchange order may be purged; its credit was given back.
        on_delete=models.SET_NULL,
        related_name="exchanged_return",
        verbose_name=_("exchange order"),
        help_text=_("The order made in exchange for the returned goods."),
    )
    refund_amount = models.DecimalField(
        _("refund amount"),
        **MONEY_FIELD,
        help_text=_("What the payment refunds: the suggested refund until it is refunded."),
    )

    reason = models.CharField(_("reason"), max_length=32, choices=ReturnReason.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_by_name = models.CharField(
        _("created by name"),
        max_length=150,
        help_text=_("The user's name, or the command/system."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["order", "sequence"]
        permissions = [
            ("create_return", "Can create returns"),
            ("delete_return", "Can delete returns that are not refunded"),
            ("complete_return", "Can complete returns (receive the goods)"),
            ("uncomplete_return", "Can uncomplete returns that are not refunded"),
            ("refund_return", "Can refund returns through the payment provider"),
            ("exchange_return", "Can create exchange orders from returns"),
        ]
        # Django's own "delete_return" would clash with the step's: returns are
        # created and deleted through the services only, so "view" is the one default.
        default_permissions = ["view"]
        indexes = [
            # The board: returns created per day, and those waiting for the goods
            # or for a refund (the few not completed, not refunded).
            models.Index(fields=["created_at"], name="return_created_idx"),
            models.Index(
                fields=["created_at"],
                condition=~Q(status=ReturnStatus.COMPLETED),
                name="return_unreceived_idx",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(refunded_at__isnull=True),
                name="return_unrefunded_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "sequence"], name="return_number_unique"),
            models.CheckConstraint(
                condition=Q(
                    shipping_amount__gte=0,
                    handling_cost__gte=0,
                    return_fee__gte=0,
                    voucher_value__gte=0,
                    exchange_credit__gte=0,
                    lines_amount__gte=0,
                    refund_amount__gte=0,
                ),
                name="return_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    refund_amount__lte=F("lines_amount") + F("shipping_amount") + F("handling_cost")
                ),
                name="return_refund_within_value",
            ),
            models.CheckConstraint(
                condition=Q(refund_shipping=True) | Q(shipping_amount=0),
                name="return_shipping_only_when_refunded",
            ),
            models.UniqueConstraint(
                fields=["shipment"],
                condition=Q(refund_shipping=True),
                name="return_one_shipping_refund_per_shipment",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Return %(number)s") % {"number": self.number}

    @property
    def number(self) -> str:
        """The number staff know it by, e.g. "1042-R1"."""
        return f"{self.order.number}-R{self.sequence}"

    @property
    def state_label(self) -> str:
        return self.get_status_display()

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def suggested_refund(self) -> Decimal:
        """What the payment would refund: the value, less the fee and the voucher."""
        return (
            self.lines_amount
            + self.shipping_amount
            + self.handling_cost
            - self.return_fee
            - self.voucher_value
            - self.exchange_credit
        )

    @property
    def moves_stock(self) -> bool:
        return self.stock_action != StockAction.REMOVE

    def is_deletable(self) -> bool:
        """Only a pending return (never refunded) may be deleted; see `delete_return`."""
        return self.status == ReturnStatus.PENDING

    # Transitions change state only: no save, no I/O. returns.services calls them.

    @transition(
        field=status,
        source=ReturnStatus.PENDING,
        target=ReturnStatus.PENDING,
        permission="returns.create_return",
        custom={"label": _("create"), "past": _("created")},
    )
    def create(self) -> None:
        """Only the check, on the unsaved return: the service writes it."""

    @transition(
        field=status,
        source=[ReturnStatus.PENDING, ReturnStatus.REFUNDED],
        target=ReturnStatus.COMPLETED,
        permission="returns.complete_return",
        custom={"label": _("complete"), "past": _("completed")},
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(
        field=status,
        source=ReturnStatus.COMPLETED,
        target=ReturnStatus.PENDING,
        conditions=[was_not_refunded],
        permission="returns.uncomplete_return",
        custom={"label": _("uncomplete"), "past": _("uncompleted")},
    )
    def uncomplete(self) -> None:
        self.completed_at = None

    # Money goes back before the goods are in (Pending → Refunded, completed
    # later) or after the warehouse received them (Completed stays Completed):
    # one decorator per source, so the machine names each edge it takes.
    @transition(field=status, source=ReturnStatus.PENDING, target=ReturnStatus.REFUNDED, **REFUND)
    @transition(
        field=status, source=ReturnStatus.COMPLETED, target=ReturnStatus.COMPLETED, **REFUND
    )
    def refund(self, *, amount: Decimal) -> None:
        self.refund_amount = amount
        self.refunded_at = timezone.now()

    # An exchange leaves the return where it is: the goods still come in (and
    # complete it), and the refund is what the exchange did not take.
    @transition(
        field=status,
        source=[ReturnStatus.PENDING, ReturnStatus.COMPLETED],
        target=None,
        conditions=[not_refunded_yet, has_no_live_exchange],
        permission="returns.exchange_return",
        custom={"label": _("exchange"), "past": _("exchanged")},
    )
    def exchange(self, *, order: Order, credit: Decimal) -> None:
        self.exchange_order = order
        self.exchange_credit = credit
        self.refund_amount = self.suggested_refund

    # Its exchange order cancelled: the credit is the customer's again, refunded
    # with the return (or, once refunded, by a goodwill refund). Part of the
    # cancel, under its permission.
    @transition(field=status, source=ReturnStatus.PENDING, target=None, **GIVE_BACK)
    @transition(field=status, source=ReturnStatus.REFUNDED, target=None, **GIVE_BACK)
    @transition(field=status, source=ReturnStatus.COMPLETED, target=None, **GIVE_BACK)
    def give_back_credit(self) -> None:
        self.exchange_credit = 0
        if self.refunded_at is None:
            self.refund_amount = self.suggested_refund

    @transition(
        field=status,
        source=ReturnStatus.PENDING,
        target=None,
        conditions=[has_no_live_exchange],
        permission="returns.delete_return",
        custom={"label": _("delete"), "past": _("deleted")},
    )
    def delete_return(self) -> None:
        """Only the check: the service removes the row (its event stays on the order)."""


class ReturnLine(models.Model):
    # Not "return" (a Python keyword) nor "return_" (Django refuses a trailing underscore).
    order_return = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order return")
    )
    shipment_line = models.ForeignKey(
        ShipmentLine,
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("shipment line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    amount = models.DecimalField(
        _("amount"),
        **MONEY_FIELD,
        help_text=_("This line's share of what the shipment line was charged."),
    )

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["order_return", "shipment_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_return", "shipment_line"], name="return_line_once_per_return"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="return_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="return_line_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.shipment_line.order_line.sku}"
