"""The small forms of the order steps that need input."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import HoldKind


class HoldForm(forms.Form):
    kind = forms.ChoiceField(
        choices=HoldKind.choices, initial=HoldKind.MANUAL, label=gettext_lazy("Kind")
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        strip=True,
        label=gettext_lazy("Reason"),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        strip=True,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy(
            "Cancelling voids the payment's authorization with the provider (the "
            "customer is not charged), deletes the order's open shipments and puts "
            "their stock back. The reason is shown at the top of the order."
        ),
    )


class PurgeForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Kept on the tombstone, e.g. “GDPR erasure request”."),
        widget=forms.TextInput(attrs={"size": 60}),
    )


class ShipmentLineQuantities:
    """A form with a quantity per line of one shipment (`rows`, each with its
    `line` and `field_name`, fields named "qty_<line id>"): the units asked for, and
    a posted line of another shipment refused with one sentence."""

    rows: list[dict]  # set by the form's __init__, with `shipment`

    def quantities(self) -> dict[int, int]:
        return {
            row["line"].pk: self.cleaned_data[row["field_name"]]
            for row in self.rows
            if self.cleaned_data.get(row["field_name"])
        }

    def refuse_foreign_lines(self) -> None:
        known = {row["field_name"] for row in self.rows}
        foreign = sorted(key for key in self.data if key.startswith("qty_") and key not in known)
        if foreign:
            raise forms.ValidationError(
                _("%(lines)s is not a line of shipment %(shipment)s.")
                % {"lines": ", ".join(foreign), "shipment": self.shipment.ref}
            )
