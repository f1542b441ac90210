"""The shipments' steps in the back office: the shipments app's own, and
"Create return…" on a completed shipment (the returns floor stands above shipments)."""

from __future__ import annotations

from backoffice.steps.create_return import CREATE_RETURN
from shipments.steps import SHIPMENT_STEPS as SHIPMENTS_OWN_STEPS

SHIPMENT_STEPS = [*SHIPMENTS_OWN_STEPS, CREATE_RETURN]
