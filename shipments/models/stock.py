"""Where goods are and what is reserved: warehouses, stock per SKU, and the units
of order lines allocated in a warehouse since the order was placed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine


class Warehouse(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=100,
        help_text=_("Lower ships first; Direct to Shipment picks by this."),
    )
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """Units of one SKU in one warehouse. Available = on hand − allocated, never negative."""

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock", verbose_name=_("warehouse")
    )
    sku = models.CharField(_("SKU"), max_length=64)
    on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    allocated = models.PositiveIntegerField(
        _("allocated"),
        default=0,
        help_text=_(
            "Units held by shipments that are not completed yet, and reserved by "
            "orders since their placement."
        ),
    )

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["warehouse", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "sku"], name="stock_one_row_per_sku"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0), name="stock_allocated_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("on_hand")), name="stock_available_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(sku)s in %(warehouse)s") % {"sku": self.sku, "warehouse": self.warehouse}

    def clean(self) -> None:
        # The database refuses it too; this says it on an edited form.
        if self.allocated > self.on_hand:
            allocated = gettext(
                "%(allocated)s units are allocated to shipments and orders: keep at least those."
            ) % {"allocated": self.allocated}
            raise ValidationError({"on_hand": allocated})

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


class Allocation(models.Model):
    """Units of an order line reserved in a warehouse since the order was placed,
    not yet in a shipment; `Stock.allocated` counts them.

    Made at checkout when the order's market has an allocation rule. A shipment
    created for the line consumes them; cancelling units or the order releases
    them. A row stays at zero once used up: it says the order reserves at
    placement, so a deleted shipment's units go back to being reserved.
    """

    order_line = models.ForeignKey(
        OrderLine,
        on_delete=models.CASCADE,
        related_name="allocations",
        verbose_name=_("order line"),
    )
    warehouse = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("warehouse"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["order_line", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_line", "warehouse"], name="allocation_one_row_per_warehouse"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="allocation_quantity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(quantity)s × %(sku)s in %(warehouse)s") % {
            "quantity": self.quantity,
            "sku": self.order_line.sku,
            "warehouse": self.warehouse,
        }
