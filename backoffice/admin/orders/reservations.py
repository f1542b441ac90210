"""Moving an order's reserved units to another warehouse, from the split page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.typed_fields import QuantityField
from orders.models import Order
from shipments import services as shipping
from shipments.models import Allocation, Warehouse


class MoveReservationForm(forms.Form):
    """Which reservation (a line's units in one warehouse), where to, how many.

    Choices are lists read once, not querysets: a select over a queryset reads
    it twice when rendered.
    """

    allocation = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Reserved"))
    to_warehouse = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Move to"))
    quantity = QuantityField(label=gettext_lazy("Units"))

    def __init__(self, *args, order: Order, warehouses: list[Warehouse], **kwargs):
        super().__init__(*args, **kwargs)
        held = Allocation.objects.filter(order_line__order=order, quantity__gt=0)
        self.fields["allocation"].choices = [
            (
                row.pk,
                _("%(quantity)s × %(sku)s in %(warehouse)s")
                % {"quantity": row.quantity, "sku": row.order_line.sku, "warehouse": row.warehouse},
            )
            for row in held.select_related("order_line", "warehouse").order_by("pk")
        ]
        self.fields["to_warehouse"].choices = [(w.pk, str(w)) for w in warehouses]


class ReservationMoveMixin:
    """The split page's "Move a reservation" form and the view it posts to."""

    def move_urls(self):
        """The move's address (an `extra_urls` entry): POST only, back to the split page."""
        return [
            path(
                "<path:object_id>/split/move/",
                self.admin_site.admin_view(require_POST(self.move_reservation_view)),
                name="orders_order_move_reservation",
            )
        ]

    def move_reservation_view(self, request, object_id):
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        split_url = reverse(
            "admin:orders_order_split", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        warehouses = list(Warehouse.objects.filter(is_active=True))
        form = MoveReservationForm(request.POST, order=order, warehouses=warehouses)
        if not form.is_valid():
            sentence = " ".join(
                f"{form.fields[name].label if name in form.fields else ''}: {error}".lstrip(": ")
                for name, errors in form.errors.items()
                for error in errors
            )
            self.message_user(request, sentence, messages.ERROR)
            return HttpResponseRedirect(split_url)
        try:
            moved = shipping.move_reservation(
                order_id=order.pk,
                allocation_id=form.cleaned_data["allocation"],
                to_warehouse_id=form.cleaned_data["to_warehouse"],
                quantity=form.cleaned_data["quantity"],
                by=request.user,
            )
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(quantity)s × %(sku)s now reserved in %(warehouse)s.")
                % {
                    "quantity": form.cleaned_data["quantity"],
                    "sku": moved.order_line.sku,
                    "warehouse": moved.warehouse,
                },
                messages.SUCCESS,
            )
        return HttpResponseRedirect(f"{split_url}?warehouse={form.cleaned_data['to_warehouse']}")
