"""The orders list: its columns, its search, and a count that never scans the table."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from backoffice.admin.list_filters import placed_drilldown
from backoffice.admin.returns_section import with_returns
from backoffice.admin.shipping_steps import order_ids_by_reference, with_shipment_progress
from core.admin.badges import state_badge
from core.admin.changelist import exact_number
from core.admin.pagination import EstimatedCountPaginator
from core.money import format_money
from orders.models import Order
from payments.admin import payment_badge
from payments.models import Payment


def status_badge(order: Order):
    return state_badge(order, css_prefix="status")


def hold_marker(order: Order):
    if not order.on_hold:
        return ""
    return format_html(
        '<span class="centra-hold" title="{}">On hold · {}: {}</span>',
        order.hold_reason,
        order.get_hold_kind_display(),
        order.hold_reason if len(order.hold_reason) <= 60 else order.hold_reason[:57] + "…",
    )


class OrderListMixin:
    """The changelist of `OrderAdmin`: columns, search, paginator, drill-down."""

    @admin.display(description="placed", ordering="placed_at")
    def placed(self, order: Order):
        if order.placed_at is None:
            return None
        placed = localtime(order.placed_at)
        # Two short lines keep every column of the list on screen at 1440 px.
        return format_html("{}<br>{}", date_format(placed, "j M Y"), date_format(placed, "H:i"))

    @admin.display(description="customer")
    def customer(self, order: Order):
        return format_html(
            '{}<br><span class="centra-muted">{}</span>', order.customer_name, order.customer_email
        )

    @admin.display(description="country")
    def country(self, order: Order):
        return order.shipping_country

    @admin.display(description="grand total")
    def total(self, order: Order):
        amount = format_money(order.grand_total, order.currency)
        return format_html('<span class="centra-money">{}</span>', amount)

    @admin.display(description="status")
    def status_badge(self, order: Order):
        return status_badge(order)

    @admin.display(description="hold")
    def hold(self, order: Order):
        return hold_marker(order)

    @admin.display(description="shipments")
    def shipping(self, order: Order):
        total = getattr(order, "shipments_total", 0)
        cancelled = getattr(order, "units_cancelled", 0)
        parts = [f"{order.shipments_completed} of {total} shipped"] if total else []
        if cancelled:
            parts.append(f"{cancelled} cancelled")
        text = ", ".join(parts)
        returns = getattr(order, "returns_total", 0)
        if not returns:
            return text
        pending = order.returns_pending
        marker = f"{returns} return{'s' if returns > 1 else ''}"
        title = f"{pending} pending" if pending else "none pending"
        return format_html(
            '{}<br><span class="centra-return-marker" title="{}">↩ {}{}</span>',
            text,
            title,
            marker,
            f", {pending} pending" if pending else "",
        )

    @admin.display(description="payment")
    def payment_state(self, order: Order):
        try:
            payment = order.payment
        except Payment.DoesNotExist:
            return ""
        return payment_badge(payment)

    @admin.display(description="totals")
    def totals(self, order: Order):
        t = order.totals()
        return format_html(
            "Subtotal {} · discount {} · shipping {} · tax included {} · "
            "<strong>grand total {}</strong>",
            format_money(t.subtotal, t.currency),
            format_money(t.discount, t.currency),
            format_money(t.shipping, t.currency),
            format_money(t.tax, t.currency),
            format_money(order.grand_total, order.currency),
        )

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A search finds a handful of orders: count them exactly, without
        # asking the planner first.
        return EstimatedCountPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            may_estimate=not request.GET.get("q"),
        )

    def get_search_results(self, request, queryset, search_term):
        """Exact number, exact email, SKU, or part of the name — never a scan.

        Numbers and emails are indexed equalities; a SKU or a tracking number is
        resolved to order ids through its index first, so the name's trigram
        index and the primary key can be OR-ed by the planner; the name's `icontains` matches the
        expression index of migration 0003.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(pk__in=self.order_ids_by_reference(term))
        number = exact_number(term)
        if number is not None:
            matches |= Q(number=number)
        elif "@" in term:
            matches |= Q(customer_email=term.lower())
        else:
            matches |= Q(customer_name__icontains=term)
        return queryset.filter(matches), False

    def order_ids_by_reference(self, term: str) -> list[int]:
        return order_ids_by_reference(term)

    def get_queryset(self, request):
        return with_returns(with_shipment_progress(super().get_queryset(request)))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "placed_drilldown": placed_drilldown(request.GET),
            "flow_url": reverse("admin:orders_order_flow", current_app=self.admin_site.name),
        }
        return super().changelist_view(request, extra_context)
