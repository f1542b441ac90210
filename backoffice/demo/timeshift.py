"""Moving a demo order's whole history back in time: every row under it by the same amount."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import F
from django.utils import timezone

from orders.models import Order
from shipments.models import Shipment


def move_into_the_past(order_ids: list[int], *, days: float) -> None:
    """Move every timestamp of the orders, and of every row under them, `days` back.

    The whole history moves as one piece, so its order and its gaps are kept;
    no status or event is touched otherwise.
    """
    delta = timedelta(days=days)
    for model, path in models_under_order():
        stamps = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        if stamps:
            model.objects.filter(**{f"{path}__in": order_ids}).update(
                **{name: F(name) - delta for name in stamps}
            )


def ship_on_the_day_of_completion(order_ids: list[int]) -> None:
    """Shipped dates are dates, not timestamps: after the move, each completed
    shipment was shipped on the (local) day it was completed."""
    completed = Shipment.objects.filter(order__in=order_ids, completed_at__isnull=False)
    for pk, completed_at in completed.values_list("pk", "completed_at"):
        Shipment.objects.filter(pk=pk).update(shipped_date=timezone.localdate(completed_at))


@cache
def models_under_order() -> list[tuple[type[models.Model], str]]:
    """Order itself, and each model reaching it through one or two foreign keys."""
    found = [(Order, "pk")]
    for model in apps.get_models():
        for fk in _foreign_keys(model):
            if fk.related_model is Order:
                found.append((model, fk.name))
                break
            inner = next(
                (f for f in _foreign_keys(fk.related_model) if f.related_model is Order), None
            )
            if inner and fk.related_model is not model:
                found.append((model, f"{fk.name}__{inner.name}"))
                break
    return found


def _foreign_keys(model) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
