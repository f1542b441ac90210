"""The orders list: its columns, its search, and a count that never scans the table."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timezone import localtime

from backoffice.admin.list_filters import placed_drilldown
from backoffice.admin.shipping_steps import order_ids_by_reference, with_shipment_progress
from core.admin.badges import state_badge
from core.admin.changelist import exact_number
from core.admin.pagination import EstimatedCountPaginator
from core.money import format_money
from orders.models import Order, OrderStatus
from payments.admin import payment_badge
from payments.models import Payment


def status_badge(order: Order):
    return state_badge(order, css_prefix="status")


def hold_marker(order: Order):
    """The kind on one line, the reason (cut to one line by the CSS, whole in the
    tooltip) on the next: a held row is as tall as any other."""
    if not order.on_hold:
        return None
    return format_html(
        '<span class="centra-hold" title="On hold · {}: {}">{}'
        '<span class="centra-hold-reason">{}</span></span>',
        order.get_hold_kind_display(),
        order.hold_reason,
        order.get_hold_kind_display(),
        order.hold_reason,
    )


class OrderListMixin:
    """The changelist of `OrderAdmin`: columns, search, paginator, drill-down."""

    @admin.display(description="placed", ordering="placed_at")
    def placed(self, order: Order):
        if order.placed_at is None:
            return None
        placed = localtime(order.placed_at)
        # The site's one date format, as two short lines (date, then time).
        return format_html(
            '<time datetime="{}">{}<br>{}</time>',
            placed.isoformat(),
            date_format(placed, "DATE_FORMAT"),
            date_format(placed, "TIME_FORMAT"),
        )

    @admin.display(description="customer")
    def customer(self, order: Order):
        # Name and email on one line each, cut with "…" rather than broken mid-word.
        return format_html(
            '<span class="centra-clip" title="{}">{}</span>'
            '<span class="centra-clip centra-muted" title="{}">{}</span>',
            order.customer_name,
            order.customer_name,
            order.customer_email,
            order.customer_email,
        )

    @admin.display(description="market")
    def market_and_country(self, order: Order):
        """The market, and under it the country the order ships to."""
        return format_html(
            '{}<span class="centra-muted centra-clip" title="Ships to {}">→ {}</span>',
            order.market,
            order.shipping_country,
            order.shipping_country,
        )

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
        return ", ".join(parts) or None

    @admin.display(description="payment")
    def payment_state(self, order: Order):
        try:
            payment = order.payment
        except Payment.DoesNotExist:
            return None
        return payment_badge(payment)

    @admin.display(description="shipping price")
    def shipping_charge(self, order: Order):
        return format_money(order.shipping_price, order.currency)

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

    def get_changelist_instance(self, request):
        cl = super().get_changelist_instance(request)
        cl.clear_search_url = cl.get_query_string(remove=[SEARCH_VAR, PAGE_VAR])
        cl.archived_match = self.archived_match(request, cl.query)
        return cl

    def archived_match(self, request, term: str) -> dict | None:
        """The archived order with this exact number, when the list hides archived
        orders: the search says where it is instead of a bare "0 results"."""
        number = exact_number(term.strip())
        if number is None or request.GET.get("status"):
            return None
        order = Order.objects.filter(number=number, status=OrderStatus.ARCHIVED).only("pk").first()
        if order is None:
            return None
        list_url = reverse("admin:orders_order_changelist", current_app=self.admin_site.name)
        archived = urlencode({"status": OrderStatus.ARCHIVED.value, "q": number})
        return {
            "number": number,
            "url": reverse(
                "admin:orders_order_change", args=[order.pk], current_app=self.admin_site.name
            ),
            "list_url": f"{list_url}?{archived}",
        }

    def order_ids_by_reference(self, term: str) -> list[int]:
        return order_ids_by_reference(term)

    def get_queryset(self, request):
        return with_shipment_progress(super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "placed_drilldown": placed_drilldown(request.GET),
            "flow_url": reverse("admin:orders_order_flow", current_app=self.admin_site.name),
        }
        return super().changelist_view(request, extra_context)
