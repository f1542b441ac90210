"""The order's "Anonymise customer…" step: an erasure request, confirmed by typing the e-mail.

Back-office admin only (`orders.anonymize_order`). Never a bulk action and
never queued for the worker: the typed address would be stored with the job.
The rules, the refusal and the work are `backoffice.services.anonymize`'s; the
step's form only asks for the address again.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from backoffice.services.anonymize import (
    PERMISSION,
    anonymize_customer_of_order,
    anonymize_refusal,
)
from core.steps import Step, Words
from orders.models import Order


class AnonymizeForm(forms.Form):
    per_object = True  # the help text names the order's customer e-mail

    email = forms.CharField(
        label=gettext_lazy("Type the customer's e-mail address to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"size": 40, "autocomplete": "off"}),
    )

    def __init__(self, data=None, *, objects: list[Order]):
        super().__init__(data)
        self.order = objects[0] if objects else None
        if self.order is not None:
            self.fields["email"].help_text = _(
                "Every order of %(email)s loses its names, e-mail, "
                "addresses (not the country), notes, gift messages and comments, for good. "
                "Amounts, lines, payments and the timeline stay."
            ) % {"email": self.order.customer_email}

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip().lower()
        if self.order is not None and typed != self.order.customer_email:
            raise forms.ValidationError(_("This is not the customer e-mail of this order."))
        return typed


def orders_in_all(count: int) -> str:
    """How many orders the step anonymised, beside the order's name in its message."""
    return ngettext("%(count)s order in all", "%(count)s orders in all", count) % {"count": count}


ANONYMIZE_CUSTOMER = Step(
    "anonymize_customer",
    anonymize_customer_of_order,
    form=AnonymizeForm,
    danger=True,
    in_bulk=False,
    words=Words(
        label=gettext_lazy("Anonymise customer"),
        past=gettext_lazy("anonymised with every order of its customer"),
        permission=PERMISSION,
    ),
    refusal_of=anonymize_refusal,
    explain_when_blocked=False,
    done_detail=lambda order, count: orders_in_all(count),
)
