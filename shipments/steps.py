"""The shipments' steps: good-to-go, capture, mark paid or unpaid, complete with
tracking (in bulk through one small form), delete. Each runs its service in
`shipments.services`; its words and permission are its transition's. The admin
shows them (`shipments.admin`), and the back office adds its own on top."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.fsm import permission_refusal, refusal
from core.steps import Step
from shipments import services
from shipments.models import Shipment, ShipmentStatus


class CompleteShipmentForm(forms.Form):
    """One small form for one or many shipments: a tracking number per shipment,
    one carrier and shipped date for all."""

    per_object = True

    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=100)
    shipped_date = forms.DateField(
        label=gettext_lazy("Shipped date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Not in the future."),
    )

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        for shipment in objects:
            self.fields[f"tracking_{shipment.pk}"] = forms.CharField(
                max_length=100,
                label=_("Tracking number of %(ref)s") % {"ref": shipment.ref},
            )

    def clean_shipped_date(self):
        shipped = self.cleaned_data["shipped_date"]
        if shipped > timezone.localdate():
            raise forms.ValidationError(_("The shipped date cannot be in the future."))
        return shipped


def complete_params(shipment: Shipment, data: dict) -> dict:
    return {
        "tracking_number": data.get(f"tracking_{shipment.pk}", ""),
        "carrier": data["carrier"],
        "shipped_date": data["shipped_date"],
    }


def complete_refusal(shipment: Shipment, by) -> str | None:
    """Completing a good-to-go shipment captures it first (the service does both)."""
    if shipment.status == ShipmentStatus.GOOD_TO_GO:
        return refusal(shipment.capture, by=by) or permission_refusal(shipment.complete, by=by)
    return refusal(shipment.complete, by=by)


def capture_detail(shipment: Shipment, result: Shipment) -> str:
    """A provider that settles later took it as a request: the message says so."""
    if result.status == ShipmentStatus.CAPTURE_REQUESTED:
        return _("capture requested: paid when the payment provider confirms it")
    return ""


class MarkPaidForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("E.g. the bank transfer's reference."),
    )


SHIPMENT_STEPS = [
    Step("good_to_go", services.mark_good_to_go, id_kwarg="shipment_id"),
    Step(
        "not_good_to_go",
        services.mark_not_good_to_go,
        id_kwarg="shipment_id",
        explain_when_blocked=False,
    ),
    Step(
        "capture",
        services.capture_shipment,
        id_kwarg="shipment_id",
        done_detail=capture_detail,
    ),
    Step(
        "mark_paid",
        services.mark_shipment_paid,
        form=MarkPaidForm,
        id_kwarg="shipment_id",
        explain_when_blocked=False,
    ),
    Step(
        "mark_unpaid",
        services.mark_shipment_unpaid,
        confirm=True,
        id_kwarg="shipment_id",
        explain_when_blocked=False,
    ),
    Step(
        "complete",
        services.complete_shipment,
        form=CompleteShipmentForm,
        id_kwarg="shipment_id",
        params_for=complete_params,
        refusal_of=complete_refusal,
        explain_when_blocked=False,
    ),
    Step(
        "delete_shipment",
        services.delete_shipment,
        confirm=True,
        danger=True,
        deletes=True,
        id_kwarg="shipment_id",
        explain_when_blocked=False,
    ),
]
