"""An order line: what was ordered, at what price, and how much of it was cancelled."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.money import MONEY_FIELD
from orders.models.order import Order


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    # Indexed with the order (line_sku_order_idx): a search by SKU reads the
    # matching orders' ids from the index alone, without visiting each line.
    sku = models.CharField(_("SKU"), max_length=64)
    product_name = models.CharField(_("product name"), max_length=200)
    variant = models.CharField(_("variant / size"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price incl. tax"), **MONEY_FIELD)
    tax_percent = models.DecimalField(
        _("tax percent"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("25.00"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    discount = models.DecimalField(
        _("discount"), **MONEY_FIELD, help_text=_("Discount on the whole line, tax included.")
    )
    quantity_cancelled = models.PositiveIntegerField(_("quantity cancelled"), default=0)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        indexes = [models.Index(fields=["sku", "order"], name="line_sku_order_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(quantity_cancelled__lte=models.F("quantity")),
                name="line_cancelled_within_quantity",
            ),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="line_discount_not_negative"),
            models.CheckConstraint(
                condition=Q(discount__lte=models.F("unit_price") * models.F("quantity")),
                name="line_discount_within_price",
            ),
            models.CheckConstraint(
                condition=Q(tax_percent__gte=0, tax_percent__lte=100),
                name="line_tax_percent_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku} {self.product_name}"

    def clean(self) -> None:
        # The database refuses it too (line_discount_within_price); this says it
        # beside the field.
        if None not in (self.discount, self.unit_price, self.quantity) and (
            self.discount > self.unit_price * self.quantity
        ):
            raise ValidationError(
                {"discount": _("The discount cannot be more than the line's price × quantity.")}
            )

    @property
    def quantity_active(self) -> int:
        return self.quantity - self.quantity_cancelled

    @property
    def quantity_unshipped(self) -> int:
        """Active units in no shipment yet; needs `Order.lines_with_shipped()`'s annotation."""
        return self.quantity_active - self.quantity_in_shipments
