"""The orders room: `OrderAdmin`, put together from one module per concern.

Thin by rule: pages parse input and call the services; what a user may do
comes from the state machine (`core.fsm`), never from the template. The steps
(buttons, actions, their pages) are `backoffice.steps.ORDER_STEPS`.

- `list`, `filters`: columns, search, paginator, drill-down; the sidebar, all
  fields of the one `OrderFilterSet`
- `page`: details, lines, shipments, payment (with `glance`, `timeline`,
  `timeline_words`, `returns_section`, `documents`)
- `comments`: comments on the timeline, the list's comment marker
- `export`: CSV export of the selection or of everything the list matches
- `split` (with `reservations`, moving reserved units), `flow`, `history`: the
  order's other pages
- `selection` (with `selection_page`, `selection_forms`): "Create selection" and
  the selection page, where staff make an order for a customer
- `origin`: the order's origin and its links (related order, follow-ups, return)

What the change page shows and which pages the admin adds are listed once, in
`page_sections` and `extra_urls` (`core.admin.page_hooks`); no module overrides
`change_view` or `get_urls`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.forms import Script
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from backoffice.admin.jobs import BackgroundStepsMixin
from backoffice.admin.orders.comments import OrderCommentsMixin
from backoffice.admin.orders.documents import document_links_section
from backoffice.admin.orders.export import OrderExportMixin
from backoffice.admin.orders.filters import (
    AdvancedOrderFilter,
    CountryFilter,
    HoldFilter,
    HoldKindFilter,
    MarketFilter,
    OriginFilter,
    PaymentFilter,
    ReturnsFilter,
    StatusFilter,
)
from backoffice.admin.orders.flow import FlowPageMixin
from backoffice.admin.orders.history import OrderHistoryMixin
from backoffice.admin.orders.lines import OrderLineInline
from backoffice.admin.orders.list import OrderListMixin
from backoffice.admin.orders.page import OrderPageForm, OrderPageMixin
from backoffice.admin.orders.reservations import ReservationMoveMixin
from backoffice.admin.orders.returns_section import cancel_skip_with_return_way
from backoffice.admin.orders.selection import SelectionPagesMixin
from backoffice.admin.orders.split import SplitPageMixin
from backoffice.steps import ORDER_STEPS
from core.admin.changelist import CheckedChangeListMixin
from core.admin.page_hooks import PageHooksMixin
from core.admin.step_admin import RefusalsAsMessagesMixin, StepsAdminMixin
from orders import services
from orders.models import Order


@admin.register(Order)
class OrderAdmin(
    CheckedChangeListMixin,
    RefusalsAsMessagesMixin,
    PageHooksMixin,
    OrderCommentsMixin,
    OrderExportMixin,
    OrderListMixin,
    OrderPageMixin,
    OrderHistoryMixin,
    SplitPageMixin,
    ReservationMoveMixin,
    SelectionPagesMixin,
    FlowPageMixin,
    BackgroundStepsMixin,
    StepsAdminMixin,
    admin.ModelAdmin,
):
    steps = ORDER_STEPS
    # The change page's sections, in this order, and the admin's own pages.
    page_sections = [
        OrderPageMixin.order_page_section,
        OrderCommentsMixin.comment_section,
        document_links_section,
    ]
    extra_urls = [
        StepsAdminMixin.step_urls,
        OrderCommentsMixin.comment_urls,
        OrderExportMixin.export_urls,
        SplitPageMixin.split_urls,
        ReservationMoveMixin.move_urls,
        FlowPageMixin.flow_urls,
        SelectionPagesMixin.selection_urls,
    ]
    form = OrderPageForm
    change_list_template = "admin/orders/order/change_list.html"

    def step_params(self, request, step, params):
        if step.name == "new_payment_link":
            # The link is an address of this site, for the customer's browser.
            return {**params, "base_url": request.build_absolute_uri("/")}
        return params

    def after_step(self, request, step, obj, result) -> None:
        if step.name == "new_payment_link":
            messages.success(
                request,
                _("Send the customer the new payment link: %(link)s") % {"link": result},
            )

    # Notes and gift messages are a few lines: a few lines of box, not ten.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}}

    list_display = [
        "number",
        "placed",
        "customer",
        "market_and_country",
        "total",
        "status_badge",
        "hold",
        "shipping",
        "payment_state",
        "comment_marker",
    ]
    # The payment is one-to-one: joined for the page's rows only (`page_queryset`),
    # never a query per row, and never for the rows OFFSET skips.
    list_select_related = False
    sortable_by = ["number", "placed"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_filter = [
        StatusFilter,
        HoldFilter,
        HoldKindFilter,
        MarketFilter,
        CountryFilter,
        PaymentFilter,
        ReturnsFilter,
        OriginFilter,
        AdvancedOrderFilter,
    ]
    search_fields = ["number"]  # shows the box; get_search_results does the work
    search_help_text = gettext_lazy(
        "Exact order number or email, a SKU, or part of the customer's name. "
        "Archived orders are searched only under the Archived filter."
    )
    # The timeline and read-only lines are text tables (backoffice/admin/orders/timeline.py).
    inlines = [OrderLineInline]
    readonly_fields = [
        "number",
        "status_badge",
        "hold",
        "hold_kind",
        "held_at",
        "totals",
        "currency",
        "market",
        "pricelist",
        "language_name",
        "shipping_charge",
        "payment_method",
        "cancel_reason",
        "created_at",
        "placed_at",
        "confirmed_at",
        "completed_at",
        "archived_at",
        "cancelled_at",
    ]
    fieldsets = [
        (
            None,
            # Number, status, hold and the money are at the top of the page (glance).
            {"fields": ["totals", "loaded_version"]},
        ),
        (gettext_lazy("Customer"), {"fields": ["customer_name", "customer_email"]}),
        (
            gettext_lazy("Billing address"),
            {
                "fields": [
                    "billing_name",
                    "billing_street",
                    ("billing_zipcode", "billing_city"),
                    "billing_country",
                ]
            },
        ),
        (
            gettext_lazy("Shipping address"),
            {
                "fields": [
                    "shipping_name",
                    "shipping_street",
                    ("shipping_zipcode", "shipping_city"),
                    "shipping_country",
                ]
            },
        ),
        (
            gettext_lazy("Shipping and payment"),
            {"fields": ["shipping_method", "shipping_charge", "payment_method"]},
        ),
        (
            gettext_lazy("Market"),
            {"fields": [("market", "pricelist", "currency", "language_name")]},
        ),
        (gettext_lazy("Notes"), {"fields": ["notes", "gift_message"]}),
        (
            gettext_lazy("Dates"),
            {
                "classes": ["collapse"],
                "fields": [
                    ("created_at", "placed_at", "confirmed_at"),
                    ("completed_at", "archived_at", "cancelled_at"),
                    ("held_at", "hold_kind"),
                ],
            },
        ),
    ]

    class Media:
        css = {"all": ["centra/admin.css"]}
        # Deferred: it reads the filters, and runs before admin/js/filters.js.
        js = [Script("centra/changelist.js", defer=True)]

    def has_add_permission(self, request):
        # Orders are created by checkout, never typed in.
        return False

    def skip_sentence(self, request, step, obj, sentence):
        if step.name == "cancel":
            return cancel_skip_with_return_way(self.admin_site, request, obj, sentence)
        return sentence

    def has_delete_permission(self, request, obj=None):
        # Only through the "Delete permanently" step, which leaves a tombstone.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.details_editable(obj))

    @admin.display(description=gettext_lazy("language"))
    def language_name(self, order: Order) -> str:
        """The customer's language in words, in the reader's: "Swedish", "Svenska"."""
        try:
            return get_language_info(order.language)["name_translated"]
        except KeyError:
            return order.language

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A page that saves nothing has no version to check: no hidden "None" row.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "loaded_version"]})
            for name, options in fieldsets
        ]
