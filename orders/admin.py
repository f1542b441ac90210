"""The store settings row and the tombstones of deleted orders.

The order admin itself spans orders, shipments and payments: it lives in
`backoffice.admin`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin.changelist import CheckedChangeListMixin
from core.admin.links import LinksForWhoMayOpenMixin
from core.admin.read_only import ReadOnlyAdminMixin
from core.typed_fields import AmountField
from orders.models import DeletedOrder, StoreSettings


@admin.register(StoreSettings)
class StoreSettingsAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "autoconfirm",
        "direct_to_shipment",
        "direct_capture",
        "archive_after_days",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Amounts typed here are read like every other amount (`core.money.read_amount`).
        if db_field.name == "return_handling_limit":
            return AmountField(label=db_field.verbose_name, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        # The single row exists from the migration on (and `load()` makes it);
        # asking the database here would cost a query on every admin page.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeletedOrder)
class DeletedOrderAdmin(
    LinksForWhoMayOpenMixin, CheckedChangeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = ["order_number", "deleted_at", "actor", "reason"]
    search_fields = ["=order_number"]
    show_full_result_count = False
    fields = ["order_number", "order_id", "deleted_at", "user", "actor", "reason"]
    readonly_fields = fields
    # Who deleted it: no staff group may open users.
    link_fields = {"user": (settings.AUTH_USER_MODEL, "user_text")}

    @admin.display(description=_("user"))
    def user_text(self, tombstone: DeletedOrder):
        return tombstone.user.get_username() if tombstone.user else None
