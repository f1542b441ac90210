"""The orders back office: list, order page, steps, and the order flow page.

Thin by rule: pages parse input and call `orders.services`; what a user may do
comes from the state machine (`orders.fsm`), never from the template.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from orders import services
from orders.admin_flow import build_diagram
from orders.admin_forms import CancelForm, HoldForm, PurgeForm
from orders.admin_lists import (
    AdvancedOrderFilter,
    CountryFilter,
    EstimatedCountPaginator,
    HoldFilter,
    HoldKindFilter,
    MarketFilter,
    PaymentFilter,
    StatusFilter,
    placed_drilldown,
)
from orders.admin_shipping import (
    SHIPPING_STEPS,
    SplitForm,
    order_ids_by_reference,
    shippable_lines,
    split_rows,
    with_shipment_progress,
)
from orders.admin_steps import RefusalsAsMessagesMixin, Step, StepsAdminMixin
from orders.errors import DomainError
from orders.fsm import is_allowed, refusal
from orders.models import (
    DeletedOrder,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    StoreSettings,
)
from orders.money import format_money, line_amount
from payments.admin import payment_badge
from payments.models import Payment, PaymentTransaction
from shipments import services as shipping
from shipments.admin import shipment_badge
from shipments.models import Shipment, ShipmentStatus, Warehouse

S = OrderStatus

admin.site.site_header = "Centra Orders"
admin.site.site_title = "Centra Orders"
admin.site.index_title = "Back office"
# The orders list is wide; the app list is one click away in the breadcrumbs.
admin.site.enable_nav_sidebar = False

# Where each status box sits on the flow page; the boxes and arrows themselves
# come from the state machine.
ORDER_FLOW_POSITIONS = {
    S.INCOMPLETE: (0, 0),
    S.PENDING: (1, 0),
    S.CONFIRMED: (2, 0),
    S.PROCESSING: (3, 0),
    S.COMPLETED: (4, 0),
    S.ARCHIVED: (5, 0),
    S.CANCELLED: (2, 1),
}

SHIPMENT_FLOW_POSITIONS = {
    ShipmentStatus.CREATED: (0, 0),
    ShipmentStatus.GOOD_TO_GO: (1, 0),
    ShipmentStatus.PAID: (2, 0),
    ShipmentStatus.COMPLETED: (3, 0),
}

# Order details (addresses, notes) stay editable while the order is open, on
# hold or not; closed orders are read-only.


def status_badge(order: Order):
    return format_html(
        '<span class="centra-badge centra-status-{}">{}</span>',
        order.status,
        order.get_status_display(),
    )


def hold_marker(order: Order):
    if not order.on_hold:
        return ""
    return format_html(
        '<span class="centra-hold" title="{}">On hold · {}: {}</span>',
        order.hold_reason,
        order.get_hold_kind_display(),
        order.hold_reason if len(order.hold_reason) <= 60 else order.hold_reason[:57] + "…",
    )


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


class OrderEventInline(admin.TabularInline):
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
        labels = dict((str(value), label) for value, label in S.choices)
        before = labels.get(event.from_state, event.from_state)
        after = labels.get(event.to_state, event.to_state)
        return f"{before} → {after}" if before else after

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orders.view_order")


ORDER_STEPS = [
    Step("confirm", services.confirm_order),
    Step("unconfirm", services.unconfirm_order),
    Step("hold", services.hold_order, form=HoldForm, explain_when_blocked=False),
    Step("resume", services.resume_order, explain_when_blocked=False),
    *SHIPPING_STEPS,
    Step("cancel", services.cancel_order, form=CancelForm, danger=True),
    Step("archive", services.archive_order),
    Step("reactivate", services.reactivate_order),
    Step(
        "delete_permanently",
        services.delete_order_permanently,
        form=PurgeForm,
        danger=True,
        deletes=True,
        list_only_when={"status": str(S.CANCELLED)},
    ),
    Step(
        "discard",
        services.discard_selection,
        form=PurgeForm,
        danger=True,
        deletes=True,
        list_only_when={"status": str(S.INCOMPLETE)},
    ),
]


@admin.register(Order)
class OrderAdmin(RefusalsAsMessagesMixin, StepsAdminMixin, admin.ModelAdmin):
    steps = ORDER_STEPS

    list_display = [
        "number",
        "placed",
        "customer",
        "country",
        "market",
        "total",
        "status_badge",
        "hold",
        "shipping",
        "payment_state",
    ]
    # The payment is one-to-one: joined, never a query per row.
    list_select_related = ["payment"]
    sortable_by = ["number", "placed"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_filter = [
        StatusFilter,
        HoldFilter,
        HoldKindFilter,
        MarketFilter,
        CountryFilter,
        PaymentFilter,
        AdvancedOrderFilter,
    ]
    search_fields = ["number"]  # shows the box; get_search_results does the work
    search_help_text = (
        "Exact order number or email, a SKU, or part of the customer's name. "
        "Archived orders are searched only under the Archived filter."
    )
    inlines = [OrderLineInline, OrderEventInline]
    readonly_fields = [
        "number",
        "status_badge",
        "hold",
        "hold_kind",
        "held_at",
        "totals",
        "currency",
        "market",
        "pricelist",
        "language",
        "shipping_price",
        "payment_method",
        "cancel_reason",
        "created_at",
        "placed_at",
        "confirmed_at",
        "completed_at",
        "archived_at",
        "cancelled_at",
    ]
    fieldsets = [
        (
            None,
            {"fields": [("number", "status_badge", "hold"), "totals"]},
        ),
        ("Customer", {"fields": ["customer_name", "customer_email"]}),
        (
            "Billing address",
            {
                "fields": [
                    "billing_name",
                    "billing_street",
                    ("billing_zipcode", "billing_city"),
                    "billing_country",
                ]
            },
        ),
        (
            "Shipping address",
            {
                "fields": [
                    "shipping_name",
                    "shipping_street",
                    ("shipping_zipcode", "shipping_city"),
                    "shipping_country",
                ]
            },
        ),
        (
            "Shipping and payment",
            {"fields": ["shipping_method", "shipping_price", "payment_method"]},
        ),
        ("Market", {"fields": [("market", "pricelist", "currency", "language")]}),
        ("Notes", {"fields": ["notes", "gift_message"]}),
        (
            "Dates",
            {
                "classes": ["collapse"],
                "fields": [
                    ("created_at", "placed_at", "confirmed_at"),
                    ("completed_at", "archived_at", "cancelled_at"),
                    ("held_at", "hold_kind"),
                    "cancel_reason",
                ],
            },
        ),
    ]

    class Media:
        css = {"all": ["centra/admin.css"]}

    # List columns -----------------------------------------------------------

    @admin.display(description="placed", ordering="placed_at")
    def placed(self, order: Order):
        if order.placed_at is None:
            return None
        placed = localtime(order.placed_at)
        # Two short lines keep every column of the list on screen at 1440 px.
        return format_html("{}<br>{}", date_format(placed, "j M Y"), date_format(placed, "H:i"))

    @admin.display(description="customer")
    def customer(self, order: Order):
        return format_html(
            '{}<br><span class="centra-muted">{}</span>', order.customer_name, order.customer_email
        )

    @admin.display(description="country")
    def country(self, order: Order):
        return order.shipping_country

    @admin.display(description="grand total")
    def total(self, order: Order):
        amount = format_money(order.grand_total, order.currency)
        return format_html('<span class="centra-money">{}</span>', amount)

    @admin.display(description="status")
    def status_badge(self, order: Order):
        return status_badge(order)

    @admin.display(description="hold")
    def hold(self, order: Order):
        return hold_marker(order)

    @admin.display(description="shipments")
    def shipping(self, order: Order):
        total = getattr(order, "shipments_total", 0)
        if not total:
            return ""
        return f"{order.shipments_completed} of {total} shipped"

    @admin.display(description="payment")
    def payment_state(self, order: Order):
        try:
            payment = order.payment
        except Payment.DoesNotExist:
            return ""
        return payment_badge(payment)

    @admin.display(description="totals")
    def totals(self, order: Order):
        t = order.totals()
        return format_html(
            "Subtotal {} · discount {} · shipping {} · tax included {} · "
            "<strong>grand total {}</strong>",
            format_money(t.subtotal, t.currency),
            format_money(t.discount, t.currency),
            format_money(t.shipping, t.currency),
            format_money(t.tax, t.currency),
            format_money(order.grand_total, order.currency),
        )

    # Permissions ------------------------------------------------------------

    def has_add_permission(self, request):
        # Orders are created by checkout, never typed in.
        return False

    def has_delete_permission(self, request, obj=None):
        # Only through the "Delete permanently" step, which leaves a tombstone.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.details_editable(obj))

    # The list ---------------------------------------------------------------

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A search finds a handful of orders: count them exactly, without
        # asking the planner first.
        return EstimatedCountPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            may_estimate=not request.GET.get("q"),
        )

    def get_search_results(self, request, queryset, search_term):
        """Exact number, exact email, SKU, or part of the name — never a scan.

        Numbers and emails are indexed equalities; a SKU or a tracking number is
        resolved to order ids through its index first, so the name's trigram
        index and the primary key can be OR-ed by the planner; the name's `icontains` matches the
        expression index of migration 0003.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(pk__in=self.order_ids_by_reference(term))
        if term.isdigit():
            matches |= Q(number=int(term))
        elif "@" in term:
            matches |= Q(customer_email=term.lower())
        else:
            matches |= Q(customer_name__icontains=term)
        return queryset.filter(matches), False

    def order_ids_by_reference(self, term: str) -> list[int]:
        return order_ids_by_reference(term)

    def get_queryset(self, request):
        return with_shipment_progress(super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "placed_drilldown": placed_drilldown(request.GET),
            "flow_url": reverse("admin:orders_order_flow", current_app=self.admin_site.name),
        }
        return super().changelist_view(request, extra_context)

    # The order page ---------------------------------------------------------

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

    def _split_button(self, order: Order) -> dict:
        return {
            "name": "split",
            "label": "Split into shipments",
            "url": reverse(
                "admin:orders_order_split", args=[quote(order.pk)], current_app=self.admin_site.name
            ),
            "page": True,
            "danger": False,
        }

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
        return {"shipment_rows": rows, "show_shipments": bool(rows) or order.status >= S.CONFIRMED}

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
            self.message_user(request, "There is no active warehouse to ship from.", messages.ERROR)
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
                    f"Shipment {shipment.ref} created from {shipment.warehouse}: {units}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Split {order} into shipments",
            "subtitle": None,
            "opts": self.opts,
            "original": order,
            "form": form,
            "warehouses": warehouses,
            "chosen": chosen,
            "rows": split_rows(order, chosen, warehouses, form),
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/split.html", context)

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
            services.record_line_changes(
                order_id=form.instance.pk, by=request.user, changes=changes
            )

    # Steps --------------------------------------------------------------------

    def step_page_context(self, request, step, objects):
        if not step.deletes or not objects:
            return {}
        pks = [obj.pk for obj in objects]
        deletable, model_count, _perms, _protected = self.get_deleted_objects(
            Order.objects.filter(pk__in=pks), request
        )
        return {"deletable_objects": deletable, "model_count": dict(model_count).items()}

    # The order flow page ------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "flow/",
                self.admin_site.admin_view(self.flow_view),
                name="orders_order_flow",
            ),
            path(
                "<path:object_id>/split/",
                self.admin_site.admin_view(self.split_view),
                name="orders_order_split",
            ),
            path(
                "<path:object_id>/flow/",
                self.admin_site.admin_view(self.flow_view),
                name="orders_order_flow_of",
            ),
            *super().get_urls(),
        ]

    def flow_view(self, request, object_id=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        order = None
        if object_id is not None:
            order = self.get_object(request, unquote(object_id))
            if order is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        diagram = build_diagram(
            Order,
            positions=ORDER_FLOW_POSITIONS,
            current=order.status if order else None,
            title="Order",
        )
        shipment_diagram = build_diagram(
            Shipment, positions=SHIPMENT_FLOW_POSITIONS, title="Shipment"
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Order flow — {order}" if order else "Order flow",
            "subtitle": None,
            "opts": self.opts,
            "original": order,
            "diagrams": [diagram, shipment_diagram],
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order_flow.html", context)


def _line_changes(formset) -> list[str]:
    changes = [f"added {line}" for line in formset.new_objects]
    changes += [f"changed {line} ({', '.join(fields)})" for line, fields in formset.changed_objects]
    changes += [f"removed {line}" for line in formset.deleted_objects]
    return changes


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "autoconfirm",
        "direct_to_shipment",
        "direct_capture",
        "archive_after_days",
    ]

    def has_add_permission(self, request):
        # The single row exists from the migration on (and `load()` makes it);
        # asking the database here would cost a query on every admin page.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeletedOrder)
class DeletedOrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "deleted_at", "actor", "reason"]
    search_fields = ["=order_number"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
