"""Form fields for amounts and quantities, read by `core.money.read_amount` and
`read_quantity`: every form of the back office reads what staff type the same
way, refuses with the same sentence, and never rounds.

An amount's widget is a plain text input: a browser's number input would hand
the server its own reading of "1,5", or nothing for what it cannot parse, so
the server could not echo what was typed.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _

from core.money import MAX_QUANTITY, read_amount, read_quantity


class AmountField(forms.Field):
    """An amount of `currency` (settable after the form is built), exactly as typed.

    `min_value` and `max_value` refuse with a sentence that names the amount read.
    """

    widget = forms.TextInput

    def __init__(
        self,
        *,
        currency: str | None = None,
        min_value: Decimal | None = None,
        max_value: Decimal | None = None,
        **kwargs,
    ):
        self.currency = currency
        self.min_value, self.max_value = min_value, max_value
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "centra-amount"}))
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return read_amount(value, self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        unit = f" {self.currency}" if self.currency else ""
        if self.min_value is not None and value < self.min_value:
            if self.min_value > 0 >= value:
                raise forms.ValidationError(_("Give an amount above zero."), code="min_value")
            raise forms.ValidationError(
                _("%(amount)s is less than %(limit)s.")
                % {"amount": f"{value}{unit}", "limit": f"{self.min_value}{unit}"},
                code="min_value",
            )
        if self.max_value is not None and value > self.max_value:
            raise forms.ValidationError(
                _("%(amount)s is more than %(limit)s.")
                % {"amount": f"{value}{unit}", "limit": f"{self.max_value}{unit}"},
                code="max_value",
            )


class QuantityField(forms.Field):
    """A whole number of units from 0 to `max_value`, ASCII digits only.

    A number input (its min and max guide the browser); the server reads the
    text it posts like any other, so "١" or "1e3" is refused here all the same.
    """

    def __init__(self, *, max_value: int = MAX_QUANTITY, **kwargs):
        self.max_value = max_value
        kwargs.setdefault("widget", forms.NumberInput(attrs={"class": "centra-quantity"}))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "min": 0, "max": self.max_value}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return read_quantity(value, self.max_value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
