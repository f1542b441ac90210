from django.contrib import admin

from orders.models import DeletedOrder, Order, OrderEvent, OrderLine, StoreSettings


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "actor", "subject", "transition", "from_state", "to_state", "message"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "status", "on_hold", "customer_email", "grand_total", "currency"]
    list_filter = ["status", "on_hold"]
    search_fields = ["=number", "=customer_email"]
    readonly_fields = ["number", "status", "on_hold", "hold_kind", "hold_reason", "grand_total"]
    inlines = [OrderLineInline, OrderEventInline]
    show_full_result_count = False


@admin.register(StoreSettings)
class StoreSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return not StoreSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeletedOrder)
class DeletedOrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "deleted_at", "actor", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
