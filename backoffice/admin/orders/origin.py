"""Where an order came from, and the orders it is linked with: the order an
exchange or a resend was made for, the follow-ups made for it, and the return
an exchange order was made from. Shown on the order page's glance.

Each link is to another admin page, so it is a link only for whoever may open
that page (`core.admin.links.change_url`); anyone else reads the plain text.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin.links import change_url
from orders.models import Order, OrderOrigin
from returns.models import Return
from shipments.models import Shipment, ShipmentStatus

# How a follow-up order is named from the order it was made for.
FOLLOW_UP_WORDS = {
    OrderOrigin.EXCHANGE: gettext_lazy("Exchange order {number}"),
    OrderOrigin.RESEND: gettext_lazy("Resend {number}"),
}
# How the order it was made for is named from a follow-up.
RELATED_WORDS = {
    OrderOrigin.EXCHANGE: gettext_lazy("Exchange of order {number}"),
    OrderOrigin.RESEND: gettext_lazy("Resend of order {number}"),
}


def origin_glance(admin_site, request, order: Order, shipments: list[Shipment]) -> dict:
    """The order's origin and its links, from `shipments` (the page's, read already)
    and small queries on an index each, asked only where they can find something:
    the related order's, the follow-ups' (exchanges and resends are made from a
    completed shipment, so only an order with one has them) and an exchange
    order's return."""
    shipped = any(shipment.status == ShipmentStatus.COMPLETED for shipment in shipments)
    return {
        "label": order.get_origin_display(),
        "links": [
            *_related(admin_site, request, order),
            *(_follow_ups(admin_site, request, order) if shipped else []),
            *_exchanged_return(admin_site, request, order),
        ],
    }


def _link(text: str, url: str, kind: str) -> dict:
    return {"text": text, "url": url, "kind": kind}


def _related(admin_site, request, order: Order) -> list[dict]:
    if order.related_order_id is None:
        return []
    number = Order.objects.filter(pk=order.related_order_id).values_list("number", flat=True)
    found = number.first()
    if found is None:
        return []
    words = RELATED_WORDS.get(order.origin, gettext_lazy("Made for order {number}"))
    url = change_url(admin_site, request, Order, order.related_order_id)
    return [_link(words.format(number=found), url, "related")]


def _follow_ups(admin_site, request, order: Order) -> list[dict]:
    rows = order.follow_ups.order_by("number").values_list("pk", "number", "origin")
    return [
        _link(
            FOLLOW_UP_WORDS.get(origin, gettext_lazy("Follow-up order {number}")).format(
                number=number
            ),
            change_url(admin_site, request, Order, pk),
            "follow_up",
        )
        for pk, number, origin in rows
    ]


def _exchanged_return(admin_site, request, order: Order) -> list[dict]:
    if order.origin != OrderOrigin.EXCHANGE:
        return []
    found = Return.objects.select_related("order").filter(exchange_order=order).first()
    if found is None:
        return []
    url = change_url(admin_site, request, Return, found.pk)
    text = _("Exchange for return %(number)s") % {"number": found.number}
    return [_link(text, url, "return")]
