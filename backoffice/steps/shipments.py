"""The shipments' steps in the back office: the shipments app's own, and on a
completed shipment "Create return…" (the returns floor stands above shipments) and
"Resend…" (a new order, the back office's)."""

from __future__ import annotations

from backoffice.steps.create_return import CREATE_RETURN
from backoffice.steps.resend import RESEND
from shipments.steps import SHIPMENT_STEPS as SHIPMENTS_OWN_STEPS

SHIPMENT_STEPS = [*SHIPMENTS_OWN_STEPS, CREATE_RETURN, RESEND]
