"""The shipments room of the back office: the shipments app's `ShipmentAdmin`, plus
the print actions and view (`documents`), "Create return…" and the rest of the
back office's shipment steps (`backoffice.steps.SHIPMENT_STEPS`), and bulk steps
over large selections queued for the worker.

`shipments.admin` may not import the back office (the layers point down), so
the back office extends it from above: `PrintableShipmentAdmin` replaces it in
the admin site when `backoffice.admin` is loaded (after `shipments.admin`, as
INSTALLED_APPS lists the apps). The shipments app's admin stays as it is and
testable alone; nothing is patched into it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.forms import Script
from django.urls import reverse
from django.utils.translation import gettext as _

from backoffice.admin.follow_ups import link_made_order
from backoffice.admin.jobs import BackgroundStepsMixin
from backoffice.admin.shipments.documents import ShipmentDocumentsMixin
from backoffice.steps import SHIPMENT_STEPS
from backoffice.steps.create_return import CREATE_RETURN
from backoffice.steps.resend import RESEND
from shipments.admin import ShipmentAdmin
from shipments.models import Shipment


class PrintableShipmentAdmin(BackgroundStepsMixin, ShipmentDocumentsMixin, ShipmentAdmin):
    """The shipments admin, with the print actions and view of the back office,
    "Create return…" and "Resend…" on completed shipments (the returns app and the
    back office's orders stand above shipments), and its bulk steps over large
    selections queued for the worker."""

    steps = SHIPMENT_STEPS
    extra_urls = [*ShipmentAdmin.extra_urls, ShipmentDocumentsMixin.print_urls]

    class Media:
        # The orders list's drop-down filters below 1440 px (static/centra/admin.css).
        js = [Script("centra/changelist.js", defer=True)]

    def may_open_step(self, request, obj, step) -> bool:
        # Customer service takes returns and resends from the order page without
        # seeing the shipments list: both are made of what the order shows was shipped.
        if step in (CREATE_RETURN, RESEND) and request.user.has_perm("orders.view_order"):
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
            context["title"] = _("Create return of shipment %(ref)s") % {"ref": objects[0].ref}
        if step is RESEND and objects:
            context["title"] = _("Resend goods of shipment %(ref)s") % {"ref": objects[0].ref}
        return context

    def after_step(self, request, step, obj, result) -> None:
        if step is RESEND:
            link_made_order(self.admin_site, request, result)


def register(site: admin.AdminSite) -> None:
    if site.is_registered(Shipment):
        site.unregister(Shipment)
    site.register(Shipment, PrintableShipmentAdmin)
