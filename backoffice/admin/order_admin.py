"""The orders back office: `OrderAdmin`, put together from one module per concern.

Thin by rule: pages parse input and call the services; what a user may do
comes from the state machine (`core.fsm`), never from the template.

- `order_list`: columns, search, paginator, drill-down
- `list_filters`: the sidebar, all fields of the one `OrderFilterSet`
- `order_page`: details, lines, shipments, payment, timeline
- `comments`: comments on the timeline, the list's comment marker
- `export_admin`: CSV export of the selection or of everything the list matches
- `documents_admin`: links to the shipments' packing lists and pro-formas
- `split_page`: split into shipments
- `flow_page`: the state machines drawn
- `shipping_steps`: the steps that ship (expedite, good-to-go, capture)
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.forms import Script

from backoffice import services as backoffice_services
from backoffice.admin.anonymize_page import ANONYMIZE_CUSTOMER
from backoffice.admin.background import BackgroundStepsMixin
from backoffice.admin.comments import OrderCommentsMixin
from backoffice.admin.documents_admin import OrderDocumentLinksMixin
from backoffice.admin.export_admin import OrderExportMixin
from backoffice.admin.flow_page import FlowPageMixin
from backoffice.admin.forms import CancelForm, HoldForm, PurgeForm
from backoffice.admin.history_page import OrderHistoryMixin
from backoffice.admin.list_filters import (
    AdvancedOrderFilter,
    CountryFilter,
    HoldFilter,
    HoldKindFilter,
    MarketFilter,
    PaymentFilter,
    ReturnsFilter,
    StatusFilter,
)
from backoffice.admin.order_list import OrderListMixin
from backoffice.admin.order_page import OrderLineInline, OrderPageForm, OrderPageMixin
from backoffice.admin.product_steps import PRODUCT_STEPS
from backoffice.admin.shipping_steps import SHIPPING_STEPS
from backoffice.admin.split_page import SplitPageMixin
from core.admin.changelist import CheckedChangeListMixin
from core.admin.step_admin import RefusalsAsMessagesMixin, StepsAdminMixin
from core.admin.steps import Step
from orders import bulk, services
from orders.models import Order, OrderStatus

admin.site.site_header = "Centra Orders"
admin.site.site_title = "Centra Orders"
admin.site.index_title = "Back office"
# One empty marker everywhere: the lists, read-only fields, the order page's tables.
admin.site.empty_value_display = "—"
# The orders list is wide; the app list is one click away in the breadcrumbs.
admin.site.enable_nav_sidebar = False


ORDER_STEPS = [
    Step("confirm", services.confirm_order, bulk=bulk.confirm_orders),
    Step("unconfirm", services.unconfirm_order),
    Step("hold", services.hold_order, form=HoldForm, explain_when_blocked=False),
    Step("resume", services.resume_order, explain_when_blocked=False),
    *SHIPPING_STEPS,
    *PRODUCT_STEPS[:3],
    Step("cancel", backoffice_services.cancel_order, form=CancelForm, danger=True),
    PRODUCT_STEPS[3],
    Step("archive", services.archive_order),
    Step("reactivate", services.reactivate_order),
    Step(
        "delete_permanently",
        services.delete_order_permanently,
        form=PurgeForm,
        danger=True,
        deletes=True,
        list_only_when={"status": str(OrderStatus.CANCELLED)},
    ),
    Step(
        "discard",
        services.discard_selection,
        form=PurgeForm,
        danger=True,
        deletes=True,
        list_only_when={"status": str(OrderStatus.INCOMPLETE)},
    ),
    ANONYMIZE_CUSTOMER,
]


@admin.register(Order)
class OrderAdmin(
    CheckedChangeListMixin,
    RefusalsAsMessagesMixin,
    OrderCommentsMixin,
    OrderExportMixin,
    OrderDocumentLinksMixin,
    OrderListMixin,
    OrderPageMixin,
    OrderHistoryMixin,
    SplitPageMixin,
    FlowPageMixin,
    BackgroundStepsMixin,
    StepsAdminMixin,
    admin.ModelAdmin,
):
    steps = ORDER_STEPS
    form = OrderPageForm
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
        AdvancedOrderFilter,
    ]
    search_fields = ["number"]  # shows the box; get_search_results does the work
    search_help_text = (
        "Exact order number or email, a SKU, or part of the customer's name. "
        "Archived orders are searched only under the Archived filter."
    )
    # The timeline and read-only lines are text tables (backoffice/admin/timeline.py).
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
        "language",
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
        ("Customer", {"fields": ["customer_name", "customer_email"]}),
        (
            "Billing address",
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
            "Shipping address",
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
            "Shipping and payment",
            {"fields": ["shipping_method", "shipping_charge", "payment_method"]},
        ),
        ("Market", {"fields": [("market", "pricelist", "currency", "language")]}),
        ("Notes", {"fields": ["notes", "gift_message"]}),
        (
            "Dates",
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

    def has_delete_permission(self, request, obj=None):
        # Only through the "Delete permanently" step, which leaves a tombstone.
        return False

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.details_editable(obj))
