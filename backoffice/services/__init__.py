"""Back-office services: what spans orders, payments and shipments.

Each is a service like any app's (lock, transition, save, event, side effects),
and calls the apps' services below it, never the other way round. Callers
import from here.
"""

from backoffice.services.cancel import cancel_order
from backoffice.services.cancel_products import (
    cancel_products,
    cancel_unshipped_products,
    restore_products,
)
from backoffice.services.checkout import DIRECT_CAPTURE, checkout_order
from backoffice.services.line_edits import LineEdits, edit_order, line_edit_refusal
from backoffice.services.restore_order import restore_order

__all__ = [
    "DIRECT_CAPTURE",
    "LineEdits",
    "cancel_order",
    "cancel_products",
    "cancel_unshipped_products",
    "checkout_order",
    "edit_order",
    "line_edit_refusal",
    "restore_order",
    "restore_products",
]
