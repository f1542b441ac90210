"""Which orders staff fill on the selection page (`backoffice.admin.orders.selection`).

Only an Incomplete order made in the back office: a storefront's selection is a
shopper's cart, changed only by its shop, and a placed order changes through
the order page's steps instead.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from orders.models import Order, OrderOrigin, OrderStatus


def staff_selection_refusal(order: Order) -> str | None:
    """Why `order` is not a selection staff may fill, in one sentence; None when it is."""
    if order.status != OrderStatus.INCOMPLETE:
        return _("%(order)s is placed: its selection can no longer change.") % {"order": order}
    if order.origin == OrderOrigin.STOREFRONT:
        return _("%(order)s is a storefront's selection: only its buyer changes it.") % {
            "order": order
        }
    return None
