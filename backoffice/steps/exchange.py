"""The "Exchange…" step of a return: the returned goods paid with their own value
as a new order of origin "exchange" (another size, most often), the return then
completed without refunding what the exchange took.

Returns' admin stands below the back office, so the step is added to it from
above (`backoffice.admin.returns`). Replacements, figures and the order are the
service's (`backoffice.services.exchanges`); this page only asks and shows.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services import exchanges
from backoffice.steps.made_orders import market_refusal
from core.actors import Actor
from core.errors import DomainError
from core.money import format_money
from core.steps import Step
from core.typed_fields import QuantityField
from orders.models import Order
from returns.models import Return

PAYMENTS = [("link", gettext_lazy("Payment link")), ("invoice", gettext_lazy("Invoice"))]


class ExchangeForm(forms.Form):
    """Per returned line a replacement SKU (the same product's other sizes first)
    and its units, and how the customer pays a difference."""

    per_object = True

    payment = forms.ChoiceField(
        choices=PAYMENTS,
        initial="link",
        widget=forms.RadioSelect,
        label=gettext_lazy("The customer pays a difference by"),
        help_text=gettext_lazy(
            "Only when the replacement costs more than the returned goods: a link "
            "to the provider's page (shown after), or an invoice Finance marks paid."
        ),
    )

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.return_: Return = objects[0]
        self.rows = []
        for index, choice in enumerate(choices_or_none(self.return_)):
            sku_name, qty_name = f"sku_{index}", f"qty_{index}"
            self.fields[sku_name] = forms.ChoiceField(
                choices=[(option[0], option_text(*option)) for option in choice.options],
                initial=choice.options[0][0] if choice.options else None,
                label=_("Replacement for %(sku)s") % {"sku": choice.returned_sku},
            )
            self.fields[qty_name] = QuantityField(
                max_value=choice.quantity,
                initial=choice.quantity,
                required=False,
                label=_("Units for %(sku)s") % {"sku": choice.returned_sku},
            )
            self.rows.append(
                {
                    "choice": choice,
                    "size": returned_size(choice),
                    "sku": self[sku_name],
                    "quantity": self[qty_name],
                }
            )
        # Set once the form is valid: what the confirmation shows.
        self.figures = None

    def lines(self) -> dict[str, int]:
        """SKU → units: two returned lines exchanged for one SKU add up."""
        wanted: dict[str, int] = {}
        for row in self.rows:
            units = self.cleaned_data.get(row["quantity"].name)
            if units:
                sku = self.cleaned_data[row["sku"].name]
                wanted[sku] = wanted.get(sku, 0) + units
        return wanted

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if not self.rows:
            raise forms.ValidationError(
                _("Return %(return)s has nothing to exchange.") % {"return": self.return_.number}
            )
        lines = self.lines()
        if not lines:
            raise forms.ValidationError(_("Give at least one unit to send in exchange."))
        try:
            self.figures = exchanges.exchange_figures(return_id=self.return_.pk, lines=lines)
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        cleaned["lines"] = lines
        return cleaned

    def figure_rows(self) -> list[tuple[str, str]]:
        """The confirmation's table: what each side of the exchange is worth."""
        figures = self.figures
        if figures is None:
            return []
        return [
            (label, format_money(amount, figures.currency))
            for label, amount in (
                (_("Returned goods"), figures.value),
                (_("Replacement"), figures.replacement),
                (_("Credited to the exchange order"), figures.credit),
                (_("The customer pays"), figures.to_pay),
                (_("Back to the customer through the return's refund"), figures.to_refund),
            )
        ]


def option_text(sku: str, size: str, price: str) -> str:
    # The size first: it is what the customer asked for.
    if size:
        return _("Size %(size)s · %(sku)s · %(price)s") % {"size": size, "sku": sku, "price": price}
    return f"{sku} · {price}"


def returned_size(choice) -> str:
    """The returned item's size, as the catalogue names it (among its own options)."""
    return next((size for sku, size, _price in choice.options if sku == choice.returned_sku), "")


def choices_or_none(return_: Return) -> list:
    """The replacements, or none where nothing can be priced (the step's refusal
    says why; a form posted anyway is refused by its check, never a 500)."""
    try:
        return exchanges.replacement_choices(return_)
    except DomainError:
        return []


def exchange_params(return_: Return, data: dict) -> dict:
    # The site's address (for a payment link) is the admin's to add: the form has no request.
    return {
        "lines": data["lines"],
        "payment": data["payment"],
        "base_url": data.get("base_url", ""),
    }


def confirmation_sentence(figures, payment: str) -> str:
    """The confirmation's sentence, by what the difference comes to for the customer
    (and, when they pay, how): each a whole sentence, for its translation."""
    if figures.to_pay and payment == "link":
        return _(
            "Make an exchange order of %(units)s for return %(return)s? Returned goods "
            "%(value)s, replacement %(replacement)s, credited %(credit)s: the customer pays "
            "%(to_pay)s more, by payment link."
        )
    if figures.to_pay:
        return _(
            "Make an exchange order of %(units)s for return %(return)s? Returned goods "
            "%(value)s, replacement %(replacement)s, credited %(credit)s: the customer pays "
            "%(to_pay)s more, by invoice."
        )
    if figures.to_refund:
        return _(
            "Make an exchange order of %(units)s for return %(return)s? Returned goods "
            "%(value)s, replacement %(replacement)s, credited %(credit)s: the customer gets "
            "%(to_refund)s back through the return's refund."
        )
    return _(
        "Make an exchange order of %(units)s for return %(return)s? Returned goods "
        "%(value)s, replacement %(replacement)s, credited %(credit)s: nothing more to pay "
        "or refund."
    )


def exchange_confirmation(return_: Return, data: dict) -> str:
    """The figures, from the same service the form's check asked, before the order is made."""
    figures = exchanges.exchange_figures(return_id=return_.pk, lines=data["lines"])
    units = ", ".join(f"{n} × {sku}" for sku, n in data["lines"].items())
    currency = figures.currency
    return confirmation_sentence(figures, data["payment"]) % {
        "units": units,
        "return": return_.number,
        "value": format_money(figures.value, currency),
        "replacement": format_money(figures.replacement, currency),
        "credit": format_money(figures.credit, currency),
        "to_pay": format_money(figures.to_pay, currency),
        "to_refund": format_money(figures.to_refund, currency),
    }


def exchange_refusal(return_: Return, by: Actor) -> str | None:
    """The service's say (not refunded, not exchanged, whoever may exchange), then
    whether a replacement can be priced at all: the button must open a page that works."""
    return exchanges.exchange_refusal(return_, by) or market_refusal(return_.order)


def exchanged(return_: Return, order: Order) -> str:
    return _("exchange order %(number)s") % {"number": order.number}


EXCHANGE = Step(
    "exchange",
    exchanges.create_exchange,
    form=ExchangeForm,
    id_kwarg="return_id",
    params_for=exchange_params,
    refusal_of=exchange_refusal,
    explain_when_blocked=False,
    confirm_with=exchange_confirmation,
    done_detail=exchanged,
    in_bulk=False,
)
