"""What the providers told us, read-only: their notifications as they came, and the
findings of the last reconciliation of a settlement report (`payments.reconciling`).
Registered here; `payments.admin` imports this module so the site finds them."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin.badges import state_badge
from core.admin.changelist import ChoiceListFilter
from core.admin.pagination import EstimatedCountPaginator
from core.admin.read_only import ReadOnlyAdminMixin
from payments.models import ProviderNotification, ReconciliationLine, ReconciliationRun


@admin.register(ProviderNotification)
class ProviderNotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every notification a provider sent, as it came: what was applied, what was not
    and why (forged, stale, an unknown reference, other money). Read-only."""

    list_display = [
        "received_at",
        "provider",
        "status_badge",
        "intent",
        "transaction_reference",
        "amount",
        "currency",
        "success",
        "answered",
        "reason",
    ]
    list_filter = [("status", ChoiceListFilter)]
    search_fields = ["transaction_reference"]
    search_help_text = _("Exact transaction reference.")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = [
        "received_at",
        "provider",
        "status_badge",
        "reason",
        "answered",
        "intent",
        "transaction_reference",
        "amount",
        "currency",
        "success",
        "order",
        "settlement",
        "signature",
        "body",
    ]
    readonly_fields = fields

    @admin.display(description=_("status"))
    def status_badge(self, note: ProviderNotification):
        return state_badge(note, css_prefix="notification")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(transaction_reference=term), False


class RunFilter(admin.SimpleListFilter):
    """The run to show: the last one unless another of the last twenty is picked."""

    title = _("run")
    parameter_name = "run"

    def lookups(self, request, model_admin):
        return [(str(run.pk), str(run)) for run in ReconciliationRun.objects.all()[:20]]

    def value(self):
        picked = super().value()
        if picked is None:
            last = ReconciliationRun.objects.values_list("pk", flat=True).first()
            return None if last is None else str(last)
        return picked

    def queryset(self, request, queryset):
        run = self.value()
        if run is None or not run.isdigit():
            return queryset.none()
        return queryset.filter(run_id=int(run))


@admin.register(ReconciliationLine)
class ReconciliationLineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last reconciliation's findings, filtered by what was found. Read-only:
    reconciling changes nothing, and neither does this page."""

    list_display = [
        "finding",
        "psp_reference",
        "merchant_reference",
        "type",
        "gross",
        "currency",
        "booking_date",
        "note",
    ]
    list_filter = [RunFilter, ("finding", ChoiceListFilter)]
    search_fields = ["psp_reference"]
    search_help_text = _("Exact PSP reference.")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = [*list_display, "fee", "net", "ledger_row", "run"]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(psp_reference=term), False
