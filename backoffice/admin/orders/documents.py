"""The order page's links to the documents of all its shipments (no query)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from backoffice.admin.shipments.documents import PERMISSION, print_url


def document_links_section(model_admin, request, order) -> dict:
    """A `page_sections` entry: links for whoever may print."""
    if not request.user.has_perm(PERMISSION):
        return {}
    return {
        "document_links": [
            (print_url("packing-lists", order=order.pk), _("Packing lists")),
            (print_url("pro-forma", order=order.pk), _("Pro-forma invoices")),
        ]
    }
