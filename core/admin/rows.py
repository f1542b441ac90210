"""A list page's rows: Django's cells, with each column's lookup decided once a page.

Django's `items_for_result` decides for every cell what its column is: a model
field (`get_field`, which raises for every admin method), the translated empty
value, the link, the CSS class. On a 50-row list of eleven columns that is 550
decisions with one answer per column, about a third of the rows' time. `Column`
decides once per page; `page_results` draws the same cells (`tests/test_list_rows.py`
compares them with Django's on every list that uses it). A list with editable
columns (a formset) keeps Django's own drawing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

DATE_OR_TIME = (datetime.date, datetime.time)
NOWRAP_FIELDS = (models.DateField, models.TimeField, models.ForeignKey)


@dataclass(frozen=True)
class Column:
    """One column of `list_display`, as `items_for_result` reads it for every cell."""

    name: Any
    base: str  # "field-<name>": the class Django falls back to when a lookup fails
    classes: list[str]
    link: bool
    empty: Any  # the admin's empty value
    own_empty: Any  # the column's own, if its method names one
    field: models.Field | None = None
    method: Callable | None = None
    boolean: bool = False

    @classmethod
    def of(cls, changelist, index: int, name, empty, link: bool) -> Column:
        base = f"field-{admin_list._coerce_field_name(name, index)}"
        try:
            field = _get_non_gfk_field(changelist.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        if field is not None:
            nowrap = not field.auto_created and isinstance(field, NOWRAP_FIELDS)
            classes = [base, "nowrap"] if nowrap else [base]
            return cls(name, base, classes, link, empty, empty, field=field)
        classes = ["action-checkbox"] if name == "action_checkbox" else [base]
        model_admin = changelist.model_admin
        method = name if callable(name) else None
        if method is None and name != "__str__" and hasattr(model_admin, name):
            method = getattr(model_admin, name)
        own_empty = getattr(method, "empty_value_display", empty)
        boolean = getattr(method, "boolean", False)
        # Without a method, a model attribute: Django's own lookup, row by row.
        return cls(name, base, classes, link, empty, own_empty, method=method, boolean=boolean)

    def cell(self, row) -> tuple[Any, list[str]]:
        """What the cell shows, and its CSS classes."""
        try:
            if self.field is not None:
                return self._field_cell(row), self.classes
            value, empty, boolean = self._value(row)
        except ObjectDoesNotExist:
            return self.empty, [self.base]
        if isinstance(value, str) and value.strip() == "":
            value = ""
        shown = display_for_value(value, empty, boolean)
        if isinstance(value, DATE_OR_TIME):
            return shown, [*self.classes, "nowrap"]
        return shown, self.classes

    def _value(self, row):
        if self.method is not None:
            return self.method(row), self.own_empty, self.boolean
        _field, attr, value = lookup_field(self.name, row, None)
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        return value, getattr(attr, "empty_value_display", self.empty), boolean

    def _field_cell(self, row):
        field, value = self.field, getattr(row, self.name)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if field.auto_created:
            return display_for_value(value, self.empty)
        if isinstance(field.remote_field, models.ManyToOneRel):
            related = getattr(row, field.name)
            return self.empty if related is None else related
        return display_for_field(value, field, self.empty, avoid_link=self.link)


def columns(changelist) -> list[Column]:
    empty = changelist.model_admin.get_empty_value_display()
    links = changelist.list_display_links
    chosen, first = [], True
    for index, name in enumerate(changelist.list_display):
        link = links is not None and ((first and not links) or name in links)
        if link:
            first = False
        chosen.append(Column.of(changelist, index, name, empty, link))
    return chosen


def row_cells(changelist, row, page_columns: list[Column]) -> list[SafeString]:
    cells, first = [], True
    for column in page_columns:
        shown, classes = column.cell(row)
        attrs = mark_safe(f' class="{" ".join(classes)}"')
        if not column.link:
            cells.append(SafeString(f"<td{attrs}>{conditional_escape(shown)}</td>"))
            continue
        tag = "th" if first else "td"
        first = False
        cells.append(format_html("<{}{}>{}</{}>", tag, attrs, link_to(changelist, row, shown), tag))
    return cells


def link_to(changelist, row, shown):
    try:
        url = changelist.url_for_result(row)
    except NoReverseMatch:
        return shown
    url = add_preserved_filters(
        {"preserved_filters": changelist.preserved_filters, "opts": changelist.opts}, url
    )
    popup = ""
    if changelist.is_popup:
        attname = (
            str(changelist.to_field) if changelist.to_field else changelist.lookup_opts.pk.attname
        )
        value = row.serializable_value(attname)
        popup = format_html(' data-popup-opener="{}"', value)
    return format_html('<a href="{}"{}>{}</a>', url, popup, shown)


def page_results(changelist) -> list:
    """The rows of `result_list`'s context, as Django's `results` gives them."""
    if changelist.formset:
        return list(admin_list.results(changelist))
    page_columns = columns(changelist)
    return [
        admin_list.ResultList(None, row_cells(changelist, row, page_columns))
        for row in changelist.result_list
    ]


def page_result_list(changelist) -> dict:
    """Django's `result_list` (headers and rows of the list's table), rows by `page_results`."""
    headers = list(admin_list.result_headers(changelist))
    return {
        "cl": changelist,
        "result_hidden_fields": list(admin_list.result_hidden_fields(changelist)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": page_results(changelist),
    }


register = template.Library()


@register.tag(name="page_result_list")
def page_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=page_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
