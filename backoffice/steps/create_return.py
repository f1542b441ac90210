"""The "Create return…" step of a completed shipment: a quantity per shipped line,
where the goods go, and the money, then the suggested refund to confirm.

It is one of the shipments' steps of the back office (`backoffice.steps`), so the
shipments list, a shipment's page and the order page's shipments section all
offer it. The figures come from the returns domain's own checks and arithmetic
(`returns.services.preview_return`); this page only reads and shows them.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.steps.forms import ShipmentLineQuantities
from core.actors import Actor
from core.errors import DomainError
from core.fsm import refusal
from core.money import ZERO, format_money
from core.steps import Step, Words
from core.typed_fields import AmountField, QuantityField
from returns import checks
from returns import services as returns
from returns.models import Return, ReturnReason, StockAction
from returns.selectors import returnable_quantities
from shipments.models import Shipment, Warehouse

MONEY_FIELDS = ("handling_cost", "return_fee", "voucher_value")


def _money_field(label: str, help_text: str) -> AmountField:
    # Read exactly in the order's currency (set by the form): never rounded.
    return AmountField(label=label, required=False, initial=ZERO, help_text=help_text)


class CreateReturnForm(ShipmentLineQuantities, forms.Form):
    """One completed shipment's return: a quantity per line up to what is still
    returnable, and the rest of the return. A posted line of another shipment, or
    any figure the domain refuses, is one sentence and nothing is written."""

    per_object = True

    stock_action = forms.ChoiceField(
        choices=StockAction.choices,
        initial=StockAction.BACK_TO_ORIGIN,
        widget=forms.RadioSelect,
        label=gettext_lazy("Returned goods"),
    )
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True),
        required=False,
        label=gettext_lazy("Other warehouse"),
        help_text=gettext_lazy("Only for “Into another warehouse”."),
    )
    refund_shipping = forms.BooleanField(required=False, label=gettext_lazy("Refund shipping"))
    # Which way each amount moves, in its label: the walk read "Handling cost —
    # Added to the refund" beside "Return fee — Deducted" as two charges.
    handling_cost = _money_field(
        gettext_lazy("Handling cost paid back (+)"),
        gettext_lazy("Paid back to the customer on top of the goods."),
    )
    return_fee = _money_field(
        gettext_lazy("Return fee kept (−)"), gettext_lazy("Kept from the refund.")
    )
    voucher_value = _money_field(
        gettext_lazy("Voucher value"),
        gettext_lazy("Given back as a store voucher instead of money: deducted."),
    )
    reason = forms.ChoiceField(
        choices=[("", "—"), *ReturnReason.choices], required=False, label=gettext_lazy("Reason")
    )
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        strip=True,
        label=gettext_lazy("Comment"),
    )

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.shipment: Shipment = objects[0]
        self.rows = shipment_rows(self.shipment)
        for row in self.rows:
            self.fields[f"qty_{row['line'].pk}"] = QuantityField(
                max_value=row["returnable"],
                initial=0,
                required=False,
                disabled=not row["returnable"],
                label=_("Return now: %(sku)s") % {"sku": row["line"].order_line.sku},
            )
            row["field_name"] = f"qty_{row['line'].pk}"
            row["field"] = self[row["field_name"]]
        currency = self.shipment.order.currency
        for name in MONEY_FIELDS:
            self.fields[name].currency = currency
        self.fields["handling_cost"].help_text = handling_help(self.shipment)
        shipping = format_money(self.shipment.shipping_amount, currency)
        refund_shipping = self.fields["refund_shipping"]
        refund_shipping.help_text = _("The %(amount)s this shipment charged, refunded once.") % {
            "amount": shipping
        }
        claimed = self.shipment.returns.filter(refund_shipping=True).first()
        if claimed is not None:
            claimed.order = self.shipment.order
            self.fields["refund_shipping"].disabled = True
            self.fields["refund_shipping"].help_text = _("Refunded by return %(return)s.") % {
                "return": claimed.number
            }
        elif not self.shipment.shipping_amount:
            self.fields["refund_shipping"].disabled = True
            self.fields["refund_shipping"].help_text = _("This shipment charged no shipping.")
        # Left empty: prefilled, it read as chosen while "Back to the shipment's
        # warehouse" was (the walk); it is asked only for "Into another warehouse".
        self.preview: Return | None = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.refuse_foreign_lines()
        for name in MONEY_FIELDS:
            if cleaned.get(name) is None:
                cleaned[name] = ZERO
        try:
            self.preview = preview(self.shipment, self.quantities(), cleaned)
        except DomainError as error:
            raise forms.ValidationError(str(error)) from None
        return cleaned


def handling_help(shipment: Shipment) -> str:
    """The cap on what a return of this shipment pays out, shown before anything is typed."""
    currency = shipment.order.currency
    limit = checks.handling_limit()
    cap = checks.refund_caps([Return(order=shipment.order, shipment=shipment)], limit=limit)
    left = cap[None].charged - cap[None].refunded
    return _(
        "Paid back to the customer on top of the goods, at most %(limit)s "
        "(the store's limit). "
        "Returns of shipment %(shipment)s refund at most %(left)s "
        "more, plus handling; anything beyond is a goodwill refund."
    ) % {
        "limit": format_money(limit, currency),
        "shipment": shipment.ref,
        "left": format_money(left, currency),
    }


def shipment_rows(shipment: Shipment) -> list[dict]:
    """Per shipped line: shipped, already returned and still returnable (one query
    for the returned units, one for the lines)."""
    returnable = returnable_quantities(shipment)
    rows = []
    for line in shipment.lines.select_related("order_line").order_by("pk"):
        left = returnable.get(line.pk, line.quantity)
        rows.append({"line": line, "returned": line.quantity - left, "returnable": left})
    return rows


def preview(shipment: Shipment, quantities: dict[int, int], data: dict) -> Return:
    """The return `create_return` would make, unsaved (`returns.preview_return`):
    the same checks and amounts, so the suggested refund shown is the one it stores."""
    params = {**create_params(shipment, data), "quantities": quantities}
    return returns.preview_return(shipment_id=shipment.pk, **params)


def create_params(shipment: Shipment, data: dict) -> dict:
    warehouse = data.get("warehouse")
    quantities = {
        int(name.removeprefix("qty_")): units
        for name, units in data.items()
        if name.startswith("qty_") and units
    }
    return {
        "quantities": quantities,
        "stock_action": data["stock_action"],
        "warehouse_id": warehouse.pk
        if warehouse and data["stock_action"] == StockAction.TO_WAREHOUSE
        else None,
        "refund_shipping": data["refund_shipping"],
        "handling_cost": data["handling_cost"] or ZERO,
        "return_fee": data["return_fee"] or ZERO,
        "voucher_value": data["voucher_value"] or ZERO,
        "reason": data["reason"],
        "comment": data["comment"],
    }


def create_confirmation(shipment: Shipment, data: dict) -> str:
    """The sentence to confirm, from the same preview the form's check made."""
    params = create_params(shipment, data)
    draft = preview(shipment, params["quantities"], data)
    currency = shipment.order.currency
    units = ", ".join(
        f"{quantity} × {line.order_line.sku} ({format_money(amount, currency)})"
        for line, quantity, amount in draft.wanted
    )
    # What is added to and taken from the goods' value: "+ shipping 5.00 EUR − return fee …".
    parts = [
        part % {"amount": format_money(amount, currency)}
        for part, amount in (
            (_("+ shipping %(amount)s"), draft.shipping_amount),
            (_("+ handling %(amount)s"), draft.handling_cost),
            (_("− return fee %(amount)s"), draft.return_fee),
            (_("− voucher %(amount)s"), draft.voucher_value),
        )
        if amount
    ]
    figures = {
        "units": units,
        "shipment": shipment.ref,
        "warehouse": draft.warehouse,
        "refund": format_money(draft.suggested_refund, currency),
        "parts": " ".join(parts),
    }
    if draft.warehouse and parts:
        sentence = _(
            "Return %(units)s of shipment %(shipment)s, back into %(warehouse)s; suggested "
            "refund %(refund)s (%(parts)s). Nothing is refunded or put back in stock until "
            "the return is refunded and completed."
        )
    elif draft.warehouse:
        sentence = _(
            "Return %(units)s of shipment %(shipment)s, back into %(warehouse)s; suggested "
            "refund %(refund)s. Nothing is refunded or put back in stock until the return "
            "is refunded and completed."
        )
    elif parts:
        sentence = _(
            "Return %(units)s of shipment %(shipment)s, removed from stock; suggested refund "
            "%(refund)s (%(parts)s). Nothing is refunded or put back in stock until the "
            "return is refunded and completed."
        )
    else:
        sentence = _(
            "Return %(units)s of shipment %(shipment)s, removed from stock; suggested refund "
            "%(refund)s. Nothing is refunded or put back in stock until the return is "
            "refunded and completed."
        )
    return sentence % figures


def create_refusal(shipment: Shipment, by: Actor) -> str | None:
    """Offered on a completed shipment of an order not cancelled, with units left to
    return, to whoever may create returns (the return's own transition says who)."""
    draft = Return(order=shipment.order, shipment=shipment)
    sentence = refusal(draft.create, by=by)
    if sentence:
        return sentence
    try:
        checks.refuse_unless_returnable(shipment.order, shipment)
    except DomainError as error:
        return str(error)
    if not any(units > 0 for units in returnable_quantities(shipment).values()):
        return _("Every unit of shipment %(shipment)s is returned already.") % {
            "shipment": shipment.ref
        }
    return None


def created(shipment: Shipment, return_: Return) -> str:
    amount = format_money(return_.refund_amount, shipment.order.currency)
    return _("return %(return)s created with a suggested refund of %(amount)s") % {
        "return": return_.number,
        "amount": amount,
    }


CREATE_RETURN = Step(
    "create_return",
    returns.create_return,
    form=CreateReturnForm,
    id_kwarg="shipment_id",
    params_for=create_params,
    refusal_of=create_refusal,
    transition=Return.create,
    # A step of the shipment that runs the return's transition: "Create" alone
    # would not say what it creates.
    words=Words(label=gettext_lazy("Create return"), past=gettext_lazy("returned")),
    explain_when_blocked=False,
    confirm_with=create_confirmation,
    done_detail=created,
    in_bulk=False,
)
