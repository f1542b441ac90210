"""The small forms of the order steps that need input."""

from django import forms

from orders.models import HoldKind


class HoldForm(forms.Form):
    kind = forms.ChoiceField(choices=HoldKind.choices, initial=HoldKind.MANUAL)
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), strip=True
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        strip=True,
        help_text=(
            "Cancelling voids the payment's authorization with the provider (the "
            "customer is not charged), deletes the order's open shipments and puts "
            "their stock back. The reason is shown at the top of the order."
        ),
    )


class PurgeForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        help_text="Kept on the tombstone, e.g. “GDPR erasure request”.",
        widget=forms.TextInput(attrs={"size": 60}),
    )
