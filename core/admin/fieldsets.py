"""A change page's read-only fieldsets, drawn in Python.

Django's `admin/includes/fieldset.html` resolves some forty template variables
for each field it shows; on an order page whose details may no longer change
(eight fieldsets, about thirty read-only fields) that was a seventh of the page's
time, more than the fields' values themselves. `read_only_fieldset` draws such a
fieldset with the same elements, classes, labels and values (compared with
Django's template in `tests/test_read_only_fieldsets.py`), and draws nothing for
a fieldset with any field that can be edited: the template then draws it, with
its widgets and errors.
"""

from __future__ import annotations

from django import template
from django.contrib.admin.helpers import AdminReadonlyField, Fieldset
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

HEADING = '<h{level} id="{id}" class="fieldset-heading">{name}</h{level}>'


@register.simple_tag
def read_only_fieldset(
    fieldset: Fieldset, *, heading_level: int, prefix: str, id_prefix, id_suffix
) -> SafeString | str:
    """The fieldset's markup when every field in it is read-only, else ""."""
    lines = [list(line) for line in fieldset]
    if not all(isinstance(field, AdminReadonlyField) for fields in lines for field in fields):
        return ""
    heading_id = f"{prefix}-{id_prefix}-{id_suffix}-heading"
    labelled = format_html(' aria-labelledby="{}"', heading_id) if fieldset.name else ""
    heading = ""
    if fieldset.name:
        heading = format_html(HEADING, level=heading_level, id=heading_id, name=fieldset.name)
        if fieldset.is_collapsible:
            heading = format_html("<details><summary>{}</summary>", heading)
    description = (
        format_html('<div class="description">{}</div>', mark_safe(fieldset.description))
        if fieldset.description
        else ""
    )
    closing = "</details>" if fieldset.name and fieldset.is_collapsible else ""
    return format_html(
        '<fieldset class="module aligned {}"{}>{}{}{}{}</fieldset>',
        fieldset.classes,
        labelled,
        heading,
        description,
        format_html_join("", "{}", ((_line(fields),) for fields in lines)),
        mark_safe(closing),
    )


def _line(fields: list[AdminReadonlyField]) -> SafeString:
    names = "".join(f" field-{field.field['name']}" for field in fields if field.field["name"])
    cells = format_html_join("", "{}", ((_cell(field, len(fields) == 1),) for field in fields))
    if len(fields) > 1:
        cells = format_html('<div class="flex-container form-multiline">{}</div>', cells)
    return format_html('<div class="form-row{}">{}</div>', names, cells)


def _cell(field: AdminReadonlyField, alone: bool) -> SafeString:
    classes = "flex-container"
    if not alone:
        classes += " fieldBox"
        if field.field["name"]:
            classes += f" field-{field.field['name']}"
        if field.field["is_hidden"]:
            classes += " hidden"
    help_text = field.field["help_text"]
    help_html = (
        format_html(
            '<div class="help{}"><div>{}</div></div>',
            " hidden" if field.field["is_hidden"] else "",
            mark_safe(help_text),
        )
        if help_text
        else ""
    )
    return format_html(
        '<div><div class="{}">{}<div class="readonly">{}</div></div>{}</div>',
        classes,
        field.label_tag(),
        field.contents(),
        help_html,
    )
