"""The order page's timeline and its read-only lines, as text rather than forms.

A read-only inline still renders a form per row (hidden inputs, a template per
field): an order with 50 lines and 200 events spent most of its page time there.
The timeline shows the latest events, every event one click away; lines that may
not be edited are a plain table.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Window
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import pgettext

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
    for row in rows:
        row["html"] = timeline_row_html(row)
    return {
        "timeline": rows,
        "timeline_total": total,
        "timeline_all_url": f"?{ALL_EVENTS_PARAMETER}=all#events-group"
        if total > len(rows)
        else "",
    }


# One event's row, drawn here rather than cell by cell in the template, whose six
# variable lookups a row cost more than the row (a big order's page with its 200
# events and 50 lines: 51.7 ms drawn there, 49.1 here). The cells are what the
# template wrote: escaped, the time as `{{ datetime }}` shows it, line breaks kept.
TIMELINE_ROW = (
    '<tr><td class="field-created_at">{}</td><td class="field-actor">{}</td>'
    '<td class="field-what">{}</td><td class="field-change">{}</td>'
    '<td class="field-message">{}</td><td>{}</td></tr>'
)
EDIT_LINK = '<a href="{}" class="centra-comment-edit">{}</a>'


def timeline_row_html(row: dict) -> str:
    event = row["event"]
    edit = (
        format_html(EDIT_LINK, row["edit_url"], pgettext("a comment", "Edit"))
        if row["edit_url"]
        else ""
    )
    return format_html(
        TIMELINE_ROW,
        formats.localize(timezone.template_localtime(event.created_at)),
        row["actor"],
        row["what"],
        row["change"],
        linebreaksbr(event.message, autoescape=True),
        edit,
    )


# One line's row of the text table, drawn here for the same reason as an event's.
LINE_ROW = (
    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
    '<td class="centra-money">{}</td><td>{}</td><td class="centra-money">{}</td>'
    '<td class="centra-money">{}</td></tr>'
)


def line_rows(order: Order) -> list[dict]:
    """The lines as text, for a page on which they may not be edited."""
    currency = order.currency
    rows = [
        {
            "line": line,
            "unit_price": format_money(line.unit_price, currency),
            "discount": format_money(line.discount, currency),
            "total": format_money(line_amount(line, line.quantity_active, currency), currency),
        }
        for line in order.lines.all()
    ]
    for row in rows:
        line = row["line"]
        row["html"] = format_html(
            LINE_ROW,
            line.sku,
            line.product_name,
            line.variant,
            formats.localize(line.quantity),
            formats.localize(line.quantity_cancelled),
            row["unit_price"],
            formats.localize(line.tax_percent),
            row["discount"],
            row["total"],
        )
    return rows
