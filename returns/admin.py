"""Returns in the back office: the list, a return's page, and its steps (refund,
complete, uncomplete, delete), one at a time or in bulk. Every change goes
through `returns.services`; a return is created from its shipment (the back
office's "Create return…", `backoffice.steps.create_return`)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from core.admin.badges import state_badge
from core.admin.changelist import ChoiceListFilter, exact_number
from core.admin.links import LinksForWhoMayOpenMixin
from core.admin.pagination import EstimatedCountPaginator
from core.admin.read_only import ReadOnlyAdminMixin
from core.admin.step_admin import ServiceWrittenAdmin
from core.fsm import state_refusal
from core.money import format_money, quantize
from core.steps import Step
from core.typed_fields import AmountField
from orders.models import Order
from returns import checks, services
from returns.models import Return, ReturnLine, ReturnStatus
from shipments.models import Shipment, Warehouse


def return_badge(return_: Return):
    return state_badge(return_, css_prefix="return")


def money(return_: Return, amount: Decimal) -> str:
    return format_money(amount, return_.currency)


def suggested(return_: Return) -> Decimal:
    return quantize(return_.suggested_refund, return_.currency)


class RefundReturnForm(forms.Form):
    """The amount to refund per return: the suggested refund, or less."""

    per_object = True

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        open_ = [return_ for return_ in objects if not state_refusal(return_.refund)]
        caps = checks.refund_caps(open_)  # one query for all, not one per return
        for return_ in open_:  # the others are listed as skipped: nothing to type
            cap = caps[return_.pk]
            most = min(suggested(return_), cap.most)
            words = {"number": return_.number, "currency": return_.currency}
            self.fields[f"amount_{return_.pk}"] = AmountField(
                label=_("Refund for %(number)s (%(currency)s)") % words,
                currency=return_.currency,
                initial=most,
                min_value=Decimal("0.01"),
                max_value=most,
                error_messages={
                    "required": _("Enter the amount to refund for %(number)s.") % words
                },
                help_text=_(
                    "Suggested %(suggested)s: %(breakdown)s. At most %(most)s: %(explained)s. "
                    "You may refund less, never more; a refund cannot be undone."
                )
                % {
                    "suggested": money(return_, suggested(return_)),
                    "breakdown": breakdown(return_),
                    "most": money(return_, cap.most),
                    "explained": cap.explained(),
                },
            )


def breakdown(return_: Return) -> str:
    """How the suggested refund is made up, in one line."""
    parts = [_("lines %(amount)s") % {"amount": money(return_, return_.lines_amount)}]
    for term, amount in (
        (_("+ shipping %(amount)s"), return_.shipping_amount),
        (_("+ handling %(amount)s"), return_.handling_cost),
        (_("− return fee %(amount)s"), return_.return_fee),
        (_("− voucher %(amount)s"), return_.voucher_value),
        (_("− exchange credit %(amount)s"), return_.exchange_credit),
    ):
        if amount:
            parts.append(term % {"amount": money(return_, amount)})
    return " ".join(parts)


def refund_params(return_: Return, data: dict) -> dict:
    return {"amount": data.get(f"amount_{return_.pk}")}


def refund_confirmation(return_: Return, data: dict) -> str:
    amount = data.get(f"amount_{return_.pk}")
    return _(
        "Refund %(amount)s for return %(number)s to the customer of %(order)s "
        "(suggested %(suggested)s)? A refund cannot be undone."
    ) % {
        "amount": money(return_, amount),
        "number": return_.number,
        "order": return_.order,
        "suggested": money(return_, suggested(return_)),
    }


RETURN_STEPS = [
    Step(
        "refund",
        services.refund_return,
        form=RefundReturnForm,
        danger=True,
        id_kwarg="return_id",
        params_for=refund_params,
        confirm_with=refund_confirmation,
        done_detail=lambda return_, done: money(done, done.refund_amount),
    ),
    Step("complete", services.complete_return, id_kwarg="return_id"),
    Step(
        "uncomplete",
        services.uncomplete_return,
        confirm=True,
        id_kwarg="return_id",
        explain_when_blocked=False,
    ),
    Step(
        "delete_return",
        services.delete_return,
        confirm=True,
        danger=True,
        deletes=True,
        id_kwarg="return_id",
        explain_when_blocked=False,
    ),
]


class ReturnLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    fields = ["sku", "product", "quantity", "amount_display"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("shipment_line__order_line", "order_return__order")
        )

    @admin.display(description=gettext_lazy("SKU"))
    def sku(self, line: ReturnLine):
        return line.shipment_line.order_line.sku

    @admin.display(description=gettext_lazy("product"))
    def product(self, line: ReturnLine):
        order_line = line.shipment_line.order_line
        return f"{order_line.product_name} {order_line.variant}".strip()

    @admin.display(description=gettext_lazy("amount"))
    def amount_display(self, line: ReturnLine):
        return money(line.order_return, line.amount)


class WaitingFilter(admin.SimpleListFilter):
    """Returns waiting for the goods (not completed) or for a refund (not refunded):
    the board's tiles link here."""

    title = gettext_lazy("waiting for")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("goods", _("The goods")), ("refund", _("A refund"))]

    def queryset(self, request, queryset):
        if self.value() == "goods":
            return queryset.exclude(status=ReturnStatus.COMPLETED)
        if self.value() == "refund":
            return queryset.filter(refunded_at__isnull=True)
        return queryset


@admin.register(Return)
class ReturnAdmin(LinksForWhoMayOpenMixin, ServiceWrittenAdmin):
    """Returns are created from their shipment, never added here."""

    steps = RETURN_STEPS
    # Customer service may not open shipments or warehouses.
    link_fields = {
        "order_link": (Order, "order_text"),
        "shipment_ref": (Shipment, "shipment_text"),
        "warehouse": (Warehouse, "warehouse_text"),
    }
    list_display = [
        "number",
        "order_link",
        "shipment_ref",
        "status_badge",
        "goods",
        "refund",
        "created",
    ]
    list_display_links = ["number"]
    list_select_related = ["order", "shipment__order", "warehouse"]
    list_filter = [
        ("status", ChoiceListFilter),
        WaitingFilter,
        ("stock_action", ChoiceListFilter),
        "created_at",
    ]
    sortable_by = ["created"]
    search_fields = ["order__number"]  # shows the box; get_search_results does the work
    search_help_text = gettext_lazy("Exact order number or return number (1042-R1).")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    ordering = ["-id"]
    inlines = [ReturnLineInline]
    readonly_fields = [
        "number",
        "order_link",
        "shipment_ref",
        "status_badge",
        "stock_action",
        "warehouse",
        "reason",
        "comment",
        "amounts",
        "refund",
        # Not the `created_by` field: Django would link the user's page, a 403 for staff.
        "creator",
        "created_at",
        "refunded_at",
        "completed_at",
    ]
    fields = readonly_fields

    class Media:
        css = {"all": ["centra/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order", "shipment__order", "warehouse")

    def get_search_results(self, request, queryset, search_term):
        # The order number, resolved to the order's id first: an indexed equality.
        term = search_term.strip()
        if not term:
            return queryset, False
        order_part, _dash, sequence_part = term.upper().partition("-R")
        number = exact_number(order_part)
        sequence = exact_number(sequence_part) if sequence_part else None
        if number is None or (sequence_part and sequence is None):
            return queryset.none(), False
        order_ids = list(Order.objects.filter(number=number).values_list("pk", flat=True))
        matches = Q(order_id__in=order_ids)
        if sequence is not None:
            matches &= Q(sequence=sequence)
        return queryset.filter(matches), False

    @admin.display(description=gettext_lazy("return"))
    def number(self, return_: Return):
        return format_html('<span class="centra-nowrap">{}</span>', return_.number)

    @admin.display(description=gettext_lazy("goods"))
    def goods(self, return_: Return):
        if return_.warehouse is None:
            return _("Removed (not saleable)")
        return _("Into %(warehouse)s") % {"warehouse": return_.warehouse}

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, return_: Return):
        return format_html(
            '{}<br><span class="centra-muted">{}</span>',
            date_format(localtime(return_.created_at), "j M Y H:i"),
            return_.created_by_name,
        )

    @admin.display(description=gettext_lazy("created by"))
    def creator(self, return_: Return):
        return return_.created_by_name

    @admin.display(description=gettext_lazy("order"))
    def order_link(self, return_: Return):
        url = reverse("admin:orders_order_change", args=[return_.order_id])
        return format_html('<a href="{}">{}</a>', url, return_.order.number)

    @admin.display(description=gettext_lazy("shipment"))
    def shipment_ref(self, return_: Return):
        url = reverse("admin:shipments_shipment_change", args=[return_.shipment_id])
        return format_html('<a href="{}">{}</a>', url, return_.shipment.ref)

    @admin.display(description=gettext_lazy("order"))
    def order_text(self, return_: Return):
        return return_.order.number

    @admin.display(description=gettext_lazy("shipment"))
    def shipment_text(self, return_: Return):
        return return_.shipment.ref

    @admin.display(description=gettext_lazy("warehouse"))
    def warehouse_text(self, return_: Return):
        return str(return_.warehouse) if return_.warehouse else None

    @admin.display(description=gettext_lazy("status"))
    def status_badge(self, return_: Return):
        return return_badge(return_)

    @admin.display(description=pgettext_lazy("noun", "refund"))
    def refund(self, return_: Return):
        amount = money(return_, return_.refund_amount)
        if return_.refunded_at:
            label = pgettext("refund amount", "refunded")
        else:
            label = pgettext("refund amount", "suggested")
        return format_html(
            '<span class="centra-money">{}</span> <span class="centra-muted">{}</span>',
            amount,
            label,
        )

    @admin.display(description=gettext_lazy("amounts"))
    def amounts(self, return_: Return):
        return breakdown(return_)
