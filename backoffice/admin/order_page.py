"""The order page: editable details and lines, its shipments and payment with
their steps, and the timeline."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse

from backoffice import services as backoffice_services
from core.admin.read_only import ReadOnlyAdminMixin
from core.fsm import is_allowed
from core.money import format_money, line_amount
from orders import services
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from payments.models import Payment, PaymentTransaction
from shipments.admin import shipment_badge
from shipments.models import Shipment


class OrderLineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.has_changed() and not services.lines_editable(self.instance):
            raise forms.ValidationError(
                f"{self.instance} is {self.instance.state_label}: its lines can no longer change."
            )


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    formset = OrderLineFormSet
    extra = 0
    fields = [
        "sku",
        "product_name",
        "variant",
        "quantity",
        "quantity_cancelled",
        "unit_price",
        "tax_percent",
        "discount",
        "line_total",
    ]
    readonly_fields = ["line_total"]

    @admin.display(description="line total")
    def line_total(self, line: OrderLine):
        if line.pk is None:
            return "—"
        currency = line.order.currency
        return format_money(line_amount(line, line.quantity_active, currency), currency)

    def get_queryset(self, request):
        # The line total needs the order's currency: one join, not a query per line.
        return super().get_queryset(request).select_related("order")

    # Lines are part of the order's details: whoever may change the order may
    # change its lines, while its status allows.
    def _may_edit(self, request, obj) -> bool:
        return (
            obj is not None
            and request.user.has_perm("orders.change_order")
            and services.lines_editable(obj)
        )

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orders.view_order")


class OrderEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = OrderEvent
    verbose_name = "event"
    verbose_name_plural = "timeline"
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "what", "change", "message"]
    readonly_fields = fields
    ordering = ["-created_at", "-id"]

    @admin.display(description="what")
    def what(self, event: OrderEvent):
        subject = "" if event.subject == OrderEvent.Subject.ORDER else f"{event.subject_ref} "
        return f"{subject}{event.transition.replace('_', ' ')}"

    @admin.display(description="from → to")
    def change(self, event: OrderEvent):
        if event.subject != OrderEvent.Subject.ORDER:
            return f"{event.from_state} → {event.to_state}" if event.from_state else event.to_state
        labels = dict((str(value), label) for value, label in OrderStatus.choices)
        before = labels.get(event.from_state, event.from_state)
        after = labels.get(event.to_state, event.to_state)
        return f"{before} → {after}" if before else after

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orders.view_order")


class OrderPageMixin:
    """The change page of `OrderAdmin`: what it shows beside the form, and saving."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if order is not None:
            # The shipping steps' checks read `order.shipments.all()`: these ones.
            prefetch_related_objects(
                [order],
                Prefetch(
                    "shipments",
                    queryset=Shipment.objects.select_related("warehouse")
                    .prefetch_related("lines__order_line")
                    .order_by("sequence"),
                ),
            )
            shipments = list(order.shipments.all())
            for shipment in shipments:
                shipment.order = order
            available, blocked = self.step_buttons(request, order)
            if is_allowed(order.start_processing, by=request.user):
                available.append(self._split_button(order))
            extra_context.update(
                step_buttons=available,
                blocked_steps=blocked,
                flow_url=reverse(
                    "admin:orders_order_flow_of",
                    args=[quote(order.pk)],
                    current_app=self.admin_site.name,
                ),
                **self.payment_context(request, order),
                **self.shipments_context(request, order, shipments),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def shipments_context(self, request, order: Order, shipments: list[Shipment]) -> dict:
        """The order's shipments with the steps this user may take on each now."""
        shipment_admin = self.admin_site.get_model_admin(Shipment)
        back_to = reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        rows = []
        for shipment in shipments:
            available, _blocked = shipment_admin.step_buttons(request, shipment, back_to=back_to)
            for button in available:
                # Links, not POST buttons: this section sits inside the order's form,
                # and forms do not nest. Steps without input confirm on their page.
                button["page"] = True
            rows.append(
                {
                    "shipment": shipment,
                    "badge": shipment_badge(shipment),
                    "lines": ", ".join(
                        f"{line.quantity} × {line.order_line.sku}" for line in shipment.lines.all()
                    ),
                    "amount": format_money(shipment.amount, order.currency)
                    if shipment.status in ("paid", "completed")
                    else "",
                    "buttons": available,
                    "url": reverse(
                        "admin:shipments_shipment_change",
                        args=[shipment.pk],
                        current_app=self.admin_site.name,
                    ),
                }
            )
        return {
            "shipment_rows": rows,
            "show_shipments": bool(rows) or order.status >= OrderStatus.CONFIRMED,
        }

    def payment_context(self, request, order: Order) -> dict:
        """The payment, its ledger and the payment steps this user may take now."""
        payment = Payment.objects.filter(order=order).first()
        if payment is None:
            return {}
        payment.order = order
        payment_admin = self.admin_site.get_model_admin(Payment)
        back_to = reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        available, _blocked = payment_admin.step_buttons(request, payment, back_to=back_to)
        currency = payment.currency
        return {
            "payment": payment,
            "payment_amounts": {
                "authorized": format_money(payment.authorized_amount, currency),
                "captured": format_money(payment.captured_amount, currency),
                "refunded": format_money(payment.refunded_amount, currency),
            },
            "payment_step_buttons": available,
            "payment_url": reverse(
                "admin:payments_payment_change",
                args=[payment.pk],
                current_app=self.admin_site.name,
            )
            if payment_admin.has_view_permission(request, payment)
            else "",
            "ledger": PaymentTransaction.objects.filter(payment=payment).order_by("created_at"),
        }

    def save_model(self, request, obj, form, change):
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Through the service: it locks the row and writes only what was edited,
        # never the status or hold another user may have changed meanwhile.
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        services.update_order_details(order_id=obj.pk, by=request.user, changes=changes)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changes = [
            change_text
            for formset in formsets
            if isinstance(formset, OrderLineFormSet)
            for change_text in _line_changes(formset)
        ]
        if changes:
            backoffice_services.record_line_changes(
                order_id=form.instance.pk, by=request.user, changes=changes
            )

    def step_page_context(self, request, step, objects):
        if not step.deletes or not objects:
            return {}
        pks = [obj.pk for obj in objects]
        deletable, model_count, _perms, _protected = self.get_deleted_objects(
            Order.objects.filter(pk__in=pks), request
        )
        return {"deletable_objects": deletable, "model_count": dict(model_count).items()}


def _line_changes(formset) -> list[str]:
    changes = [f"added {line}" for line in formset.new_objects]
    changes += [f"changed {line} ({', '.join(fields)})" for line, fields in formset.changed_objects]
    changes += [f"removed {line}" for line in formset.deleted_objects]
    return changes
