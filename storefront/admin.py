"""The storefronts in the back office: their market, language and origins. The secret
is never shown: "Set a new secret" makes one and shows it once."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from storefront.api.tokens import new_secret
from storefront.models import Storefront


@admin.register(Storefront)
class StorefrontAdmin(admin.ModelAdmin):
    list_display = ["name", "market", "language", "is_active", "has_secret"]
    list_filter = ["is_active"]
    fields = ["name", "market", "language", "allowed_origins", "is_active"]
    actions = ["set_new_secret"]

    @admin.display(boolean=True, description=gettext_lazy("secret set"))
    def has_secret(self, storefront: Storefront) -> bool:
        return bool(storefront.secret_hash)

    @admin.action(description=gettext_lazy("Set a new secret (shown once)"), permissions=["change"])
    def set_new_secret(self, request, queryset):
        for storefront in queryset:
            secret, storefront.secret_hash = new_secret()
            storefront.save(update_fields=["secret_hash"])
            self.message_user(
                request,
                _("New secret of %(storefront)s (shown only this once): %(secret)s")
                % {"storefront": storefront, "secret": secret},
                messages.WARNING,
            )
