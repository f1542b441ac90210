"""The order flow page: the order's, the shipment's and the return's state machines,
drawn from their `@transition` definitions, so the picture cannot drift from the code."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from core.admin.flow_diagram import build_diagram
from orders.models import Order, OrderStatus
from returns.models import Return, ReturnStatus
from shipments.models import Shipment, ShipmentStatus

# Where each status box sits on the flow page; the boxes and arrows themselves
# come from the state machine.
ORDER_FLOW_POSITIONS = {
    OrderStatus.INCOMPLETE: (0, 0),
    OrderStatus.PENDING: (1, 0),
    OrderStatus.CONFIRMED: (2, 0),
    OrderStatus.PROCESSING: (3, 0),
    OrderStatus.COMPLETED: (4, 0),
    OrderStatus.ARCHIVED: (5, 0),
    OrderStatus.CANCELLED: (2, 1),
}

SHIPMENT_FLOW_POSITIONS = {
    ShipmentStatus.CREATED: (0, 0),
    ShipmentStatus.GOOD_TO_GO: (1, 0),
    ShipmentStatus.PAID: (2, 0),
    ShipmentStatus.COMPLETED: (3, 0),
}

RETURN_FLOW_POSITIONS = {
    ReturnStatus.PENDING: (0, 0),
    ReturnStatus.REFUNDED: (1, 0),
    ReturnStatus.COMPLETED: (2, 0),
}


class FlowPageMixin:
    """The flow views of `OrderAdmin`: the whole flow, or one order's place in it."""

    def flow_urls(self):
        """The whole flow, and one order's place in it (an `extra_urls` entry)."""
        return [
            path(
                "flow/",
                self.admin_site.admin_view(self.flow_view),
                name="orders_order_flow",
            ),
            path(
                "<path:object_id>/flow/",
                self.admin_site.admin_view(self.flow_view),
                name="orders_order_flow_of",
            ),
        ]

    def flow_view(self, request, object_id=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        order = None
        if object_id is not None:
            order = self.get_object(request, unquote(object_id))
            if order is None:
                return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        diagram = build_diagram(
            Order,
            positions=ORDER_FLOW_POSITIONS,
            current=order.status if order else None,
            title=_("Order"),
            removing=frozenset({"discard", "delete_permanently"}),
            removed_at=(0, 1),
        )
        shipment_diagram = build_diagram(
            Shipment,
            positions=SHIPMENT_FLOW_POSITIONS,
            title=_("Shipment"),
            removing=frozenset({"delete_shipment"}),
            removed_at=(0, 1),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Order flow — %(order)s") % {"order": order} if order else _("Order flow"),
            "subtitle": None,
            "opts": self.opts,
            "original": order,
            "diagrams": [
                diagram,
                shipment_diagram,
                build_diagram(Return, positions=RETURN_FLOW_POSITIONS, title=_("Return")),
            ],
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order_flow.html", context)
