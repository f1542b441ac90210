"""Back-office services: what spans orders, payments and shipments.

Each is a service like any app's (lock, transition, save, event, side effects),
and calls the apps' services below it, never the other way round. Callers
import from here.
"""

from backoffice.services.cancel import cancel_order
from backoffice.services.cancel_products import (
    cancel_products,
    cancel_products_refusal,
    cancel_unshipped_products,
    restore_products,
    restore_products_refusal,
)
from backoffice.services.checkout import DIRECT_CAPTURE, checkout_order
from backoffice.services.line_edits import LineEdits, edit_order, line_edit_refusal
from backoffice.services.order_shipments import (
    capture_order,
    capture_refusal,
    good_to_go_refusal,
    mark_order_good_to_go,
)
from backoffice.services.restore_order import restore_order

__all__ = [
    "DIRECT_CAPTURE",
    "LineEdits",
    "cancel_order",
    "cancel_products",
    "cancel_products_refusal",
    "cancel_unshipped_products",
    "capture_order",
    "capture_refusal",
    "checkout_order",
    "edit_order",
    "good_to_go_refusal",
    "line_edit_refusal",
    "mark_order_good_to_go",
    "restore_order",
    "restore_products",
    "restore_products_refusal",
]
