"""The order page's returns: each return with its lines, amounts and the steps this
user may take on it; and the way out of a refused cancel ("refund them through a
return"), worded as an instruction only to whoever can follow it."""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from backoffice.admin.orders.payment_note import create_return_links
from core.admin.links import change_url
from core.money import format_money
from orders.models import Order
from orders.models.conditions import has_no_paid_shipments, has_nothing_captured
from returns.admin import breakdown, return_badge
from returns.models import Return, ReturnStatus
from returns.selectors import returns_of_order


def with_returns(queryset):
    """Annotate `returns_total` and `returns_pending`: correlated subqueries on the
    returns' order index, evaluated only for the rows shown."""

    def count(**filters):
        returns = (
            Return.objects.filter(order=OuterRef("pk"), **filters)
            .order_by()
            .values("order")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(returns, output_field=IntegerField()), Value(0))

    return queryset.annotate(
        returns_total=count(), returns_pending=count(status=ReturnStatus.PENDING)
    )


def returns_rows(admin_site, request, order: Order, *, back_to: str) -> list[dict]:
    """The order's returns with the steps this user may take on each now."""
    return_admin = admin_site.get_model_admin(Return)
    if not return_admin.has_view_permission(request):
        return []
    rows = []
    for return_ in returns_of_order(order):
        available, _blocked = return_admin.step_buttons(request, return_, back_to=back_to)
        for button in available:
            # Links: this section sits inside the order's form, and forms do not nest.
            button["page"] = True
        currency = order.currency
        rows.append(
            {
                "return": return_,
                "badge": return_badge(return_),
                "lines": ", ".join(
                    f"{line.quantity} × {line.shipment_line.order_line.sku} "
                    f"({format_money(line.amount, currency)})"
                    for line in return_.lines.all()
                ),
                "amounts": breakdown(return_),
                "goods": goods(return_),
                "refund": format_money(return_.refund_amount, currency),
                "refunded": return_.refunded_at is not None,
                "buttons": available,
                "exchange": exchange_link(admin_site, request, return_),
                "url": reverse(
                    "admin:returns_return_change",
                    args=[quote(return_.pk)],
                    current_app=admin_site.name,
                ),
            }
        )
    return rows


def exchange_link(admin_site, request, return_: Return) -> str:
    """The return's exchange order, linked for whoever may open orders."""
    order = return_.exchange_order
    if order is None:
        return ""
    text = _("Exchange order %(number)s") % {"number": order.number}
    url = change_url(admin_site, request, Order, order.pk)
    return format_html('<a href="{}">{}</a>', url, text) if url else text


def goods(return_: Return) -> str:
    """Where the goods go, and whether they are in."""
    received = return_.completed_at is not None
    if return_.warehouse:
        into = {"warehouse": return_.warehouse}
        if received:
            return _("Into %(warehouse)s · received") % into
        return _("Into %(warehouse)s · not received yet") % into
    if received:
        return _("Removed (not saleable) · received")
    return _("Removed (not saleable) · not received yet")


def with_return_instruction(order: Order, blocked: list, shipment_rows: list[dict]) -> list:
    """The cancel refusal after a capture, followed, for whoever may create a return
    of one of the order's shipments now, by the way to do it (a link to each)."""
    create_links = [
        (button["url"], row["shipment"].ref)
        for row in shipment_rows
        for button in row["buttons"]
        if button["name"] == "create_return"
    ]
    refusals = {
        condition.refusal.format(obj=order)
        for condition in (has_nothing_captured, has_no_paid_shipments)
    }
    if not create_links:
        return blocked
    links = create_return_links(create_links)
    return [
        format_html(
            _("{refusal} Refund them through a return instead: {links}."),
            refusal=sentence,
            links=links,
        )
        if sentence in refusals
        else sentence
        for sentence in blocked
    ]


def cancel_skip_with_return_way(admin_site, request, order: Order, sentence: str) -> str:
    """A bulk cancel's refusal after a capture, with the way forward: a return,
    made from the order's shipments (a link to them on the order's page)."""
    refusals = {
        condition.refusal.format(obj=order)
        for condition in (has_nothing_captured, has_no_paid_shipments)
    }
    if sentence not in refusals:
        return sentence
    url = reverse("admin:orders_order_change", args=[quote(order.pk)], current_app=admin_site.name)
    if request.user.has_perm("returns.create_return"):
        way = _(
            "{refusal} Refund it through a return instead, created from its shipment: "
            '<a href="{url}#shipments">{order}’s shipments</a>.'
        )
    else:
        way = _(
            "{refusal} Its money goes back through a return, which Customer service creates "
            'from its shipment: <a href="{url}#shipments">{order}’s shipments</a>.'
        )
    return format_html(way, refusal=sentence, url=url, order=order)
