"""The split page: an order's unshipped lines, what each warehouse has, and the
quantities for a new shipment (proposed, editable)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.admin.orders.reservations import MoveReservationForm
from core.errors import DomainError
from core.fsm import refusal
from core.typed_fields import QuantityField
from orders.models import Order
from shipments import services as shipping
from shipments.models import Warehouse


class SplitForm(forms.Form):
    """Per line of the order, the quantity to put in the new shipment.

    Built from the order's own lines: a posted quantity for any other line id,
    a negative one, or more than the line has left is a form error.
    """

    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True), label=gettext_lazy("Warehouse")
    )

    def __init__(self, *args, order: Order, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"qty_{line.pk}"] = QuantityField(
                max_value=line.quantity_unshipped,
                required=False,
                label=line.sku,
            )

    def clean(self):
        cleaned = super().clean()
        known = {f"qty_{line.pk}" for line in self.lines}
        foreign = sorted(key for key in self.data if key.startswith("qty_") and key not in known)
        if foreign:
            raise forms.ValidationError(
                _("%(fields)s is not a line of %(order)s that has units left to ship.")
                % {"fields": ", ".join(foreign), "order": self.order}
            )
        if not any(cleaned.get(f"qty_{line.pk}") for line in self.lines):
            raise forms.ValidationError(_("Choose at least one unit to ship."))
        return cleaned

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"qty_{line.pk}"]
            for line in self.lines
            if self.cleaned_data.get(f"qty_{line.pk}")
        }


def split_rows(order: Order, warehouse: Warehouse, warehouses: list[Warehouse], form):
    """The split page's table: per line ordered, cancelled, in shipments, unshipped,
    where it is reserved since placement, available in each warehouse, and the
    quantity field (proposed for `warehouse`)."""
    lines = list(order.lines_with_shipped())
    skus = {line.sku for line in lines}
    available = {w.pk: shipping.available_by_sku(warehouse=w, skus=skus) for w in warehouses}
    proposal = {
        p.line.pk: p.quantity
        for p in shipping.propose_split(order=order, warehouse=warehouse).lines
    }
    reserved = shipping.reserved_by_line(order)
    rows = []
    for line in lines:
        field = form[f"qty_{line.pk}"] if f"qty_{line.pk}" in form.fields else None
        rows.append(
            {
                "line": line,
                "reserved": ", ".join(
                    _("%(units)s in %(warehouse)s") % {"units": units, "warehouse": warehouse}
                    for warehouse, units in reserved.get(line.pk, [])
                )
                or "—",
                "available": [available[w.pk].get(line.sku, 0) for w in warehouses],
                "proposed": proposal.get(line.pk, 0),
                "field": field,
            }
        )
    return rows


def shippable_lines(order: Order):
    return [line for line in order.lines_with_shipped() if line.quantity_unshipped > 0]


class SplitPageMixin:
    """The split view of `OrderAdmin` and the button that leads to it."""

    def split_urls(self):
        """The split page (an `extra_urls` entry)."""
        return [
            path(
                "<path:object_id>/split/",
                self.admin_site.admin_view(self.split_view),
                name="orders_order_split",
            )
        ]

    def _split_button(self, order: Order) -> dict:
        return {
            "name": "split",
            "label": _("Split into shipments"),
            "url": reverse(
                "admin:orders_order_split", args=[quote(order.pk)], current_app=self.admin_site.name
            ),
            "page": True,
            "danger": False,
        }

    def split_view(self, request, object_id):
        """Split into shipments: per line ordered, in shipments, unshipped, available
        per warehouse, and the quantity for the new shipment (proposed, editable)."""
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, order):
            raise PermissionDenied
        change_url = reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        sentence = refusal(order.start_processing, by=request.user)
        if sentence:
            self.message_user(request, sentence, messages.ERROR)
            return HttpResponseRedirect(change_url)
        warehouses = list(Warehouse.objects.filter(is_active=True))
        if not warehouses:
            self.message_user(
                request, _("There is no active warehouse to ship from."), messages.ERROR
            )
            return HttpResponseRedirect(change_url)
        chosen = next(
            (
                w
                for w in warehouses
                if str(w.pk) == (request.POST.get("warehouse") or request.GET.get("warehouse"))
            ),
            warehouses[0],
        )
        lines = shippable_lines(order)
        proposal = shipping.propose_split(order=order, warehouse=chosen)
        initial = {"warehouse": chosen.pk} | {
            f"qty_{p.line.pk}": p.quantity for p in proposal.lines
        }
        data = request.POST if request.method == "POST" else None
        form = SplitForm(data, order=order, lines=lines, initial=initial)
        if data is not None and form.is_valid():
            try:
                shipment = shipping.create_shipment(
                    order_id=order.pk,
                    warehouse_id=form.cleaned_data["warehouse"].pk,
                    quantities=form.quantities(),
                    by=request.user,
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                units = ", ".join(
                    f"{line.quantity} × {line.order_line.sku}"
                    for line in shipment.lines.select_related("order_line")
                )
                self.message_user(
                    request,
                    _("Shipment %(ref)s created from %(warehouse)s: %(units)s.")
                    % {"ref": shipment.ref, "warehouse": shipment.warehouse, "units": units},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        rows = split_rows(order, chosen, warehouses, form)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Split %(order)s into shipments") % {"order": order},
            "subtitle": None,
            "opts": self.opts,
            "original": order,
            "form": form,
            "warehouses": warehouses,
            "chosen": chosen,
            "chosen_index": warehouses.index(chosen),
            "rows": rows,
            # Orders whose market reserves at placement show where their units wait.
            "reserving": shipping.reserves_at_placement(order),
            # Only when something is still reserved is there anything to move.
            "move_form": any(row["reserved"] != "—" for row in rows)
            and MoveReservationForm(order=order, warehouses=warehouses),
            "move_url": reverse(
                "admin:orders_order_move_reservation",
                args=[quote(order.pk)],
                current_app=self.admin_site.name,
            ),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/split.html", context)
