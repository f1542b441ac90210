"""The orders list's filters, built to stay fast at a million rows.

- Sidebar filters that are fields of the one `OrderFilterSet`, with fixed
  options (no SELECT DISTINCT over the table).
- `AdvancedOrderFilter`: the rest of the FilterSet as a form in the sidebar.
- `placed_drilldown()`: year → month → day links computed from today's date,
  not from MIN/MAX/DISTINCT over the table.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

from django.contrib import admin
from django.http import QueryDict
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.filters import RETURNS_CHOICES, OrderFilterSet, unless_status_asked
from core.admin.changelist import UnreadableParameter
from orders.models import HoldKind, Order, OrderOrigin, OrderStatus
from payments.models import PaymentStatus


def filterset_queryset(queryset, data: dict, filterset_class=OrderFilterSet):
    """The one FilterSet applied to `data`; a value it cannot read is refused.

    django-filter would skip an invalid field and filter by the others, so
    `?status=abc` would list every status, archived orders too.
    """
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        raise UnreadableParameter(unreadable_sentence(filterset.form))
    return filterset.qs


def unreadable_sentence(form) -> str:
    name, errors = next(iter(form.errors.items()))
    label = form.fields[name].label or name.replace("_", " ")
    return _("The orders could not be filtered by %(filter)s: %(problem)s") % {
        "filter": label.lower(),
        "problem": " ".join(errors),
    }


class FilterSetListFilter(admin.SimpleListFilter):
    """A sidebar filter that is one field of `OrderFilterSet`: links in, its query out."""

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        if self.value() not in {str(value) for value, _ in self.lookup_choices}:
            # The FilterSet would read e.g. on_hold=maybe as "either".
            raise UnreadableParameter(
                _(
                    "The orders could not be filtered by %(filter)s: "
                    "“%(value)s” is not one of its choices."
                )
                % {"filter": self.title, "value": self.value()}
            )
        data = QueryDict(mutable=True)
        data.setlist(self.parameter_name, [self.value()])
        return filterset_queryset(queryset, data, filterset_of(self.parameter_name))


@cache
def filterset_of(name: str) -> type[OrderFilterSet]:
    """`OrderFilterSet` with its filter `name` alone, the same filter and checks: a
    FilterSet copies every filter it has on each use, and a sidebar filter uses one."""
    filterset_class = type(f"OrderFilterSetOf_{name}", (OrderFilterSet,), {})
    # Set after the class is made: django-filter's metaclass collects every filter.
    filterset_class.base_filters = {name: OrderFilterSet.base_filters[name]}
    return filterset_class


class StatusFilter(FilterSetListFilter):
    """Status; with no choice, archived orders are hidden (from search too)."""

    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in OrderStatus.choices]

    def queryset(self, request, queryset):
        if self.value() is None:
            return unless_status_asked({}, queryset)
        return super().queryset(request, queryset)

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = _("All but archived")
        return choices


class HoldFilter(FilterSetListFilter):
    title = gettext_lazy("hold")
    parameter_name = "on_hold"

    def lookups(self, request, model_admin):
        return [("true", _("On hold")), ("false", _("Not on hold"))]


class HoldKindFilter(FilterSetListFilter):
    title = gettext_lazy("hold kind")
    parameter_name = "hold_kind"

    def lookups(self, request, model_admin):
        return HoldKind.choices


# Markets and countries are free text on the order, so their options come from
# the latest orders (an index-ordered LIMIT), never from DISTINCT over the table.
RECENT_ORDERS_SAMPLE = 1000


def recent_values(request) -> dict[str, list[str]]:
    if not hasattr(request, "_recent_order_values"):
        recent = Order.objects.order_by("-number").values_list("market", "shipping_country")
        pairs = set(recent[:RECENT_ORDERS_SAMPLE])  # tuples: no dict per row
        request._recent_order_values = {
            "market": sorted({market for market, _country in pairs if market}),
            "country": sorted({country for _market, country in pairs if country}),
        }
    return request._recent_order_values


class MarketFilter(FilterSetListFilter):
    title = gettext_lazy("market")
    parameter_name = "market"

    def lookups(self, request, model_admin):
        values = recent_values(request)["market"]
        current = request.GET.get(self.parameter_name)
        return [(v, v) for v in sorted({*values, *([current] if current else [])})]


class CountryFilter(FilterSetListFilter):
    title = gettext_lazy("shipping country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        values = recent_values(request)["country"]
        current = request.GET.get(self.parameter_name)
        return [(v, v) for v in sorted({*values, *([current.upper()] if current else [])})]


class PaymentFilter(FilterSetListFilter):
    title = gettext_lazy("payment")
    parameter_name = "payment"

    def lookups(self, request, model_admin):
        return [(v, label) for v, label in PaymentStatus.choices if v != PaymentStatus.NEW]


class ReturnsFilter(FilterSetListFilter):
    title = gettext_lazy("returns")
    parameter_name = "returns"

    def lookups(self, request, model_admin):
        return RETURNS_CHOICES


class OriginFilter(FilterSetListFilter):
    """Where the order was made: a storefront, or staff (an order, an exchange, a resend)."""

    title = gettext_lazy("origin")
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return OrderOrigin.choices


SIDEBAR_PARAMETERS = {
    "status",
    "on_hold",
    "hold_kind",
    "market",
    "country",
    "payment",
    "returns",
    "origin",
}


@cache
def advanced_parameters() -> list[str]:
    """The advanced filters' parameters, a range's two (`grand_total_min`, `_max`)."""
    fields = OrderFilterSet(queryset=Order.objects.none()).form.fields
    names = []
    for name in AdvancedOrderFilter.field_names:
        suffixes = getattr(fields[name].widget, "suffixes", None)
        names += [f"{name}_{suffix}" for suffix in suffixes] if suffixes else [name]
    return names


class AdvancedOrderFilter(admin.ListFilter):
    """The rest of `OrderFilterSet` as a form: placed and completed date ranges,
    grand total range, email, SKU, currency, number."""

    title = gettext_lazy("advanced filters")
    template = "admin/orders/order/advanced_filter.html"

    # The FilterSet's fields that are not in the sidebar, and their parameters (a
    # range has two): the same for every request, read once.
    field_names = [name for name in OrderFilterSet.base_filters if name not in SIDEBAR_PARAMETERS]

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.parameters = advanced_parameters()
        data = QueryDict(mutable=True)
        for parameter in self.parameters:
            if parameter in params:
                data.setlist(parameter, params.pop(parameter))
        self.used_parameters = data
        self.filterset = OrderFilterSet(data or None, queryset=Order.objects.none())
        if data:
            self.filterset.is_valid()
        for name in ("placed", "completed"):
            for widget in self.filterset.form.fields[name].widget.widgets:
                widget.input_type = "date"

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return self.parameters

    def queryset(self, request, queryset):
        if not self.used_parameters:
            return None
        return filterset_queryset(queryset, self.used_parameters)

    def choices(self, changelist):
        """One "choice": the form, with the list's other parameters kept as hidden inputs."""
        kept = [
            (key, value)
            for key, values in changelist.params.items()
            if key not in self.parameters and key != "p"
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "form": self.filterset.form,
            "fields": [self.filterset.form[name] for name in self.field_names],
            "hidden": kept,
            "active": bool(self.used_parameters),
            "clear_query_string": changelist.get_query_string(remove=self.parameters),
        }


# Date drill-down -------------------------------------------------------------

DRILLDOWN_YEARS = 5


def _span(start: date, end: date, params: QueryDict) -> str:
    query = params.copy()
    query.pop("p", None)
    query["placed_after"] = start.isoformat()
    query["placed_before"] = end.isoformat()
    return "?" + query.urlencode()


def _parse(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def placed_drilldown(params: QueryDict, today: date | None = None) -> dict:
    """Links for year → month → day over the placed date, from today's date.

    The current level comes from the placed range in the query (a whole year,
    month or day); anything else shows the recent years.
    """
    today = today or timezone.localdate()
    start, end = _parse(params.get("placed_after")), _parse(params.get("placed_before"))
    cleared = params.copy()
    for key in ("placed_after", "placed_before", "p"):
        cleared.pop(key, None)
    all_dates = {"title": _("All dates"), "link": "?" + cleared.urlencode()}

    if start and end and start == end:
        month_start = start.replace(day=1)
        month_end = month_start.replace(day=calendar.monthrange(start.year, start.month)[1])
        back = {"title": _month_title(start), "link": _span(month_start, month_end, params)}
        return {"back": back, "choices": [{"title": dateformat.format(start, "j F Y"), "link": ""}]}

    if start and end and start.day == 1 and end == _month_end(start):
        year_start, year_end = date(start.year, 1, 1), date(start.year, 12, 31)
        back = {"title": str(start.year), "link": _span(year_start, year_end, params)}
        last_day = end if (start.year, start.month) != (today.year, today.month) else today
        days = [start + timedelta(days=n) for n in range((last_day - start).days + 1)]
        return {
            "back": back,
            "choices": [
                {"title": dateformat.format(d, "j M"), "link": _span(d, d, params)} for d in days
            ],
        }

    if start and end and start == date(end.year, 1, 1) and end == date(end.year, 12, 31):
        last_month = 12 if start.year < today.year else today.month
        months = [date(start.year, m, 1) for m in range(1, last_month + 1)]
        return {
            "back": all_dates,
            "choices": [
                {"title": _month_title(m), "link": _span(m, _month_end(m), params)} for m in months
            ],
        }

    years = range(today.year - DRILLDOWN_YEARS + 1, today.year + 1)
    return {
        "back": all_dates if (start or end) else None,
        "choices": [
            {"title": str(y), "link": _span(date(y, 1, 1), date(y, 12, 31), params)}
            for y in reversed(years)
        ],
    }


def _month_title(day: date) -> str:
    """The month and its year ("February 2026"), in the active language."""
    return dateformat.format(day, "F Y")


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
