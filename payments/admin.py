"""Payments in the back office: the list, the ledger, refund, mark as paid, void.

Every change goes through `payments.services` (one call per payment, each its
own transaction); the ledger is read-only.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from core.actors import has_full_rights
from core.admin.badges import state_badge
from core.admin.changelist import (
    ChoiceListFilter,
    PageFirstMixin,
    UnreadableParameter,
    exact_number,
)
from core.admin.links import LinksForWhoMayOpenMixin
from core.admin.pagination import EstimatedCountPaginator
from core.admin.read_only import ReadOnlyAdminMixin
from core.admin.step_admin import ServiceWrittenAdmin
from core.fsm import state_refusal
from core.money import format_money
from core.steps import Step, Words
from core.typed_fields import AmountField
from payments import services
from payments.admin_reports import ProviderNotificationAdmin, ReconciliationLineAdmin  # noqa: F401
from payments.gateways import gateway_for
from payments.models import (
    GOODWILL_REFUND,
    Payment,
    PaymentTransaction,
)
from payments.selectors import amount_texts, authorizations_lapsing


class ProviderFilter(admin.SimpleListFilter):
    """The configured providers, so the list never runs SELECT DISTINCT over payments."""

    title = gettext_lazy("provider")
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        names = {gateway_for(method).name for method in settings.PAYMENT_GATEWAYS}
        return [(name, name) for name in sorted(names)]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in dict(self.lookup_choices):
            raise UnreadableParameter(
                _("“%(value)s” is not a configured payment provider.") % {"value": self.value()}
            )
        return queryset.filter(provider=self.value())


class ExpiresWithinFilter(admin.SimpleListFilter):
    """Authorizations with money open that lapse within N days (or have lapsed)."""

    title = gettext_lazy("authorization expires")
    parameter_name = "expires_within"
    DAYS = {"1": 1, "3": 3, "7": 7, "14": 14}

    def lookups(self, request, model_admin):
        # The English says "days" even for one ("within 1 days"): both forms alike.
        within = [
            (key, ngettext("within %(count)s days", "within %(count)s days", days) % {"count": key})
            for key, days in self.DAYS.items()
        ]
        return [("expired", pgettext_lazy("authorization", "expired")), *within]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if value != "expired" and value not in self.DAYS:
            raise UnreadableParameter(
                _("“%(value)s” is not a number of days this filter offers.") % {"value": value}
            )
        return authorizations_lapsing(timedelta(days=self.DAYS.get(value, 0)), queryset)


def payment_badge(payment: Payment):
    return state_badge(payment, css_prefix="payment")


class GoodwillRefundForm(forms.Form):
    """A goodwill refund: an amount staff choose, never "everything" by default.

    Goods coming back are refunded through their return; this is money given
    back on top (a late delivery, a gesture), so the amount is always typed.
    """

    per_object = True

    amount = AmountField(
        label=gettext_lazy("Amount"),
        min_value=Decimal("0.01"),
        error_messages={"required": gettext_lazy("Enter the amount to refund.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        strip=True,
    )

    def __init__(self, *args, objects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = " ".join(
            refundable_sentence(payment) for payment in objects
        )
        currencies = {payment.currency for payment in objects}
        if len(currencies) == 1:
            self.fields["amount"].currency = currency = currencies.pop()
            self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}


def refundable_sentence(payment: Payment) -> str:
    currency = payment.currency
    return _("%(order)s: captured %(captured)s, refundable %(refundable)s.") % {
        "order": payment.order,
        "captured": format_money(payment.captured_amount, currency),
        "refundable": format_money(payment.refundable_amount, currency),
    }


def goodwill_confirmation(payment: Payment, data: dict) -> str:
    amount = format_money(data["amount"], payment.currency)
    reason = data["reason"]
    return _("Refund %(amount)s to the customer of %(order)s as goodwill (reason: %(reason)s)?") % {
        "amount": amount,
        "order": payment.order,
        "reason": reason,
    }


def goodwill_refusal(payment: Payment, by) -> str | None:
    return state_refusal(payment.refund_goodwill) or permission_sentence(
        by, GOODWILL_REFUND, gettext_lazy("You do not have permission to make goodwill refunds.")
    )


def permission_sentence(by, permission: str, sentence: str) -> str | None:
    """`sentence` (the whole refusal) unless `by` has the permission."""
    if has_full_rights(by) or by.has_perm(permission):
        return None
    return str(sentence)


class ManualPaymentForm(forms.Form):
    amount = AmountField(
        label=gettext_lazy("Amount"),
        min_value=Decimal("0.01"),
        required=False,
        help_text=gettext_lazy("Leave empty for everything authorized and not yet paid."),
    )
    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("E.g. the bank transfer's reference."),
    )


def manual_payment_params(payment: Payment, data: dict) -> dict:
    return {"amount": data["amount"] or payment.open_amount, "reference": data["reference"]}


PAYMENT_STEPS = [
    Step(
        "refund",
        services.refund_payment,
        transition="refund_goodwill",
        form=GoodwillRefundForm,
        danger=True,
        id_attr="order_id",
        refusal_of=goodwill_refusal,
        # One use of the payment's refund, with its own permission: its own words.
        words=Words(
            label=gettext_lazy("Goodwill refund"),
            past=gettext_lazy("refunded"),
            permission=GOODWILL_REFUND,
        ),
        confirm_with=goodwill_confirmation,
        done_detail=lambda payment, row: format_money(row.amount, payment.currency),
        in_bulk=False,
    ),
    Step(
        "record_manual",
        services.record_manual_payment,
        form=ManualPaymentForm,
        id_attr="order_id",
        params_for=manual_payment_params,
        explain_when_blocked=False,
    ),
    Step(
        "renew_authorization",
        services.renew_authorization,
        confirm=True,
        id_attr="order_id",
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
    verbose_name_plural = gettext_lazy("ledger")
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "kind",
        "purpose",
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

    @admin.display(description=gettext_lazy("by hand"))
    def by_hand(self, row: PaymentTransaction):
        # Only the rows staff recorded by hand say so; the rest stay quiet (no ✗ per
        # row). An empty string: Django's inline writes a None out as "None".
        return _("By hand") if row.manual else ""

    @admin.display(description=gettext_lazy("amount"))
    def money(self, row: PaymentTransaction):
        return format_money(row.amount, row.payment.currency)


@admin.register(Payment)
class PaymentAdmin(LinksForWhoMayOpenMixin, PageFirstMixin, ServiceWrittenAdmin):
    steps = PAYMENT_STEPS
    link_fields = {"order_link": ("orders.Order", "order_number")}
    list_display = [
        "order_number",
        "status_badge",
        "method",
        "authorized",
        "captured",
        "refunded",
        "released",
        "authorization_expires_at",
        "created_at",
    ]
    list_filter = [("status", ChoiceListFilter), ProviderFilter, ExpiresWithinFilter]
    list_select_related = ["order"]
    sortable_by = ["order_number"]
    search_fields = ["provider_reference"]  # shows the box; get_search_results does the work
    search_help_text = gettext_lazy("Exact order number or provider reference.")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    # As the orders list: 50 rows a page (Django's 100 take twice as long to draw).
    list_per_page = 50
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
        "authorization_expires_at",
        "created_at",
    ]
    fields = readonly_fields

    class Media:
        css = {"all": ["centra/admin.css"]}

    def step_page_context(self, request, step, objects):
        context = super().step_page_context(request, step, objects)
        if step.name == "refund" and len(objects) == 1:
            context["title"] = _("Goodwill refund to the customer of %(order)s") % {
                "order": objects[0].order
            }
        return context

    def object_reference(self, payment: Payment) -> str:
        return str(payment.order.number)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    @admin.display(description=gettext_lazy("order"), ordering="order__number")
    def order_number(self, payment: Payment):
        return payment.order.number

    @admin.display(description=gettext_lazy("order"))
    def order_link(self, payment: Payment):
        url = reverse("admin:orders_order_change", args=[payment.order_id])
        return format_html('<a href="{}">{}</a>', url, payment.order)

    @admin.display(description=gettext_lazy("status"))
    def status_badge(self, payment: Payment):
        return payment_badge(payment)

    def get_search_results(self, request, queryset, search_term):
        """Exact provider reference or order number, each an equality on its own index.

        Django's "=" prefix would compare UPPER(col::text), which no plain index
        serves; and one OR across the join to orders defeats both indexes (a scan
        of every payment), so each side finds its payment ids alone and the list
        asks for their union.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        ids = Payment.objects.filter(provider_reference=term).order_by().values("pk")
        number = exact_number(term)
        if number is not None:
            by_order = Payment.objects.filter(order__number=number).order_by().values("pk")
            ids = ids.union(by_order)
        return queryset.filter(pk__in=ids), False

    @admin.display(description=pgettext_lazy("amount", "authorized"))
    def authorized(self, payment: Payment):
        return format_money(payment.authorized_amount, payment.currency)

    @admin.display(description=pgettext_lazy("amount", "captured"))
    def captured(self, payment: Payment):
        return amount_texts(payment)["captured"]

    @admin.display(description=pgettext_lazy("amount", "refunded"))
    def refunded(self, payment: Payment):
        return amount_texts(payment)["refunded"]

    @admin.display(description=pgettext_lazy("amount", "released"))
    def released(self, payment: Payment):
        return format_money(payment.released_amount, payment.currency)
