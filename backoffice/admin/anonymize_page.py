"""The order page's "Anonymise customer…": an erasure request, confirmed by typing the e-mail.

Back-office admin only (`orders.anonymize_order`). Never a bulk action and
never queued for the worker: the typed address would be stored with the job.
The rules and the work are `backoffice.services.anonymize`'s; this page only
asks for the address and says what was done.
"""

from __future__ import annotations

from django import forms

from backoffice.services.anonymize import PERMISSION, anonymize_customer_of_order
from core.actors import Actor, has_full_rights
from core.admin.steps import Step
from orders.models import OPEN_STATUSES, Order


class AnonymizeForm(forms.Form):
    per_object = True  # the help text names the order's customer e-mail

    email = forms.CharField(
        label="Type the customer's e-mail address to confirm",
        max_length=254,
        widget=forms.TextInput(attrs={"size": 40, "autocomplete": "off"}),
    )

    def __init__(self, data=None, *, objects: list[Order]):
        super().__init__(data)
        self.order = objects[0] if objects else None
        if self.order is not None:
            self.fields["email"].help_text = (
                f"Every order of {self.order.customer_email} loses its names, e-mail, "
                "addresses (not the country), notes, gift messages and comments, for good. "
                "Amounts, lines, payments and the timeline stay."
            )

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip().lower()
        if self.order is not None and typed != self.order.customer_email:
            raise forms.ValidationError("This is not the customer e-mail of this order.")
        return typed


def anonymize_refusal(order: Order, by: Actor) -> str | None:
    """What the order page can tell without a query; the service checks the
    customer's other orders and returns when the step is taken."""
    if not has_full_rights(by) and not by.has_perm(PERMISSION):
        return "You do not have permission to anonymise customers."
    if order.anonymized_at is not None or not order.customer_email:
        return f"{order} has no customer data left to anonymise."
    if order.status in OPEN_STATUSES:
        return (
            f"{order} is still {order.state_label}: a customer is anonymised only once "
            "every order is completed or cancelled."
        )
    return None


ANONYMIZE_CUSTOMER = Step(
    "anonymize_customer",
    anonymize_customer_of_order,
    form=AnonymizeForm,
    danger=True,
    in_bulk=False,
    label_text="anonymise customer",
    past_text="anonymised with every order of its customer",
    permission_name=PERMISSION,
    check=anonymize_refusal,
    explain_when_blocked=False,
    done_detail=lambda order, count: f"{count} order{'s' if count != 1 else ''} in all",
)
