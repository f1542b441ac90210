"""The returns room of the back office: the returns app's `ReturnAdmin`, plus
"Exchange…" (`backoffice.steps.exchange`) and the return's exchange order.

`returns.admin` may not import the back office (the layers point down), so the
back office extends it from above, as the shipments room does: `ExchangeReturnAdmin`
replaces it in the admin site when `backoffice.admin` is loaded.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backoffice.admin.follow_ups import link_made_order
from backoffice.steps.exchange import EXCHANGE
from core.money import format_money
from orders.models import Order
from returns.admin import RETURN_STEPS, ReturnAdmin
from returns.models import Return


def after_field(names: list[str], after: str, name: str) -> list[str]:
    at = names.index(after) + 1
    return [*names[:at], name, *names[at:]]


class ExchangeReturnAdmin(ReturnAdmin):
    """The returns admin with "Exchange…" first (an exchange is agreed before the
    refund) and the exchange order on the return's page."""

    steps = [EXCHANGE, *RETURN_STEPS]
    link_fields = {**ReturnAdmin.link_fields, "exchange": (Order, "exchange_text")}
    readonly_fields = after_field(ReturnAdmin.readonly_fields, "refund", "exchange")
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("exchange_order")

    @admin.display(description=_("exchange order"))
    def exchange(self, return_: Return):
        text = self.exchange_text(return_)
        if text is None:
            # A read-only field shows a None as "None": the page's empty marker instead.
            return self.get_empty_value_display()
        url = reverse("admin:orders_order_change", args=[return_.exchange_order_id])
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("exchange order"))
    def exchange_text(self, return_: Return):
        order = return_.exchange_order
        if order is None:
            return None
        credit = format_money(return_.exchange_credit, return_.currency)
        return gettext("%(number)s · %(state)s · %(credit)s credited") % {
            "number": order.number,
            "state": order.state_label,
            "credit": credit,
        }

    def step_params(self, request, step, params):
        if step is EXCHANGE:
            # A difference paid by link: the link is an address of this site.
            return {**params, "base_url": request.build_absolute_uri("/")}
        return params

    def after_step(self, request, step, obj, result) -> None:
        if step is EXCHANGE:
            link_made_order(self.admin_site, request, result)

    def step_page_context(self, request, step, objects):
        context = super().step_page_context(request, step, objects)
        if step is EXCHANGE and objects:
            context["title"] = gettext("Exchange the goods of return %(number)s") % {
                "number": objects[0].number
            }
        return context


def register(site: admin.AdminSite) -> None:
    if site.is_registered(Return):
        site.unregister(Return)
    site.register(Return, ExchangeReturnAdmin)
