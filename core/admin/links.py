"""Links to another admin's page, only for whoever may open it.

A page often names objects of other admins (the order page its shipments, a
return its shipment and warehouse). A link is shown where that admin would let
the user in; anyone else reads the name as plain text, never a link to a 403.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import quote
from django.db import models
from django.urls import reverse


def may_view(admin_site: admin.AdminSite, request, model: type[models.Model], obj=None) -> bool:
    """Whether the admin of `model` would show this user its page (of `obj`)."""
    try:
        model_admin = admin_site.get_model_admin(model)
    except NotRegistered:
        return False
    return model_admin.has_view_or_change_permission(request, obj)


def change_url(admin_site: admin.AdminSite, request, model: type[models.Model], pk) -> str:
    """The admin page of `model`'s object `pk`, or "" for whoever may not open it."""
    if not may_view(admin_site, request, model):
        return ""
    opts = model._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_change",
        args=[quote(pk)],
        current_app=admin_site.name,
    )


class LinksForWhoMayOpenMixin:
    """Fields and columns that link to another admin's page, shown as plain text
    to whoever may not open that page.

    `link_fields` maps a field or column name to the model whose page it links to
    (a class or "app_label.Model") and the name of its plain-text twin. Django's
    read-only foreign keys link without asking; these are swapped too.
    """

    link_fields: dict[str, tuple[type[models.Model] | str, str]] = {}

    def without_dead_links(self, request, names) -> list:
        plain = {
            name: text
            for name, (model, text) in self.link_fields.items()
            if not may_view(self.admin_site, request, _model(model))
        }
        return [plain.get(name, name) for name in names]

    def get_fields(self, request, obj=None):
        return self.without_dead_links(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self.without_dead_links(request, super().get_readonly_fields(request, obj))

    def get_list_display(self, request):
        return self.without_dead_links(request, super().get_list_display(request))


def _model(model: type[models.Model] | str) -> type[models.Model]:
    return apps.get_model(model) if isinstance(model, str) else model
