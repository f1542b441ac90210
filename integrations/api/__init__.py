"""The REST API for integrations: orders, shipments and the event queue (DRF)."""
