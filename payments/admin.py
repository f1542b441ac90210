"""Payments in the back office: the list, the ledger, refund, mark as paid, void.

Every change goes through `payments.services` (one call per payment, each its
own transaction); the ledger is read-only.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from core.admin.badges import state_badge
from core.admin.changelist import ChoiceListFilter, UnreadableParameter, exact_number
from core.admin.pagination import EstimatedCountPaginator
from core.admin.read_only import ReadOnlyAdminMixin
from core.admin.step_admin import ServiceWrittenAdmin
from core.admin.steps import Step
from core.money import format_money
from payments import services
from payments.gateways import gateway_for
from payments.models import Payment, PaymentTransaction


class ProviderFilter(admin.SimpleListFilter):
    """The configured providers, so the list never runs SELECT DISTINCT over payments."""

    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        names = {gateway_for(method).name for method in settings.PAYMENT_GATEWAYS}
        return [(name, name) for name in sorted(names)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in dict(self.lookup_choices):
            raise UnreadableParameter(f"“{self.value()}” is not a configured payment provider.")
        return queryset.filter(provider=self.value())


def payment_badge(payment: Payment):
    return state_badge(payment, css_prefix="payment")


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        min_value=Decimal("0.01"),
        decimal_places=3,
        required=False,
        help_text="Leave empty to refund everything captured and not yet refunded.",
    )
    reason = forms.CharField(
        max_length=200, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), strip=True
    )


class ManualPaymentForm(forms.Form):
    amount = forms.DecimalField(
        min_value=Decimal("0.01"),
        decimal_places=3,
        required=False,
        help_text="Leave empty for everything authorized and not yet paid.",
    )
    reference = forms.CharField(
        max_length=200, required=False, help_text="E.g. the bank transfer's reference."
    )


def refund_params(payment: Payment, data: dict) -> dict:
    return {"amount": data["amount"] or payment.refundable_amount, "reason": data["reason"]}


def manual_payment_params(payment: Payment, data: dict) -> dict:
    return {"amount": data["amount"] or payment.open_amount, "reference": data["reference"]}


PAYMENT_STEPS = [
    Step(
        "refund",
        services.refund_payment,
        form=RefundForm,
        danger=True,
        id_attr="order_id",
        params_for=refund_params,
    ),
    Step(
        "record_manual",
        services.record_manual_payment,
        form=ManualPaymentForm,
        id_attr="order_id",
        params_for=manual_payment_params,
        explain_when_blocked=False,
    ),
    Step("void", services.void_payment, confirm=True, danger=True, id_attr="order_id"),
    Step(
        "release",
        services.release_remaining_authorization,
        confirm=True,
        id_attr="order_id",
        explain_when_blocked=False,
    ),
]


class PaymentTransactionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PaymentTransaction
    verbose_name_plural = "ledger"
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "kind",
        "by_hand",
        "money",
        "outcome",
        "shipment_ref",
        "provider_reference",
        "message",
        "reference",
        "reversed_at",
        "actor",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # The amount's currency is the payment's: one join, not a query per row.
        return super().get_queryset(request).select_related("payment")

    @admin.display(description="by hand")
    def by_hand(self, row: PaymentTransaction):
        # Only the rows staff recorded by hand say so; the rest stay quiet (no ✗ per row).
        return "By hand" if row.manual else None

    @admin.display(description="amount")
    def money(self, row: PaymentTransaction):
        return format_money(row.amount, row.payment.currency)


@admin.register(Payment)
class PaymentAdmin(ServiceWrittenAdmin):
    steps = PAYMENT_STEPS
    list_display = [
        "order_number",
        "status_badge",
        "method",
        "authorized",
        "captured",
        "refunded",
        "released",
        "created_at",
    ]
    list_filter = [("status", ChoiceListFilter), ProviderFilter]
    list_select_related = ["order"]
    sortable_by = ["order_number"]
    search_fields = ["provider_reference"]  # shows the box; get_search_results does the work
    search_help_text = "Exact order number or provider reference."
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    inlines = [PaymentTransactionInline]
    readonly_fields = [
        "order_link",
        "status_badge",
        "method",
        "provider",
        "provider_reference",
        # Amounts with their currency, like everywhere else.
        "authorized",
        "captured",
        "refunded",
        "released",
        "created_at",
    ]
    fields = readonly_fields

    class Media:
        css = {"all": ["centra/admin.css"]}

    def object_reference(self, payment: Payment) -> str:
        return str(payment.order.number)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    @admin.display(description="order", ordering="order__number")
    def order_number(self, payment: Payment):
        return payment.order.number

    @admin.display(description="order")
    def order_link(self, payment: Payment):
        url = reverse("admin:orders_order_change", args=[payment.order_id])
        return format_html('<a href="{}">{}</a>', url, payment.order)

    @admin.display(description="status")
    def status_badge(self, payment: Payment):
        return payment_badge(payment)

    def get_search_results(self, request, queryset, search_term):
        # Equalities on indexed columns; Django's "=" prefix would compare
        # UPPER(col::text), which no plain index serves.
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(provider_reference=term)
        number = exact_number(term)
        if number is not None:
            matches |= Q(order__number=number)
        return queryset.filter(matches), False

    @admin.display(description="authorized")
    def authorized(self, payment: Payment):
        return format_money(payment.authorized_amount, payment.currency)

    @admin.display(description="captured")
    def captured(self, payment: Payment):
        return format_money(payment.captured_amount, payment.currency)

    @admin.display(description="refunded")
    def refunded(self, payment: Payment):
        return format_money(payment.refunded_amount, payment.currency)

    @admin.display(description="released")
    def released(self, payment: Payment):
        return format_money(payment.released_amount, payment.currency)
