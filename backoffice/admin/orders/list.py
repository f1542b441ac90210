"""The orders list: its columns, its search, and a count that never scans the table."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from django.contrib import admin
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, SEARCH_VAR
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from backoffice.admin.orders.filters import placed_drilldown
from backoffice.admin.orders.returns_section import with_returns
from core.admin.badges import state_badge
from core.admin.changelist import PageFirstMixin, exact_number
from core.admin.pagination import EstimatedCountPaginator
from core.money import format_money
from orders.models import Order, OrderLine, OrderStatus
from payments.admin import payment_badge
from payments.models import Payment
from shipments.models import Shipment, ShipmentStatus


@lru_cache(maxsize=4096)
def day_text(day: date, language: str | None) -> str:
    """A day in the site's date format, in `language` (the active one): a page of
    orders shows the same few days on fifty rows."""
    return date_format(day, "DATE_FORMAT")


def status_badge(order: Order):
    return state_badge(order, css_prefix="status")


def hold_marker(order: Order):
    """The kind on one line, the reason (cut to one line by the CSS, whole in the
    tooltip) on the next: a held row is as tall as any other."""
    if not order.on_hold:
        return None
    return format_html(
        '<span class="centra-hold" title="{}">{}<span class="centra-hold-reason">{}</span></span>',
        _("On hold · %(kind)s: %(reason)s")
        % {"kind": order.get_hold_kind_display(), "reason": order.hold_reason},
        order.get_hold_kind_display(),
        order.hold_reason,
    )


# Selectors ------------------------------------------------------------------


def with_shipment_progress(queryset):
    """Annotate `shipments_total`, `shipments_completed` and `units_cancelled`:
    correlated subqueries on the shipments' and lines' order indexes, evaluated
    only for the rows shown."""

    def count(**filters):
        shipments = (
            Shipment.objects.filter(order=OuterRef("pk"), **filters)
            .order_by()
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(shipments, output_field=IntegerField()), Value(0))

    cancelled = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(n=Sum("quantity_cancelled"))
        .values("n")
    )
    return queryset.annotate(
        shipments_total=count(),
        shipments_completed=count(status=ShipmentStatus.COMPLETED),
        units_cancelled=Coalesce(Subquery(cancelled, output_field=IntegerField()), Value(0)),
    )


def search_filter(term: str) -> Q:
    """The orders a search term finds: exact number, exact email or part of the
    name, and any order with a line of this SKU or a shipment with this tracking
    number (exact), asking only the places the term is found.

    Each place is its own index (number and email equalities, the name's trigram
    indexes of migrations 0003 and 0025, the lines' SKU and the shipments'
    tracking indexes). Where a SKU or tracking number is found is asked first,
    one probe each; most terms are found in one place only, and the filter is
    then that place's own condition, which PostgreSQL's statistics describe: a
    best-selling SKU's first page walks the list's index and stops after 50
    orders, a rare SKU's orders are looked up by id. A UNION of several places
    (the term is both a name and a SKU) hides the match count from the planner,
    so it is the rare case's form only.
    """
    number = exact_number(term)
    if number is not None:
        own = Q(number=number)
    elif "@" in term:
        own = Q(customer_email=term.lower())
    else:
        own = Q(customer_name__icontains=term)
    references = [
        reference
        for reference in (
            OrderLine.objects.filter(sku=term).order_by().values("order_id"),
            Shipment.objects.filter(tracking_number=term).order_by().values("order_id"),
        )
        if reference.exists()
    ]
    if not references:
        return own
    owned = Order.objects.filter(own).order_by().values("pk")
    if len(references) == 1 and not owned.exists():
        return Q(pk__in=references[0])
    return Q(pk__in=owned.union(*references))


def placed_range_asked(params) -> bool:
    return bool(params.get("placed_after") or params.get("placed_before"))


class OrderListMixin(PageFirstMixin):
    """The changelist of `OrderAdmin`: columns, search, paginator, drill-down."""

    # A broad search (a best-selling SKU, a common name) is counted like a broad
    # filter: the planner's estimate above 10,000 matches, exactly below.
    paginator = EstimatedCountPaginator

    @admin.display(description=gettext_lazy("placed"), ordering="placed_at")
    def placed(self, order: Order):
        if order.placed_at is None:
            return None
        placed = localtime(order.placed_at)
        # The site's one date format, as two short lines (date, then time).
        return format_html(
            '<time datetime="{}">{}<br>{}</time>',
            placed.isoformat(),
            day_text(placed.date(), get_language()),
            date_format(placed, "TIME_FORMAT"),
        )

    @admin.display(description=gettext_lazy("customer"))
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

    @admin.display(description=gettext_lazy("market"))
    def market_and_country(self, order: Order):
        """The market, and under it the country the order ships to."""
        return format_html(
            '{}<span class="centra-muted centra-clip" title="{}">→ {}</span>',
            order.market,
            _("Ships to %(country)s") % {"country": order.shipping_country},
            order.shipping_country,
        )

    @admin.display(description=gettext_lazy("grand total"))
    def total(self, order: Order):
        amount = format_money(order.grand_total, order.currency)
        return format_html('<span class="centra-money">{}</span>', amount)

    @admin.display(description=gettext_lazy("status"))
    def status_badge(self, order: Order):
        return status_badge(order)

    @admin.display(description=gettext_lazy("hold"))
    def hold(self, order: Order):
        return hold_marker(order)

    @admin.display(description=gettext_lazy("shipments"))
    def shipping(self, order: Order):
        total = getattr(order, "shipments_total", 0)
        cancelled = getattr(order, "units_cancelled", 0)
        shipped = {"shipped": order.shipments_completed, "total": total} if total else None
        if shipped and cancelled:
            text = ngettext(
                "%(shipped)s of %(total)s shipped, %(cancelled)s cancelled",
                "%(shipped)s of %(total)s shipped, %(cancelled)s cancelled",
                cancelled,
            ) % {**shipped, "cancelled": cancelled}
        elif shipped:
            text = _("%(shipped)s of %(total)s shipped") % shipped
        elif cancelled:
            text = ngettext("%(cancelled)s cancelled", "%(cancelled)s cancelled", cancelled) % {
                "cancelled": cancelled
            }
        else:
            text = ""
        returns = getattr(order, "returns_total", 0)
        if not returns:
            return text or None
        pending = order.returns_pending
        if pending:
            title = _("%(pending)s pending") % {"pending": pending}
            marker = ngettext(
                "%(count)s return, %(pending)s pending",
                "%(count)s returns, %(pending)s pending",
                returns,
            ) % {"count": returns, "pending": pending}
        else:
            title = _("none pending")
            marker = ngettext("%(count)s return", "%(count)s returns", returns) % {"count": returns}
        return format_html(
            '{}<br><span class="centra-return-marker" title="{}">↩ {}</span>',
            text,
            title,
            marker,
        )

    @admin.display(description=gettext_lazy("payment"))
    def payment_state(self, order: Order):
        try:
            payment = order.payment
        except Payment.DoesNotExist:
            return None
        return payment_badge(payment)

    @admin.display(description=gettext_lazy("shipping price"))
    def shipping_charge(self, order: Order):
        return format_money(order.shipping_price, order.currency)

    @admin.display(description=gettext_lazy("totals"))
    def totals(self, order: Order):
        t = order.totals()
        return format_html(
            _(
                "Subtotal {subtotal} · discount {discount} · shipping {shipping} · "
                "tax included {tax} · <strong>grand total {grand_total}</strong>"
            ),
            subtotal=format_money(t.subtotal, t.currency),
            discount=format_money(t.discount, t.currency),
            shipping=format_money(t.shipping, t.currency),
            tax=format_money(t.tax, t.currency),
            grand_total=format_money(order.grand_total, order.currency),
        )

    def get_search_results(self, request, queryset, search_term):
        """Exact number, exact email, SKU, tracking number, or part of the name — never a
        scan (`search_filter`). Every match is listed, in the list's order (newest
        first); nothing is capped."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(search_filter(term)), False

    def get_ordering(self, request):
        # A placed-date range (the drill-down) is listed by placed date, so the
        # placed-date index serves the range and the order at once; the number
        # index would be walked backwards past every order placed since.
        if placed_range_asked(request.GET) and ORDER_VAR not in request.GET:
            return ["-placed_at"]
        return super().get_ordering(request)

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

    def page_queryset(self, request):
        """The orders of one page with what their columns need: the payment
        (joined) and the per-row subqueries, run for the page's ids only."""
        return self.annotate_page(request, Order.objects.select_related("payment"))

    def annotate_page(self, request, queryset):
        return with_returns(with_shipment_progress(queryset))

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "placed_drilldown": placed_drilldown(request.GET),
            "flow_url": reverse("admin:orders_order_flow", current_app=self.admin_site.name),
            "create_selection_url": self.create_selection_url(request),
        }
        return super().changelist_view(request, extra_context)
