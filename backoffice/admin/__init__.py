"""Registers the order admin (Django's autodiscovery imports this package)."""

from backoffice.admin.order_admin import OrderAdmin

__all__ = ["OrderAdmin"]
