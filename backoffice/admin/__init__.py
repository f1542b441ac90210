"""Registers the order admin and the back office's shipments admin (Django's
autodiscovery imports this package)."""

from django.contrib import admin

from backoffice.admin import background, documents_admin
from backoffice.admin.order_admin import OrderAdmin

# The shipments list with the print actions (see documents_admin for why it is
# registered from here).
documents_admin.register(admin.site)
# Bulk steps taken in the background, and their progress pages.
background.register(admin.site)

__all__ = ["OrderAdmin"]
