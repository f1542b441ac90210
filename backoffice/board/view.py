"""The board page: the user's tiles and the flow's charts, under the admin's frame."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.urls import reverse

from backoffice.board.charts import flow_chart, shipped_within
from backoffice.board.tiles import tiles_for
from orders.models import Order


def may_open(site, request):
    """Whether the user may open a model's list in this admin site."""

    def check(model) -> bool:
        model_admin = site._registry.get(model)
        return bool(model_admin) and model_admin.has_view_or_change_permission(request)

    return check


def board(site, request, extra_context=None) -> TemplateResponse:
    opens = may_open(site, request)
    tiles = tiles_for(request.user, opens)
    # The charts are about orders: shown to whoever may open the orders list.
    show_charts = opens(Order)
    context = {
        **site.each_context(request),
        "title": site.index_title,
        "subtitle": None,
        "tiles": tiles,
        "waiting": [shown for shown in tiles if shown.count],
        "calm": [shown for shown in tiles if not shown.count],
        "flow": flow_chart() if show_charts else None,
        "within": shipped_within() if show_charts else None,
        "all_models_url": reverse(f"{site.name}:all_models"),
        **(extra_context or {}),
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/board/index.html", context)
