"""The back office's admin, one package (a room) per admin: `orders` (the order
admin), `shipments` (the shipments admin with the print view and the back
office's shipment steps), `returns` (the returns admin with "Exchange…"), `jobs`
(bulk steps in the background and their progress pages). Django's autodiscovery
imports this package, which registers them and sets up the site.

The steps every room offers live in `backoffice.steps`; what a change page
shows and which pages an admin adds are declared once per admin class
(`page_sections`, `extra_urls`: `core.admin.page_hooks`).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from backoffice.admin import jobs, returns, shipments, users
from backoffice.admin.orders import OrderAdmin

admin.site.site_header = _("Centra Orders")
admin.site.site_title = _("Centra Orders")
admin.site.index_title = _("Back office")
# One empty marker everywhere: the lists, read-only fields, the order page's tables.
admin.site.empty_value_display = "—"
# The orders list is wide; the app list is one click away in the breadcrumbs.
admin.site.enable_nav_sidebar = False

# The shipments list with the print actions (registered from here in place of
# the shipments app's own: see backoffice.admin.shipments).
shipments.register(admin.site)
# The returns list and page with "Exchange…" (see backoffice.admin.returns).
returns.register(admin.site)
# Bulk steps taken in the background, and their progress pages.
jobs.register(admin.site)
# Django's users, with the dates Django sets read-only (see backoffice.admin.users).
users.register(admin.site)

__all__ = ["OrderAdmin"]
