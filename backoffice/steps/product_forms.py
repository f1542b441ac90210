"""The forms of the steps that shrink or restore an order: a quantity per line
(cancel products, restore products) and a reason (cancel every unshipped unit,
restore a cancelled order)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from core.typed_fields import QuantityField
from orders.models import Order
from shipments.models import ShipmentStatus


def _reason_field() -> forms.CharField:
    return forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        strip=True,
        label=gettext_lazy("Reason"),
    )


def lines_with_progress(order: Order):
    """The order's lines with `units_shipped` (completed shipments) and `units_open`
    (shipments not completed) annotated; `quantity_unshipped` works on them too."""
    completed = Q(shipment_lines__shipment__status=ShipmentStatus.COMPLETED)
    return order.lines_with_shipped().annotate(
        units_shipped=Coalesce(Sum("shipment_lines__quantity", filter=completed), 0),
        units_open=Coalesce(Sum("shipment_lines__quantity", filter=~completed), 0),
    )


class ProductQuantitiesForm(forms.Form):
    """A whole number per line, up to what the step may take of it, and one reason."""

    per_object = True
    room_of = staticmethod(lambda line: line.quantity_unshipped)
    # A line's figures, under its field; the last is what the step may take of it.
    progress = gettext_lazy(
        "Ordered %(ordered)s · shipped %(shipped)s · in open shipments %(open)s · "
        "cancelled %(cancelled)s · cancellable %(room)s"
    )

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        for order in objects:
            for line in lines_with_progress(order):
                room = self.room_of(line)
                self.fields[f"line_{line.pk}"] = QuantityField(
                    max_value=room,
                    initial=0,
                    disabled=not room,
                    required=False,
                    label=f"{line.sku} {line.product_name} {line.variant}".strip(),
                    help_text=self.progress
                    % {
                        "ordered": line.quantity,
                        "shipped": line.units_shipped,
                        "open": line.units_open,
                        "cancelled": line.quantity_cancelled,
                        "room": room,
                    },
                )
        self.fields["reason"] = _reason_field()


class RestoreProductsForm(ProductQuantitiesForm):
    room_of = staticmethod(lambda line: line.quantity_cancelled)
    progress = gettext_lazy(
        "Ordered %(ordered)s · shipped %(shipped)s · in open shipments %(open)s · "
        "cancelled %(cancelled)s · restorable %(room)s"
    )


class ReasonForm(forms.Form):
    reason = _reason_field()


def quantities_params(order: Order, data: dict) -> dict:
    quantities = {
        int(name.removeprefix("line_")): units
        for name, units in data.items()
        if name.startswith("line_") and units
    }
    return {"quantities": quantities, "reason": data["reason"]}
