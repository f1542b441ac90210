"""The coloured state badge every list and page shows for an order, shipment or payment."""

from __future__ import annotations

from django.db import models
from django.utils.html import format_html


def state_badge(obj: models.Model, *, css_prefix: str):
    """`<span class="centra-badge centra-<prefix>-<state>">Label</span>`, coloured by
    static/centra/admin.css; the label is the state's own display name."""
    return format_html(
        '<span class="centra-badge centra-{}-{}">{}</span>',
        css_prefix,
        obj.status,
        obj.get_status_display(),
    )
