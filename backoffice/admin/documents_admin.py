"""Printing shipment documents: "Print packing lists" and "Print pro-forma" on the
shipments list, and links on the order page, all to one page per kind that holds
the documents of every chosen shipment (a page break between them).

`shipments.admin` may not import the back office (the layers point down), so
the back office extends it from above: `PrintableShipmentAdmin` is the
shipments app's `ShipmentAdmin` plus these actions and the print view, and
replaces it in the admin site when `backoffice.admin` is loaded (after
`shipments.admin`, as INSTALLED_APPS lists the apps). The shipments app's admin
stays as it is and testable alone; nothing is patched into it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from backoffice import documents
from backoffice.admin.background import BackgroundStepsMixin
from backoffice.steps import SHIPMENT_STEPS
from backoffice.steps.create_return import CREATE_RETURN
from shipments.admin import ShipmentAdmin
from shipments.models import Shipment

# kind in the URL → (template, title, with prices)
KINDS = {
    "packing-lists": ("documents/packing_list.html", "Packing list", False),
    "pro-forma": ("documents/proforma.html", "Pro-forma invoice", True),
}
# The documents show the order's addresses: whoever may view orders may print them.
PERMISSION = "orders.view_order"


def print_url(kind: str, **query) -> str:
    return reverse("admin:shipments_shipment_print", args=[kind]) + "?" + urlencode(query)


class ShipmentDocumentsMixin:
    actions = ["print_packing_lists", "print_proformas"]

    def has_print_permission(self, request) -> bool:
        return request.user.has_perm(PERMISSION)

    @admin.action(description="Print packing lists", permissions=["print"])
    def print_packing_lists(self, request, queryset):
        return self._print_selection(request, queryset, "packing-lists")

    @admin.action(description="Print pro-forma invoices", permissions=["print"])
    def print_proformas(self, request, queryset):
        return self._print_selection(request, queryset, "pro-forma")

    def _print_selection(self, request, queryset, kind: str):
        ids = list(
            queryset.order_by("pk").values_list("pk", flat=True)[: documents.MAX_SHIPMENTS + 1]
        )
        if len(ids) > documents.MAX_SHIPMENTS:
            self.message_user(
                request,
                f"Select at most {documents.MAX_SHIPMENTS} shipments to print at once.",
                messages.ERROR,
            )
            return None
        return HttpResponseRedirect(print_url(kind, ids=",".join(map(str, ids))))

    def get_urls(self):
        return [
            path(
                "print/<str:kind>/",
                self.admin_site.admin_view(self.print_view),
                name="shipments_shipment_print",
            ),
            *super().get_urls(),
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
            self.message_user(request, "There is no shipment to print.", messages.ERROR)
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


class PrintableShipmentAdmin(BackgroundStepsMixin, ShipmentDocumentsMixin, ShipmentAdmin):
    """The shipments admin, with the print actions and view of the back office,
    "Create return…" on completed shipments (the returns app stands above shipments),
    and its bulk steps over large selections queued for the worker."""

    steps = SHIPMENT_STEPS

    def may_open_step(self, request, obj, step) -> bool:
        # Customer service takes returns from the order page without seeing the
        # shipments list: a return is made of what the order shows was shipped.
        if step is CREATE_RETURN and request.user.has_perm("orders.view_order"):
            return True
        return super().may_open_step(request, obj, step)

    def step_return_url(self, request, obj) -> str:
        # Whoever cannot open the shipment (Customer service) goes back to its order.
        if self.has_view_or_change_permission(request, obj):
            return super().step_return_url(request, obj)
        return reverse(
            "admin:orders_order_change",
            args=[quote(obj.order_id)],
            current_app=self.admin_site.name,
        )

    def step_page_context(self, request, step, objects):
        context = super().step_page_context(request, step, objects)
        if step is CREATE_RETURN and objects:
            context["title"] = f"Create return of shipment {objects[0].ref}"
        return context


class OrderDocumentLinksMixin:
    """`OrderAdmin`: links to the documents of all the order's shipments (no query)."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.user.has_perm(PERMISSION):
            extra_context["document_links"] = [
                (print_url("packing-lists", order=object_id), "Packing lists"),
                (print_url("pro-forma", order=object_id), "Pro-forma invoices"),
            ]
        return super().change_view(request, object_id, form_url, extra_context)


def register(site: admin.AdminSite) -> None:
    if site.is_registered(Shipment):
        site.unregister(Shipment)
    site.register(Shipment, PrintableShipmentAdmin)
