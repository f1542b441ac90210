"""Read-only views of payments and their ledger; state changes go through the services."""

from django.contrib import admin

from payments.models import Payment, PaymentTransaction


class PaymentTransactionInline(admin.TabularInline):
    model = PaymentTransaction
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "kind",
        "manual",
        "amount",
        "outcome",
        "shipment_ref",
        "provider_reference",
        "message",
        "reference",
        "reversed_at",
        "actor",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "status",
        "method",
        "currency",
        "authorized_amount",
        "captured_amount",
        "refunded_amount",
        "created_at",
    ]
    list_filter = ["status", "provider"]
    list_select_related = ["order"]
    search_fields = ["=order__number", "=provider_reference"]
    show_full_result_count = False
    inlines = [PaymentTransactionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
