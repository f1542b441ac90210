"""Printing shipment documents: "Print packing lists" and "Print pro-forma" on the
shipments list, and links on the order page, all to one page per kind that holds
the documents of every chosen shipment (a page break between them)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from backoffice import documents

# kind in the URL → (template, title, with prices)
KINDS = {
    "packing-lists": ("documents/packing_list.html", gettext_lazy("Packing list"), False),
    "pro-forma": ("documents/proforma.html", gettext_lazy("Pro-forma invoice"), True),
}
# The documents show the order's addresses: whoever may view orders may print them.
PERMISSION = "orders.view_order"


def print_url(kind: str, **query) -> str:
    return reverse("admin:shipments_shipment_print", args=[kind]) + "?" + urlencode(query)


class ShipmentDocumentsMixin:
    actions = ["print_packing_lists", "print_proformas"]

    def has_print_permission(self, request) -> bool:
        return request.user.has_perm(PERMISSION)

    @admin.action(description=gettext_lazy("Print packing lists"), permissions=["print"])
    def print_packing_lists(self, request, queryset):
        return self._print_selection(request, queryset, "packing-lists")

    @admin.action(description=gettext_lazy("Print pro-forma invoices"), permissions=["print"])
    def print_proformas(self, request, queryset):
        return self._print_selection(request, queryset, "pro-forma")

    def _print_selection(self, request, queryset, kind: str):
        ids = list(
            queryset.order_by("pk").values_list("pk", flat=True)[: documents.MAX_SHIPMENTS + 1]
        )
        if len(ids) > documents.MAX_SHIPMENTS:
            self.message_user(
                request,
                gettext("Select at most %(count)s shipments to print at once.")
                % {"count": documents.MAX_SHIPMENTS},
                messages.ERROR,
            )
            return None
        return HttpResponseRedirect(print_url(kind, ids=",".join(map(str, ids))))

    def print_urls(self):
        """The print view (an `extra_urls` entry)."""
        return [
            path(
                "print/<str:kind>/",
                self.admin_site.admin_view(self.print_view),
                name="shipments_shipment_print",
            )
        ]

    def print_view(self, request, kind: str):
        """?ids=1,2,3 (the selection) or ?order=<id> (every shipment of one order)."""
        if kind not in KINDS or not self.has_print_permission(request):
            raise PermissionDenied
        template, title, priced = KINDS[kind]
        try:
            ids = [int(i) for i in request.GET.get("ids", "").split(",") if i]
            order_id = int(request.GET["order"]) if "order" in request.GET else None
        except ValueError:
            ids, order_id = [], None
        shipments = documents.shipments_for(ids=ids, order_id=order_id)
        if not shipments:
            self.message_user(request, gettext("There is no shipment to print."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:shipments_shipment_changelist"))
        context = {
            "title": title,
            "documents": documents.documents(shipments, priced=priced),
            "printed_at": documents.printed_at(),
            "back_url": self._back_url_of(shipments, order_id),
        }
        return TemplateResponse(request, template, context)

    def _back_url_of(self, shipments, order_id) -> str:
        if order_id is not None:
            return reverse("admin:orders_order_change", args=[quote(order_id)])
        return reverse("admin:shipments_shipment_changelist")
