from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """What spans the apps: checkout, cancel, line edits, the order admin, the commands."""

    name = "backoffice"
    verbose_name = _("Back office")
    # "backoffice" in INSTALLED_APPS means this one, not the admin's below.
    default = True

    def ready(self):
        # The login receiver that brings a staff member's language into the session:
        # registered here, not only when the middleware happens to be imported.
        from backoffice import languages  # noqa: F401


class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the back office's site (the board as its index)."""

    default = False
    default_site = "backoffice.board.site.BackOfficeSite"
