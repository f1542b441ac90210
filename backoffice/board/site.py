"""The back office's admin site: Django's, opening on the board
(`backoffice.board`) instead of the model list, which moves to "All models"
(/admin/models/). Installed as the default site by
`backoffice.apps.BackOfficeAdminConfig`, so `admin.site` is this site.

Outside `backoffice.admin` on purpose: Django imports this class while the
default site is being made, and `backoffice.admin` registers on that site.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext as _


class BackOfficeSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        from backoffice.board.view import board

        return board(self, request, extra_context)

    def all_models(self, request, extra_context=None):
        """Django's index: every app and model the user may open."""
        return super().index(request, {"title": _("All models"), **(extra_context or {})})

    def language(self, request):
        """The staff member's language (backoffice.languages)."""
        from backoffice.languages import language_page

        return language_page(self, request)

    def get_urls(self):
        return [
            path("models/", self.admin_view(self.all_models), name="all_models"),
            path("language/", self.admin_view(self.language), name="language"),
            *super().get_urls(),
        ]
