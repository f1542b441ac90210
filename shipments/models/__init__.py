"""The shipments app's models; import them from here."""

from shipments.models.shipment import (
    CHARGED_STATUSES,
    OPEN_STATUSES,
    PAID_STATUSES,
    Shipment,
    ShipmentLine,
    ShipmentQuerySet,
    ShipmentStatus,
)
from shipments.models.stock import Allocation, Stock, Warehouse

__all__ = [
    "CHARGED_STATUSES",
    "OPEN_STATUSES",
    "PAID_STATUSES",
    "Allocation",
    "Shipment",
    "ShipmentLine",
    "ShipmentQuerySet",
    "ShipmentStatus",
    "Stock",
    "Warehouse",
]
