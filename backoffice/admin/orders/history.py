"""The order's "History" page: its timeline, whole and oldest first.

Every change of an order is an `OrderEvent` (services write them; the admin's
own log knows only the few edits made through the form), so History shows
those, in the timeline's words, a hundred to a page.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from backoffice.admin.orders.timeline_words import change_words, what_words
from orders.models import OrderEvent

EVENTS_PER_PAGE = 100


class OrderHistoryMixin:
    """`OrderAdmin.history_view`: the timeline instead of Django's log entries."""

    def history_view(self, request, object_id, extra_context=None):
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, order):
            raise PermissionDenied
        events = OrderEvent.objects.filter(order=order).order_by("created_at", "id")
        paginator = Paginator(events, EVENTS_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        rows = [
            {
                "event": event,
                "what": what_words(event),
                "change": change_words(event),
            }
            for event in page.object_list
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History of %(order)s") % {"order": order},
            "subtitle": None,
            "module_name": str(self.opts.verbose_name_plural).capitalize(),
            "object": order,
            "opts": self.opts,
            "rows": rows,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "pagination_required": paginator.count > EVENTS_PER_PAGE,
            "page_var": PAGE_VAR,
            "media": self.media,
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/object_history.html", context)
