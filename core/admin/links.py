"""Links to another admin's page, only for whoever may open it.

A page often names objects of other admins (the order page its shipments, a
return its shipment and warehouse). A link is shown where that admin would let
the user in; anyone else reads the name as plain text, never a link to a 403.
"""

from __future__ import annotations

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
