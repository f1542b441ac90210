"""Shipment services: the only way a shipment, the stock it holds and its order move.

One module per reason to change: `lifecycle` (create, good-to-go, complete,
delete), `paying` (what a shipment charges, captured or recorded by hand),
`stock` (allocation and counts), `allocation` (stock reserved for an order
from its placement), `store_options` (Direct to Shipment at
checkout); `common` holds the shipment lock and event they all use. Callers import from
here.
"""

from shipments.selectors import (
    ProposedLine,
    SplitProposal,
    available_by_sku,
    propose_split,
    reserved_by_line,
)
from shipments.services.allocation import (
    move_reservation,
    release_reservation,
    reserve,
    reserves_at_placement,
)
from shipments.services.lifecycle import (
    complete_shipment,
    create_shipment,
    create_shipment_under_lock,
    delete_open_shipments,
    delete_shipment,
    expedite_order,
    mark_good_to_go,
    mark_not_good_to_go,
)
from shipments.services.paying import (
    capture_shipment,
    mark_shipment_paid,
    mark_shipment_unpaid,
    shipment_amounts,
)
from shipments.services.stock import receive_stock, remove_stock, set_stock_on_hand
from shipments.services.store_options import DIRECT_TO_SHIPMENT, ship_at_checkout

__all__ = [
    "DIRECT_TO_SHIPMENT",
    "ProposedLine",
    "SplitProposal",
    "available_by_sku",
    "capture_shipment",
    "complete_shipment",
    "create_shipment",
    "create_shipment_under_lock",
    "delete_open_shipments",
    "delete_shipment",
    "expedite_order",
    "mark_good_to_go",
    "mark_not_good_to_go",
    "mark_shipment_paid",
    "mark_shipment_unpaid",
    "move_reservation",
    "propose_split",
    "receive_stock",
    "release_reservation",
    "remove_stock",
    "reserve",
    "reserved_by_line",
    "reserves_at_placement",
    "set_stock_on_hand",
    "ship_at_checkout",
    "shipment_amounts",
]
