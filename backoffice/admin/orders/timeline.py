"""The order page's timeline and its read-only lines, as text rather than forms.

A read-only inline still renders a form per row (hidden inputs, a template per
field): an order with 50 lines and 200 events spent most of its page time there.
The timeline shows the latest events, every event one click away; lines that may
not be edited are a plain table.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Window
from django.urls import reverse

from backoffice.admin.orders.timeline_words import change_words, what_words
from core.actors import actor_words
from core.money import format_money, line_amount
from orders import comments
from orders.models import Order, OrderEvent

LATEST_EVENTS = 20
ALL_EVENTS_PARAMETER = "timeline"


def timeline_context(request, order: Order, *, admin_site_name: str) -> dict:
    """The latest events (all of them with ?timeline=all), newest first, and
    "Edit" on the viewer's own comments: one query however many there are."""
    mine = Q(subject=OrderEvent.Subject.COMMENT, transition=comments.COMMENT)
    mine &= Q(user_id=request.user.pk) if request.user.is_authenticated else Q(pk=None)
    events = (
        OrderEvent.objects.filter(order=order)
        .annotate(
            written_by_viewer=ExpressionWrapper(mine, output_field=BooleanField()),
            # How many there are in all, in the same query (before the LIMIT).
            events_in_all=Window(Count("pk")),
        )
        .order_by("-created_at", "-id")
    )
    show_all = request.GET.get(ALL_EVENTS_PARAMETER) == "all"
    shown = list(events if show_all else events[:LATEST_EVENTS])
    total = shown[0].events_in_all if shown else 0
    rows = [
        {
            "event": event,
            "actor": actor_words(event.actor),
            "what": what_words(event),
            "change": change_words(event),
            "edit_url": reverse(
                "admin:orders_order_comment",
                args=[quote(order.pk), event.pk],
                current_app=admin_site_name,
            )
            if event.written_by_viewer
            else "",
        }
        for event in shown
    ]
    return {
        "timeline": rows,
        "timeline_total": total,
        "timeline_all_url": f"?{ALL_EVENTS_PARAMETER}=all#events-group"
        if total > len(rows)
        else "",
    }


def line_rows(order: Order) -> list[dict]:
    """The lines as text, for a page on which they may not be edited."""
    currency = order.currency
    return [
        {
            "line": line,
            "unit_price": format_money(line.unit_price, currency),
            "discount": format_money(line.discount, currency),
            "total": format_money(line_amount(line, line.quantity_active, currency), currency),
        }
        for line in order.lines.order_by("pk")
    ]
