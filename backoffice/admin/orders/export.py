"""CSV export from the orders list: actions for the selection, and "Export" links for
every order matching the list's filters and search (the same queryset the list
pages through, so the file has exactly the list's rows). The file is made by
`backoffice.export`, as `manage.py export_orders` makes it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice import export

PERMISSION = "orders.export_order"


class OrderExportMixin:
    actions = ["export_orders", "export_order_lines"]

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request) and request.user.has_perm(PERMISSION)

    @admin.action(description=gettext_lazy("Export to CSV"), permissions=["export"])
    def export_orders(self, request, queryset):
        return export.streaming_response(queryset, per_line=False)

    @admin.action(
        description=gettext_lazy("Export to CSV, one row per line"), permissions=["export"]
    )
    def export_order_lines(self, request, queryset):
        return export.streaming_response(queryset, per_line=True)

    def export_urls(self):
        """The export of everything the list matches (an `extra_urls` entry)."""
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="orders_order_export",
            ),
            path(
                "export/lines/",
                self.admin_site.admin_view(self.export_view),
                {"per_line": True},
                name="orders_order_export_lines",
            ),
        ]

    def export_view(self, request, per_line: bool = False):
        """Every order the list shows under these filters and this search, on all pages."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, _("Those filters were not understood."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        return export.streaming_response(changelist.queryset, per_line=per_line)

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if self.has_export_permission(request):
            query = request.GET.copy()
            query.pop("p", None)
            suffix = f"?{query.urlencode()}" if query else ""
            site = self.admin_site.name
            extra_context["export_links"] = [
                (reverse("admin:orders_order_export", current_app=site) + suffix, _("Export")),
                (
                    reverse("admin:orders_order_export_lines", current_app=site) + suffix,
                    _("Export lines"),
                ),
            ]
        return super().changelist_view(request, extra_context)
