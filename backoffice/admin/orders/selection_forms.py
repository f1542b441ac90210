"""The forms of the "Create selection" and selection pages: they read what staff
type; the services (`backoffice.services.selections`, `.staff_orders`) decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services.selections import MAX_UNITS, Address
from catalog.models import Market, MarketCountry
from core.typed_fields import AmountField, QuantityField
from orders.models import Order

# One sentence for a value that is not offered (a tampered or stale form).
NOT_A_CHOICE = {"invalid_choice": gettext_lazy("“%(value)s” is not one of the choices.")}


def country_choices() -> list:
    """The countries the shop ships to, grouped by market (one query)."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for row in MarketCountry.objects.select_related("market").order_by("market__code", "country"):
        grouped.setdefault(str(row.market), []).append((row.country, row.country))
    return list(grouped.items())


class CreateSelectionForm(forms.Form):
    market = forms.ModelChoiceField(
        queryset=Market.objects.select_related("pricelist"),
        to_field_name="code",
        empty_label=None,
        label=gettext_lazy("Market"),
        help_text=gettext_lazy("Its pricelist sets the prices and the currency."),
        error_messages={"invalid_choice": gettext_lazy("That market is not in the catalogue.")},
    )
    country = forms.ChoiceField(
        label=gettext_lazy("Shipping country"),
        help_text=gettext_lazy("One of the market's countries; its tax applies."),
        error_messages=NOT_A_CHOICE,
    )
    from_order = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()


class CustomerForm(forms.Form):
    """The buyer's e-mail and billing address; a shipping address only when the
    goods go elsewhere (left empty, they go to the billing address)."""

    email = forms.EmailField(label=gettext_lazy("E-mail"))
    billing_name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    billing_street = forms.CharField(label=gettext_lazy("Street"), max_length=200)
    billing_zipcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=20)
    billing_city = forms.CharField(label=gettext_lazy("City"), max_length=100)
    billing_country = forms.ChoiceField(label=gettext_lazy("Country"), error_messages=NOT_A_CHOICE)
    shipping_name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    shipping_street = forms.CharField(label=gettext_lazy("Street"), max_length=200, required=False)
    shipping_zipcode = forms.CharField(
        label=gettext_lazy("Postcode"), max_length=20, required=False
    )
    shipping_city = forms.CharField(label=gettext_lazy("City"), max_length=100, required=False)
    shipping_country = forms.ChoiceField(
        label=gettext_lazy("Country"), required=False, error_messages=NOT_A_CHOICE
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = country_choices()
        self.fields["billing_country"].choices = choices
        self.fields["shipping_country"].choices = [("", "—"), *choices]

    @classmethod
    def initial_of(cls, order: Order) -> dict:
        initial = {name: getattr(order, name) for name in cls.base_fields if name != "email"}
        if not order.billing_name:
            initial["billing_name"] = order.customer_name
        if _same_address(order):
            # Shown empty: the goods go to the billing address.
            initial |= {f"shipping_{part}": "" for part in ADDRESS_PARTS}
        return initial | {"email": order.customer_email}

    def clean(self):
        cleaned = super().clean()
        typed = [part for part in ADDRESS_PARTS if cleaned.get(f"shipping_{part}")]
        missing = [part for part in ADDRESS_PARTS if part not in typed]
        if typed and missing:
            names = ", ".join(self.fields[f"shipping_{part}"].label.lower() for part in missing)
            raise forms.ValidationError(
                _(
                    "The shipping address needs its %(parts)s too, or leave it all empty to ship "
                    "to the billing address."
                )
                % {"parts": names}
            )
        return cleaned

    def address(self, kind: str) -> Address | None:
        if kind == "shipping" and not self.cleaned_data.get("shipping_street"):
            return None  # the goods go to the billing address
        return Address(**{part: self.cleaned_data[f"{kind}_{part}"] for part in ADDRESS_PARTS})


ADDRESS_PARTS = ("name", "street", "zipcode", "city", "country")


def _same_address(order: Order) -> bool:
    return all(
        getattr(order, f"shipping_{part}") == getattr(order, f"billing_{part}")
        for part in ADDRESS_PARTS
    )


class LineQuantityForm(forms.Form):
    line = forms.IntegerField(label=gettext_lazy("Line"), widget=forms.HiddenInput)
    quantity = QuantityField(label=gettext_lazy("Quantity"), max_value=MAX_UNITS)


class LineForm(forms.Form):
    line = forms.IntegerField(label=gettext_lazy("Line"), widget=forms.HiddenInput)


class AddItemForm(forms.Form):
    sku = forms.CharField(label=gettext_lazy("SKU"), max_length=64, widget=forms.HiddenInput)
    quantity = QuantityField(label=gettext_lazy("Quantity"), max_value=MAX_UNITS, initial=1)


class ShippingMethodForm(forms.Form):
    shipping_method = forms.ChoiceField(
        label=gettext_lazy("Shipping method"), error_messages=NOT_A_CHOICE
    )

    def __init__(self, *args, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = [(m.name, str(m)) for m in methods]


class ShippingPriceForm(forms.Form):
    price = AmountField(label=gettext_lazy("Shipping price"), min_value=None)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Needed when the price is lowered."),
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["price"].currency = currency


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class CheckOutForm(forms.Form):
    payment = forms.ChoiceField(
        label=gettext_lazy("Payment"), widget=forms.RadioSelect, error_messages=NOT_A_CHOICE
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment"].choices = choices
        if len(choices) == 1:
            self.fields["payment"].initial = choices[0][0]
