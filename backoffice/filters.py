"""The one definition of how orders are filtered.

The admin's filter panel and the archive command's options use this FilterSet,
and so will an API. Every filter is an indexed equality or range lookup, or an
EXISTS on an indexed column, so none of them scans the orders table.
"""

import django_filters
from django import forms
from django.core.validators import MaxValueValidator
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core.admin.changelist import MAX_BIGINT
from core.typed_fields import AmountField
from orders.models import HoldKind, Order, OrderLine, OrderOrigin, OrderStatus
from payments.models import PaymentStatus
from returns.models import Return, ReturnStatus

RETURNS_CHOICES = [
    ("none", _("No returns")),
    ("pending", _("A return pending")),
    ("refunded", _("A return refunded")),
]


def unless_status_asked(data: dict, queryset):
    """Archived orders are left out unless a status is asked for: the orders list's
    default, which the export command follows so both select the same orders."""
    if data.get("status"):
        return queryset
    return queryset.exclude(status=OrderStatus.ARCHIVED)


class MoneyRangeField(django_filters.fields.RangeField):
    """Two amounts a money column can hold, read like every typed amount
    (`core.money.read_amount`): a typed 1e200000 is a form error, not a numeric
    overflow in the database, and "١" or "1,5" is refused, not guessed."""

    def __init__(self, fields=None, *args, **kwargs):
        fields = (AmountField(), AmountField())
        super().__init__(fields, *args, **kwargs)


class MoneyRangeFilter(django_filters.RangeFilter):
    field_class = MoneyRangeField


class OrderNumberFilter(django_filters.NumberFilter):
    """A whole number within the column's range (a decimal would be truncated)."""

    field_class = forms.IntegerField

    def get_max_validator(self):
        return MaxValueValidator(MAX_BIGINT)


class OrderFilterSet(django_filters.FilterSet):
    # Every filter names its label lazily: django-filter otherwise builds one from the
    # model field and keeps it as a plain string in whichever language asked first.
    number = OrderNumberFilter(label=_("Order number"), min_value=1)
    # No joins, so no duplicates: without distinct=False django-filter adds a
    # SELECT DISTINCT over every column, which sorts the whole match at scale.
    status = django_filters.MultipleChoiceFilter(
        choices=OrderStatus.choices, distinct=False, label=_("Status")
    )
    on_hold = django_filters.BooleanFilter(label=_("On hold"))
    hold_kind = django_filters.ChoiceFilter(
        choices=HoldKind.choices, method="filter_hold_kind", label=_("Hold kind")
    )
    placed = django_filters.DateFromToRangeFilter(field_name="placed_at", label=_("Placed between"))
    completed = django_filters.DateFromToRangeFilter(
        field_name="completed_at", label=_("Completed between")
    )
    market = django_filters.CharFilter(label=_("Market"))
    country = django_filters.CharFilter(method="filter_country", label=_("Shipping country"))
    currency = django_filters.CharFilter(method="filter_currency", label=_("Currency"))
    grand_total = MoneyRangeFilter(label=_("Grand total between"))
    payment = django_filters.ChoiceFilter(
        field_name="payment__status",
        choices=PaymentStatus.choices,
        label=_("Payment"),
        distinct=False,  # one payment per order: the join never duplicates
    )
    email = django_filters.CharFilter(method="filter_email", label=_("Customer email"))
    sku = django_filters.CharFilter(method="filter_sku", label=_("SKU"))
    returns = django_filters.ChoiceFilter(
        choices=RETURNS_CHOICES, method="filter_returns", label=_("Returns")
    )
    origin = django_filters.ChoiceFilter(
        choices=OrderOrigin.choices, method="filter_origin", label=_("Origin")
    )

    class Meta:
        model = Order
        fields = []

    def filter_hold_kind(self, queryset, name, value):
        # Only held orders have a kind; saying so lets the partial on-hold index serve it.
        return queryset.filter(on_hold=True, hold_kind=value)

    def filter_country(self, queryset, name, value):
        return queryset.filter(shipping_country=value.strip().upper())

    def filter_currency(self, queryset, name, value):
        return queryset.filter(currency=value.strip().upper())

    def filter_email(self, queryset, name, value):
        # Emails are stored lower-cased (Order.save), so this is an indexed equality.
        return queryset.filter(customer_email=value.strip().lower())

    def filter_sku(self, queryset, name, value):
        lines = OrderLine.objects.filter(order=OuterRef("pk"), sku=value.strip())
        return queryset.filter(Exists(lines))

    def filter_origin(self, queryset, name, value):
        if value == OrderOrigin.STOREFRONT:
            return queryset.filter(origin=value)
        # Saying "not a storefront's" in the partial index's own words lets the
        # planner read staff-made orders from `order_staff_origin_idx`.
        return queryset.filter(origin=value).exclude(origin=OrderOrigin.STOREFRONT)

    def filter_returns(self, queryset, name, value):
        # EXISTS on the returns' order index: no join, no duplicates.
        returns = Return.objects.filter(order=OuterRef("pk"))
        if value == "none":
            return queryset.filter(~Exists(returns))
        if value == "pending":
            return queryset.filter(Exists(returns.filter(status=ReturnStatus.PENDING)))
        return queryset.filter(Exists(returns.filter(refunded_at__isnull=False)))
