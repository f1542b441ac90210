"""The "Resend…" step of a completed shipment: the goods lost or damaged on the way
go out again as a new order of origin "resend", at no charge, for a reason.

It is one of the shipments' steps of the back office (`backoffice.steps`), so the
shipments list, a shipment's page and the order page's shipments section offer
it. The value, the store's limit and who may go above it are the service's
(`backoffice.services.resends`); this page only asks and shows.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services import resends
from backoffice.steps.forms import ShipmentLineQuantities
from backoffice.steps.made_orders import market_refusal
from core.actors import Actor
from core.errors import DomainError
from core.money import ZERO, format_money
from core.steps import Step
from core.typed_fields import QuantityField
from orders.models import Order, OrderOrigin, StoreSettings
from shipments.models import Shipment


class ResendForm(ShipmentLineQuantities, forms.Form):
    """One completed shipment's resend: a quantity per shipped line (up to what was
    shipped; prefilled with everything, as a lost parcel is), a reason and a note."""

    per_object = True

    reason = forms.ChoiceField(
        choices=[("", "—"), *resends.ResendReason.choices], label=gettext_lazy("Reason")
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        strip=True,
        label=gettext_lazy("Note"),
        help_text=gettext_lazy("For the timeline: what the carrier or the customer said."),
    )

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.shipment: Shipment = objects[0]
        self.rows = []
        for line in self.shipment.lines.select_related("order_line").order_by("pk"):
            name = f"qty_{line.pk}"
            self.fields[name] = QuantityField(
                max_value=line.quantity,
                initial=line.quantity,
                required=False,
                label=_("Resend: %(sku)s") % {"sku": line.order_line.sku},
            )
            self.rows.append({"line": line, "field_name": name, "field": self[name]})
        self.notes = resend_notes(self.shipment)
        # What the check priced; the confirmation asks the service again, from the data.
        self.value: Decimal | None = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.refuse_foreign_lines()
        quantities = self.quantities()
        if not quantities:
            raise forms.ValidationError(_("Give at least one unit to resend."))
        try:
            self.value = resends.resend_value(shipment_id=self.shipment.pk, quantities=quantities)
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


def resend_notes(shipment: Shipment) -> list[str]:
    """What staff should know before they choose: the store's limit, and the resends
    made for the order already (a second click would send the goods twice)."""
    order = shipment.order
    limit = format_money(StoreSettings.load().resend_limit, order.currency)
    notes = [
        _("Goods worth more than %(limit)s (the store's limit) are a Back-office admin's.")
        % {"limit": limit}
    ]
    earlier = Order.objects.filter(related_order=order, origin=OrderOrigin.RESEND)
    numbers = [str(n) for n in earlier.order_by("number").values_list("number", flat=True)]
    if numbers:
        notes.append(
            _("Resent for order %(order)s already: order %(numbers)s.")
            % {"order": order.number, "numbers": ", ".join(numbers)}
        )
    return notes


def resend_params(shipment: Shipment, data: dict) -> dict:
    quantities = {
        int(name.removeprefix("qty_")): units
        for name, units in data.items()
        if name.startswith("qty_") and units
    }
    return {"quantities": quantities, "reason": data["reason"], "note": data.get("note", "")}


def resend_confirmation(shipment: Shipment, data: dict) -> str:
    """What goes out again and what it is worth, before the order is made."""
    params = resend_params(shipment, data)
    value = resends.resend_value(shipment_id=shipment.pk, quantities=params["quantities"])
    skus = {line.pk: line.order_line.sku for line in shipment.lines.select_related("order_line")}
    units = ", ".join(f"{n} × {skus[pk]}" for pk, n in params["quantities"].items())
    reason = resends.ResendReason(params["reason"]).label.lower()
    currency = shipment.order.currency
    return _(
        "Resend %(units)s of shipment %(shipment)s (%(reason)s) as a new order worth "
        "%(value)s? Nothing is charged to the customer; "
        "shipment %(shipment)s keeps its tracking."
    ) % {
        "units": units,
        "shipment": shipment.ref,
        "reason": reason,
        "value": format_money(value, currency),
    }


def resend_refusal(shipment: Shipment, by: Actor) -> str | None:
    """The service's say (a completed shipment, whoever may resend), then whether the
    goods can be priced at all: the button must open a page that works."""
    return resends.resend_refusal(shipment, by) or market_refusal(shipment.order)


def resent(shipment: Shipment, order: Order) -> str:
    """The new order and what it gives away (its total is 0: the lines' price is credited)."""
    value = sum((line.unit_price * line.quantity for line in order.lines.all()), ZERO)
    return _("resend order %(number)s, %(value)s at no charge") % {
        "number": order.number,
        "value": format_money(value, order.currency),
    }


RESEND = Step(
    "resend",
    resends.create_resend,
    form=ResendForm,
    id_kwarg="shipment_id",
    params_for=resend_params,
    refusal_of=resend_refusal,
    # The shipment's own transition (`Shipment.resend`): its words and permission.
    transition="resend",
    explain_when_blocked=False,
    confirm_with=resend_confirmation,
    done_detail=resent,
    in_bulk=False,
)
