"""Shipments in the back office: the list, the steps (good-to-go, capture, mark paid
or unpaid, complete with tracking — in bulk through one small form —, delete),
warehouses and stock. Every change goes through `shipments.services`."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin.badges import state_badge
from core.admin.changelist import (
    CheckedChangeListMixin,
    ChoiceListFilter,
    PageFirstMixin,
    exact_number,
)
from core.admin.links import LinksForWhoMayOpenMixin
from core.admin.pagination import EstimatedCountPaginator
from core.admin.read_only import ReadOnlyAdminMixin
from core.admin.step_admin import RefusalsAsMessagesMixin, ServiceWrittenAdmin
from core.money import format_money
from orders.models import Order
from shipments import services
from shipments.models import Shipment, ShipmentLine, Stock, Warehouse
from shipments.steps import SHIPMENT_STEPS


def shipment_badge(shipment: Shipment):
    return state_badge(shipment, css_prefix="shipment")


class ShipmentLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ShipmentLine
    extra = 0
    fields = ["sku", "product", "quantity", "amount"]
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order_line")

    @admin.display(description=_("SKU"))
    def sku(self, line: ShipmentLine):
        return line.order_line.sku

    @admin.display(description=_("product"))
    def product(self, line: ShipmentLine):
        return f"{line.order_line.product_name} {line.order_line.variant}".strip()


@admin.register(Shipment)
class ShipmentAdmin(LinksForWhoMayOpenMixin, PageFirstMixin, ServiceWrittenAdmin):
    """Shipments are made from their order (expedite or split), never added here."""

    steps = SHIPMENT_STEPS
    step_ordering = ["order__number", "sequence"]
    link_fields = {"order_link": (Order, "order_text"), "warehouse": (Warehouse, "warehouse_text")}
    list_display = [
        "number",
        "order_link",
        "status_badge",
        "warehouse",
        "amount_display",
        "tracking_number",
        "carrier",
        "shipped_date",
        "created_at",
    ]
    list_display_links = ["number"]
    list_select_related = ["order", "warehouse"]
    list_filter = [("status", ChoiceListFilter), "warehouse"]
    sortable_by = ["created_at"]
    search_fields = ["=tracking_number", "=order__number"]
    search_help_text = _("Exact tracking number or order number.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    # As the orders list: 50 rows a page (Django's 100 take twice as long to draw).
    list_per_page = 50
    ordering = ["-id"]
    inlines = [ShipmentLineInline]
    readonly_fields = [
        "number",
        "order_link",
        "status_badge",
        "warehouse",
        "amount_display",
        "paid_manually",
        "tracking_number",
        "carrier",
        "shipped_date",
        "created_at",
        "good_to_go_at",
        "paid_at",
        "completed_at",
    ]
    fields = readonly_fields

    class Media:
        css = {"all": ["centra/admin.css"]}

    def object_reference(self, shipment: Shipment) -> str:
        return shipment.ref

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "warehouse")

    def get_search_results(self, request, queryset, search_term):
        """Exact tracking number or order number, each an equality on its index.

        Django's "=" prefix would emit UPPER(col::text) = UPPER(%s), which no plain
        index serves (and casts the order number to text); the order number is
        resolved to ids first so the planner can OR two index scans.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(tracking_number=term)
        number = exact_number(term)
        if number is not None:
            order_ids = Order.objects.filter(number=number).values_list("pk", flat=True)
            matches |= Q(order_id__in=list(order_ids))
        return queryset.filter(matches), False

    @admin.display(description=_("shipment"))
    def number(self, shipment: Shipment):
        return shipment.ref

    @admin.display(description=_("order"))
    def order_link(self, shipment: Shipment):
        url = reverse("admin:orders_order_change", args=[shipment.order_id])
        return format_html('<a href="{}">{}</a>', url, shipment.order.number)

    @admin.display(description=_("order"))
    def order_text(self, shipment: Shipment):
        return shipment.order.number

    @admin.display(description=_("warehouse"))
    def warehouse_text(self, shipment: Shipment):
        return str(shipment.warehouse)

    @admin.display(description=_("status"))
    def status_badge(self, shipment: Shipment):
        return shipment_badge(shipment)

    @admin.display(description=_("amount"))
    def amount_display(self, shipment: Shipment):
        currency = shipment.order.currency
        if shipment.status in ("paid", "completed"):
            return format_money(shipment.amount, currency)
        return "—"


@admin.register(Warehouse)
class WarehouseAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["name", "priority", "is_active"]


@admin.register(Stock)
class StockAdmin(CheckedChangeListMixin, RefusalsAsMessagesMixin, admin.ModelAdmin):
    list_display = ["sku", "warehouse", "on_hand", "allocated", "available"]
    list_select_related = ["warehouse"]
    list_filter = ["warehouse"]
    search_fields = ["=sku"]
    readonly_fields = ["allocated"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        # A row's warehouse and SKU are its identity; a count changes on hand only.
        return ["warehouse", "sku", "allocated"] if obj else ["allocated"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would skip the allocation check
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            services.set_stock_on_hand(stock_id=obj.pk, on_hand=obj.on_hand, by=request.user)
        else:
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        services.remove_stock(stock_id=obj.pk, by=request.user)

    @admin.display(description=_("available"))
    def available(self, stock: Stock):
        return stock.available
