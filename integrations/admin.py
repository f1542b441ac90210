"""Integrations in the admin (Back-office admin): who is told what, how deliveries
went, a new token (shown once), "Redeliver"; and resending a customer e-mail
from the order page."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin.changelist import CheckedChangeListMixin
from core.admin.read_only import ReadOnlyAdminMixin
from core.errors import DomainError
from integrations import housekeeping, mail
from integrations.delivery import redeliver
from integrations.tokens import issue_token
from orders.models import Order
from outbox.event_types import ALL_EVENT_TYPES, event_words
from outbox.models import Integration, OutboxMessage

RECENT_FAILURES = 10


class IntegrationForm(forms.ModelForm):
    endpoint_url = forms.URLField(
        label="Endpoint URL",
        assume_scheme="https",
        required=False,
        help_text="Where webhooks are POSTed (webhook kind).",
    )
    event_types = forms.MultipleChoiceField(
        # In words, with the name integrations receive: "Order confirmed (order.confirmed)".
        choices=[(t, f"{event_words(t)} ({t})") for t in ALL_EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each subscribed event is written to its outbox in the change's transaction.",
    )

    class Meta:
        model = Integration
        fields = [
            "name",
            "kind",
            "is_active",
            "keep_while_inactive",
            "endpoint_url",
            "signing_secret",
            "event_types",
            "group",
            "show_archived",
            "show_on_hold",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's "Acts as integration:<name>." renders as "integration:." in
        # HTML (the walk): the format, said before saving, and what it acts as.
        self.fields["name"].help_text = (
            "Letters, digits, hyphens and underscores, no spaces, e.g. “webshop”. "
            "Its changes are written as made by “integration:webshop”."
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == Integration.Kind.WEBHOOK and not data.get("endpoint_url"):
            self.add_error("endpoint_url", "A webhook integration needs an endpoint URL.")
        return data


@admin.register(Integration)
class IntegrationAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["name", "kind", "is_active", "subscriptions", "pending", "failed", "has_token"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["token_status", "deliveries", "recent_failures"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "kind",
                    ("is_active", "keep_while_inactive"),
                    "endpoint_url",
                    "signing_secret",
                ]
            },
        ),
        ("Events", {"fields": ["event_types"]}),
        ("Order API", {"fields": ["group", "show_archived", "show_on_hold", "token_status"]}),
        ("Deliveries", {"fields": ["deliveries", "recent_failures"]}),
    ]
    actions = ["issue_new_token"]

    def get_queryset(self, request):
        undelivered = Q(messages__delivered_at__isnull=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending_count=Count("messages", filter=undelivered & Q(messages__failed_at=None)),
                failed_count=Count("messages", filter=undelivered & ~Q(messages__failed_at=None)),
            )
        )

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: its messages are its delivery history.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            dropped = housekeeping.activity_changed(obj)
            if dropped:
                self.message_user(
                    request, f"{dropped} undelivered messages were dropped.", messages.WARNING
                )

    @admin.display(description="events")
    def subscriptions(self, integration: Integration) -> int:
        return len(integration.event_types or [])

    @admin.display(description="pending", ordering="pending_count")
    def pending(self, integration: Integration) -> int:
        return integration.pending_count

    @admin.display(description="failed", ordering="failed_count")
    def failed(self, integration: Integration) -> int:
        return integration.failed_count

    @admin.display(description="API token", boolean=True)
    def has_token(self, integration: Integration) -> bool:
        return bool(integration.token_hash)

    @admin.display(description="API token")
    def token_status(self, integration: Integration) -> str:
        if not integration.token_hash:
            return "None yet: use the list's action “Issue a new API token”."
        return f"{integration.token_prefix}… (only its hash is kept)"

    @admin.display(description="deliveries")
    def deliveries(self, integration: Integration) -> str:
        if integration.pk is None:
            return "—"
        settled = integration.messages.filter(delivered_at__isnull=False)
        counts = settled.aggregate(
            delivered=Count("pk", filter=Q(note="")), dropped=Count("pk", filter=~Q(note=""))
        )
        return (
            f"{counts['delivered']} delivered, {integration.pending_count} pending, "
            f"{integration.failed_count} failed, {counts['dropped']} dropped"
        )

    @admin.display(description="recent failures")
    def recent_failures(self, integration: Integration) -> str:
        if integration.pk is None:
            return "—"
        failed = integration.messages.filter(failed_at__isnull=False).order_by("-failed_at")
        rows = format_html_join(
            "",
            "<li>{} {} ({} attempts, {}): {}</li>",
            (
                (m.event_type, m.order_number, m.attempts, m.failed_at, m.last_error)
                for m in failed[:RECENT_FAILURES]
            ),
        )
        url = reverse("admin:outbox_outboxmessage_changelist")
        link = f"{url}?integration__id__exact={integration.pk}&state=failed"
        return format_html('<ul>{}</ul><a href="{}">All failed, to redeliver</a>', rows, link)

    @admin.action(description="Issue a new API token (replaces the old one)")
    def issue_new_token(self, request, queryset):
        tokens = [(integration, issue_token(integration)) for integration in queryset]
        return show_tokens(request, self, tokens)

    def response_add(self, request, obj, post_url_continue=None):
        return show_tokens(request, self, [(obj, issue_token(obj))])


def show_tokens(request, model_admin, tokens):
    """The new tokens, on a page of their own (never stored, never in a message)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "New API token" if len(tokens) == 1 else "New API tokens",
        "opts": model_admin.model._meta,
        "tokens": tokens,
    }
    response = TemplateResponse(request, "admin/integrations/new_token.html", context)
    response["Cache-Control"] = "no-store"
    return response


class DeliveryStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.undelivered()
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(delivered_at__isnull=True, failed_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(CheckedChangeListMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "order_number",
        "subject_ref",
        "target",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = [DeliveryStateFilter, "channel", "integration", "event_type"]
    search_fields = ["=order_number", "=event_id"]
    list_select_related = ["integration"]
    show_full_result_count = False
    actions = ["redeliver_selected"]

    @admin.display(description="to")
    def target(self, message: OutboxMessage) -> str:
        return str(message.integration) if message.integration_id else message.get_channel_display()

    @admin.display(description="state")
    def state(self, message: OutboxMessage) -> str:
        if message.delivered_at:
            return message.note or "delivered"
        return "failed" if message.failed_at else "pending"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("outbox.change_outboxmessage"):
            actions.pop("redeliver_selected", None)
        return actions

    @admin.action(description="Redeliver")
    def redeliver_selected(self, request, queryset):
        count = redeliver(queryset)
        self.message_user(request, f"{count} messages will be delivered again.", messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "resend/<int:order_id>/<str:kind>/",
                self.admin_site.admin_view(self.resend_view),
                name="outbox_outboxmessage_resend",
            ),
            *super().get_urls(),
        ]

    def resend_view(self, request, order_id: int, kind: str):
        """Resend a customer e-mail: a confirmation page, then through `mail.resend`."""
        order = Order.objects.filter(pk=order_id).first()
        if order is None or kind not in mail.KINDS:
            return HttpResponseRedirect(reverse("admin:orders_order_changelist"))
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied
        back = reverse("admin:orders_order_change", args=[order.pk])
        if request.method == "POST":
            try:
                mail.resend(order_id=order.pk, kind=kind, by=request.user)
            except DomainError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{mail.KINDS[kind].label} of {order} will be sent again to "
                    f"{order.customer_email} within a minute.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resend the {mail.KINDS[kind].label.lower()} of {order}",
            "opts": Order._meta,
            "order": order,
            "kind": mail.KINDS[kind],
            "back": back,
        }
        return TemplateResponse(request, "admin/integrations/resend.html", context)
