"""Changelists that read every parameter of their address safely.

A list's address is typed, pasted and bookmarked by people, so any parameter
may be anything. Whatever it holds, the list answers with its default view and
one plain sentence, never a server error and never a different set of rows
than asked for (the orders list must not show archived orders because a
filter value was not understood).

Two layers:

- `CheckedChangeListMixin.changelist_view` refuses, before any query, values
  no column can hold: NUL bytes (PostgreSQL refuses them in text) and values
  longer than any field we filter or search on. It redirects to the list
  without them.
- Everything else is Django's own mechanism for bad lookups: a filter or a
  search that cannot read its value raises `IncorrectLookupParameters`
  (`UnreadableParameter` carries the sentence), and Django redirects to the
  unfiltered list (`?e=1`); the mixin says why.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.db import connections, transaction
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin.pagination import EstimatedCountPaginator

# Longer than any value the lists filter or search on (an email is at most 254).
MAX_PARAMETER_LENGTH = 254
# The largest value of a bigint column (PostgreSQL and SQLite alike).
MAX_BIGINT = 2**63 - 1

NOT_UNDERSTOOD = gettext_lazy(
    "A filter, the search or the page number in the address was not understood."
)


# Django's own words for a row's checkbox, translated by Django's catalogue (a
# name, not a literal, so that this project's catalogue does not copy them).
DJANGO_CHECKBOX_LABEL = "Select this object for an action - {}"


class UnreadableParameter(IncorrectLookupParameters):
    """A list parameter whose value cannot be used; `str()` is the sentence for staff."""


def exact_number(term: str) -> int | None:
    """`term` as a whole number that fits a bigint column, else None.

    `str.isdigit()` alone accepts "²" and "٣", and `int()` of thousands of
    digits raises; a search box must treat both as text, not fail.
    """
    if not (term.isascii() and term.isdigit()) or len(term) > len(str(MAX_BIGINT)):
        return None
    number = int(term)
    return number if number <= MAX_BIGINT else None


def unusable(key: str, value: str) -> bool:
    return "\x00" in key or "\x00" in value or len(value) > MAX_PARAMETER_LENGTH


class CheckedChangeListMixin:
    """For every ModelAdmin: a bad list parameter gives the default list and a message."""

    def changelist_view(self, request, extra_context=None):
        bad = [key for key, value in request.GET.lists() if any(unusable(key, v) for v in value)]
        if bad:
            self.message_user(
                request,
                _(
                    "The address held a value no list can use (too long, or with a NUL "
                    "character); it was left out."
                ),
                messages.ERROR,
            )
            return self._redirect_without(request, bad)
        if ERROR_FLAG in request.GET and len(request.GET) > 1:
            # Django's mark of "redirected here after bad lookups" belongs on the bare
            # list; beside other parameters it would turn their error into Django's
            # "Database error" page.
            return self._redirect_without(request, [ERROR_FLAG])
        return super().changelist_view(request, extra_context)

    def _redirect_without(self, request, keys: list[str]):
        kept = request.GET.copy()
        for key in keys:
            del kept[key]
        query = kept.urlencode()
        return HttpResponseRedirect(request.path + (f"?{query}" if query else ""))

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except IncorrectLookupParameters as error:
            # Django answers with a redirect to the default list (?e=1); say why.
            reason = str(error) if isinstance(error, UnreadableParameter) else NOT_UNDERSTOOD
            sentence = _("%(reason)s Showing the default list.") % {"reason": reason}
            self.message_user(request, sentence, messages.ERROR)
            raise


@contextmanager
def serial_plan(alias: str):
    """A read planned without PostgreSQL's parallel workers: a page of 50 ids stops
    early, and starting two workers costs more than they save (page 5 of a
    best-selling SKU's search: 56 ms with them, 23 ms without, at a million)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


class PageFirstChangeList(ChangeList):
    """Finds the page's ids with the bare list query, then reads those rows with
    their columns' joins and subqueries (`PageFirstMixin.page_rows`).

    Django would select the joined, annotated rows with OFFSET, and PostgreSQL
    joins and computes every skipped row before discarding it: page 500 would
    pay for 25,000 rows to show 50. `values_list` drops `select_related`, so the
    ids come from the table's own index.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each row's link keeps the list's filters. Django adds them row by row
        # (`add_preserved_filters` resolves every row's URL to see whether it is the
        # list's own): a URL resolution per row of a filtered list. They are the
        # same on every row's change link, so `url_for_result` appends them and
        # the template tag is given none.
        self.row_filters, self.preserved_filters = self.preserved_filters, ""

    def url_for_result(self, result):
        url = super().url_for_result(result)
        return f"{url}?{self.row_filters}" if self.row_filters else url

    def get_results(self, request):
        super().get_results(request)
        ids = self._ids_shown()
        self._settle_estimate(ids)
        self.result_list = self.model_admin.page_rows(request, ids)

    def _settle_estimate(self, ids: list) -> None:
        """An estimated count whose page came back short is known exactly: the full
        pages before it, and its rows. (The planner may expect thousands of orders
        in a year that has none left unarchived: "about 94,000" over an empty page.)"""
        paginator = self.paginator
        if not getattr(paginator, "estimated", False) or len(ids) >= self.list_per_page:
            return
        if not ids and self.page_num > 1:
            return  # past the last page: where it ends is not known
        exact = (self.page_num - 1) * self.list_per_page + len(ids)
        paginator.settle(exact)
        self.result_count = exact
        self.multi_page = exact > self.list_per_page
        self.can_show_all = exact <= self.list_max_show_all

    def _ids_shown(self) -> list:
        # When the count read the list's ids (EstimatedCountPaginator with
        # read_ids), the page is a slice of them: the list's query runs once.
        found = getattr(self.paginator, "ids", None)
        if found is None:
            ids = self.result_list.values_list("pk", flat=True)
            with serial_plan(ids.db):
                return list(ids)
        if (self.show_all and self.can_show_all) or not self.multi_page:
            return found
        return self.paginator.page_ids(self.page_num)


class PageFirstMixin:
    """For a ModelAdmin whose list rows join other tables or carry subqueries."""

    # Django's list, its rows drawn with each column decided once (core.admin.rows).
    change_list_template = "admin/page_first/change_list.html"

    def get_changelist(self, request, **kwargs):
        return PageFirstChangeList

    def action_checkbox(self, obj):
        """Django's checkbox of a row, the same markup, without rendering a form
        widget's template on every row (a seventh of a 50-row list's time)."""
        label = format_html(_(DJANGO_CHECKBOX_LABEL), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if issubclass(self.paginator, EstimatedCountPaginator):
            return self.paginator(
                queryset, per_page, orphans, allow_empty_first_page, read_ids=True
            )
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def page_queryset(self, request):
        """The rows of a page with what their columns need (joins, annotations)."""
        return self.get_queryset(request)

    def page_rows(self, request, ids: list) -> list:
        rows = self.page_queryset(request).filter(pk__in=ids).order_by()
        by_id = {row.pk: row for row in rows}
        return [by_id[pk] for pk in ids if pk in by_id]


class ChoiceListFilter(admin.ChoicesFieldListFilter):
    """Django's filter of a field with choices, refusing a value that is not one of them
    (Django would filter by it and show an empty list, or fail on a NUL byte)."""

    def queryset(self, request, queryset):
        allowed = {str(value) for value, _label in self.field.flatchoices}
        for value in self.used_parameters.get(self.lookup_kwarg, []):
            if value not in allowed:
                raise UnreadableParameter(
                    _("“%(value)s” is not a %(field)s of %(objects)s.")
                    % {
                        "value": value,
                        "field": self.field.verbose_name,
                        "objects": self.field.model._meta.verbose_name_plural,
                    }
                )
        return super().queryset(request, queryset)
