"""The coloured state badge every list and page shows for an order, shipment or payment."""

from __future__ import annotations

from functools import cache

from django.db import models
from django.utils.html import format_html
from django.utils.translation import get_language


def state_badge(obj: models.Model, *, css_prefix: str):
    """`<span class="centra-badge centra-<prefix>-<state>">Label</span>`, coloured by
    static/centra/admin.css; the label is the state's own display name."""
    return format_html(
        '<span class="centra-badge centra-{}-{}">{}</span>',
        css_prefix,
        obj.status,
        state_labels(type(obj), get_language()).get(obj.status, obj.status),
    )


@cache
def state_labels(model: type[models.Model], language: str | None) -> dict:
    """The status's display names by value, in `language` (the active one: the
    caller passes it, so each language has its own). What `get_status_display()`
    returns, without the dict of every choice Django builds and the translation
    looked up on each call: a list shows a badge on every row."""
    return {value: str(label) for value, label in model._meta.get_field("status").flatchoices}
