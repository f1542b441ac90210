"""Moving a demo order's whole history back in time: every row under it by the same amount."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.apps import apps
from django.db import models
from django.db.models import Case, DurationField, F, Value, When
from django.utils import timezone
from django.utils.formats import date_format

from orders.models import Order, OrderEvent
from shipments.models import Shipment


@dataclass
class Pauses:
    """The pauses of one story: "what comes next happens some hours later".

    A pause is only written down (when it began, how long it was); the rows
    move once, when the story is over (`move_into_the_past`): moving the whole
    order at every pause cost five UPDATEs a pause, most of the demo's time.
    """

    began: list[tuple[datetime, timedelta]] = field(default_factory=list)

    def add(self, *, days: float) -> None:
        self.began.append((timezone.now(), timedelta(days=days)))


def move_into_the_past(order_ids: list[int], *, days: float, pauses: Pauses | None = None) -> None:
    """Move every timestamp of the orders, and of every row under them, `days` back,
    and each timestamp from before a pause back by that pause as well.

    The whole history moves as one piece, so its order and its gaps are kept;
    no status or event is touched otherwise. A timestamp written before a pause
    moves as if the order had been moved back by the pause there and then: by
    `days` plus every pause that began after it.
    """
    delta = timedelta(days=days)
    for model, path in models_under_order():
        stamps = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        if stamps:
            model.objects.filter(**{f"{path}__in": order_ids}).update(
                **{name: F(name) - _shift(name, delta, pauses) for name in stamps}
            )


def _shift(name: str, delta: timedelta, pauses: Pauses | None):
    """`delta`, plus the pauses that began after the timestamp in `name`."""
    began = pauses.began if pauses else []
    if not began:
        return delta
    whens, later = [], delta + sum((length for _, length in began), timedelta())
    for at, length in began:  # oldest first: the first match is the right one
        whens.append(When(**{f"{name}__lt": at}, then=Value(later)))
        later -= length
    return Case(*whens, default=Value(delta), output_field=DurationField())


def ship_on_the_day_of_completion(order_ids: list[int]) -> None:
    """Shipped dates are dates, not timestamps: after the move, each completed
    shipment was shipped on the (local) day it was completed, and the event of its
    completion says so (its message names the day it was written on: today)."""
    completed = Shipment.objects.filter(order__in=order_ids, completed_at__isnull=False)
    for pk, completed_at, written in completed.values_list("pk", "completed_at", "shipped_date"):
        day = timezone.localdate(completed_at)
        Shipment.objects.filter(pk=pk).update(shipped_date=day)
        completions = OrderEvent.objects.filter(
            order__in=order_ids,
            subject=OrderEvent.Subject.SHIPMENT,
            transition="complete",
            data__shipment_id=pk,
        )
        for event in completions:
            # In the words and the language it was written in, a moment ago.
            event.message = event.message.replace(date_format(written), date_format(day))
            event.data["shipped_date"] = day.isoformat()
            event.save(update_fields=["message", "data"])


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
