"""A basic registration; the back-office admin (transition buttons, split form) builds on it."""

from django.contrib import admin

from shipments.models import Shipment, ShipmentLine, Stock, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["name", "priority", "is_active"]


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ["sku", "warehouse", "on_hand", "allocated"]
    list_select_related = ["warehouse"]
    search_fields = ["=sku"]
    readonly_fields = ["allocated"]


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    fields = ["order_line", "quantity", "amount"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    """Read-only: every change goes through shipments.services."""

    list_display = ["__str__", "status", "warehouse", "amount", "tracking_number", "created_at"]
    list_select_related = ["order", "warehouse"]
    list_filter = ["status"]
    inlines = [ShipmentLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
