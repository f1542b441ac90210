"""Every step the back office takes, one home for each: the admin's pages, the
background worker (`backoffice.jobs`) and any API read them from here.

A step (`core.steps.Step`) is its service (in `backoffice.services` or an app's
services), its form (`forms`, `product_forms`, `create_return`), its refusal
function next to the service, and its words (label, past tense, permission) taken
from the transition's `custom`. `STEPS` names, per model, its steps and how a
message names one object ("1042", "1042-1"); the import contracts keep the
admin and the worker from reaching into each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

from backoffice.steps.orders import ORDER_STEPS
from backoffice.steps.shipments import SHIPMENT_STEPS
from core.steps import Step, step_named
from orders.models import Order
from shipments.models import Shipment


@dataclass(frozen=True)
class ModelSteps:
    steps: list[Step]
    # How messages and the worker's outcomes name one object, and the related
    # rows that name reads (joined, never a query per object).
    reference: Callable[[models.Model], str]
    reference_reads: tuple[str, ...] = ()


STEPS: dict[type[models.Model], ModelSteps] = {
    Order: ModelSteps(ORDER_STEPS, reference=lambda order: str(order.number)),
    Shipment: ModelSteps(
        SHIPMENT_STEPS, reference=lambda shipment: shipment.ref, reference_reads=("order",)
    ),
}


def steps_of(model: type[models.Model]) -> ModelSteps | None:
    return STEPS.get(model)


def step_of(model: type[models.Model], name: str) -> Step | None:
    """The step `name` of `model`, or None (renamed or removed by a release)."""
    known = steps_of(model)
    return step_named(known.steps, name) if known else None


__all__ = ["ORDER_STEPS", "SHIPMENT_STEPS", "STEPS", "ModelSteps", "step_of", "steps_of"]
