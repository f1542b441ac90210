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
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

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
        label=gettext_lazy("Endpoint URL"),
        assume_scheme="https",
        required=False,
        help_text=gettext_lazy("Where webhooks are POSTed (webhook kind)."),
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Event types"),
        # In words, with the name integrations receive: "Order confirmed (order.confirmed)".
        choices=[(t, format_lazy("{} ({})", event_words(t), t)) for t in ALL_EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "Each subscribed event is written to its outbox in the change's transaction."
        ),
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
        self.fields["name"].help_text = _(
            "Letters, digits, hyphens and underscores, no spaces, e.g. “webshop”. "
            "Its changes are written as made by “integration:webshop”."
        )

    def clean(self):
        data = super().clean()
        if data.get("kind") == Integration.Kind.WEBHOOK and not data.get("endpoint_url"):
            self.add_error("endpoint_url", _("A webhook integration needs an endpoint URL."))
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
        (gettext_lazy("Events"), {"fields": ["event_types"]}),
        (
            gettext_lazy("Order API"),
            {"fields": ["group", "show_archived", "show_on_hold", "token_status"]},
        ),
        (gettext_lazy("Deliveries"), {"fields": ["deliveries", "recent_failures"]}),
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
                # Translators: the English keeps one form for any count; Swedish has two.
                text = ngettext(
                    "%(count)s undelivered messages were dropped.",
                    "%(count)s undelivered messages were dropped.",
                    dropped,
                )
                self.message_user(request, text % {"count": dropped}, messages.WARNING)

    @admin.display(description=gettext_lazy("events"))
    def subscriptions(self, integration: Integration) -> int:
        return len(integration.event_types or [])

    @admin.display(description=pgettext_lazy("messages", "pending"), ordering="pending_count")
    def pending(self, integration: Integration) -> int:
        return integration.pending_count

    @admin.display(description=pgettext_lazy("messages", "failed"), ordering="failed_count")
    def failed(self, integration: Integration) -> int:
        return integration.failed_count

    @admin.display(description=gettext_lazy("API token"), boolean=True)
    def has_token(self, integration: Integration) -> bool:
        return bool(integration.token_hash)

    @admin.display(description=gettext_lazy("API token"))
    def token_status(self, integration: Integration) -> str:
        if not integration.token_hash:
            return _("None yet: use the list's action “Issue a new API token”.")
        return _("%(prefix)s… (only its hash is kept)") % {"prefix": integration.token_prefix}

    @admin.display(description=gettext_lazy("deliveries"))
    def deliveries(self, integration: Integration) -> str:
        if integration.pk is None:
            return "—"
        settled = integration.messages.filter(delivered_at__isnull=False)
        counts = settled.aggregate(
            delivered=Count("pk", filter=Q(note="")), dropped=Count("pk", filter=~Q(note=""))
        )
        return _(
            "%(delivered)s delivered, %(pending)s pending, %(failed)s failed, %(dropped)s dropped"
        ) % {
            "delivered": counts["delivered"],
            "pending": integration.pending_count,
            "failed": integration.failed_count,
            "dropped": counts["dropped"],
        }

    @admin.display(description=gettext_lazy("recent failures"))
    def recent_failures(self, integration: Integration) -> str:
        if integration.pk is None:
            return "—"
        failed = integration.messages.filter(failed_at__isnull=False).order_by("-failed_at")
        # Translators: keep the {names}; "attempts" is the count of tries, whatever it is.
        failure = _("{event} {order} ({attempts} attempts, {failed_at}): {error}")
        rows = format_html_join(
            "",
            "<li>{}</li>",
            (
                (
                    format_html(
                        failure,
                        event=m.event_type,
                        order=m.order_number,
                        attempts=m.attempts,
                        failed_at=m.failed_at,
                        error=m.last_error,
                    ),
                )
                for m in failed[:RECENT_FAILURES]
            ),
        )
        url = reverse("admin:outbox_outboxmessage_changelist")
        link = f"{url}?integration__id__exact={integration.pk}&state=failed"
        return format_html(
            '<ul>{}</ul><a href="{}">{}</a>', rows, link, _("All failed, to redeliver")
        )

    @admin.action(description=gettext_lazy("Issue a new API token (replaces the old one)"))
    def issue_new_token(self, request, queryset):
        tokens = [(integration, issue_token(integration)) for integration in queryset]
        return show_tokens(request, self, tokens)

    def response_add(self, request, obj, post_url_continue=None):
        return show_tokens(request, self, [(obj, issue_token(obj))])


def show_tokens(request, model_admin, tokens):
    """The new tokens, on a page of their own (never stored, never in a message)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": ngettext("New API token", "New API tokens", len(tokens)),
        "opts": model_admin.model._meta,
        "tokens": tokens,
    }
    response = TemplateResponse(request, "admin/integrations/new_token.html", context)
    response["Cache-Control"] = "no-store"
    return response


class DeliveryStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", pgettext("message state", "Pending")),
            ("delivered", pgettext("message state", "Delivered")),
            ("failed", pgettext("message state", "Failed")),
        ]

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

    @admin.display(description=gettext_lazy("to"))
    def target(self, message: OutboxMessage) -> str:
        return str(message.integration) if message.integration_id else message.get_channel_display()

    @admin.display(description=gettext_lazy("state"))
    def state(self, message: OutboxMessage) -> str:
        if message.delivered_at:
            return message.note or pgettext("message state", "delivered")
        if message.failed_at:
            return pgettext("message state", "failed")
        return pgettext("message state", "pending")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("outbox.change_outboxmessage"):
            actions.pop("redeliver_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Redeliver"))
    def redeliver_selected(self, request, queryset):
        count = redeliver(queryset)
        # Translators: the English keeps one form for any count; Swedish has two.
        text = ngettext(
            "%(count)s messages will be delivered again.",
            "%(count)s messages will be delivered again.",
            count,
        )
        self.message_user(request, text % {"count": count}, messages.SUCCESS)

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
                    _("%(mail)s of %(order)s will be sent again to %(email)s within a minute.")
                    % {
                        "mail": mail.KINDS[kind].label,
                        "order": order,
                        "email": order.customer_email,
                    },
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Resend the %(mail)s of %(order)s")
            % {"mail": mail.KINDS[kind].label.lower(), "order": order},
            "opts": Order._meta,
            "order": order,
            "kind": mail.KINDS[kind],
            "back": back,
        }
        return TemplateResponse(request, "admin/integrations/resend.html", context)
