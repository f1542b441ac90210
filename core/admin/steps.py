"""The admin's one way of taking a step: on one object (a button) or many (an action).

A `Step` names a service and the model transition whose rules it follows;
`take_step` takes it on each object through the service and `report` says what
happened. Every object runs through the service on its own, so each is its own
transaction and a refusal of one does not stop the others; the service, not the
button, decides: the page only offers what `core.fsm.refusal()` says is possible
now. `core.admin.step_admin` turns a ModelAdmin's list of steps into actions,
buttons and pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.utils.text import capfirst

from core.actors import Actor
from core.errors import DomainError
from core.fsm import action_label, action_past, refusal

# Beyond this a bulk step is refused as a whole: each object is its own
# transaction, and a thousand of them is already minutes of locks and messages.
MAX_OBJECTS_PER_STEP = 1000

# The messages name at most this many objects one by one.
MAX_MESSAGES = 25


@dataclass(frozen=True)
class Step:
    """One thing staff do to an object, through one service.

    `transition` is the model method whose label, permission and refusals the
    step follows (defaults to `name`). `service` is called as
    `service(<id_kwarg>=obj.pk, by=user, **form.cleaned_data)`.
    """

    name: str
    service: Callable[..., Any]
    transition: str = ""
    form: type[forms.Form] | None = None
    confirm: bool = False
    danger: bool = False
    deletes: bool = False
    id_kwarg: str = "order_id"
    # The attribute of the object that the service's id argument takes, e.g.
    # "order_id" for payments, whose services are keyed by order.
    id_attr: str = "pk"
    # Turns the form's cleaned data into the service's arguments for one
    # object (e.g. a blank refund amount means everything refundable).
    params_for: Callable[[Any, dict], dict] | None = None
    # Whether the order page says why the step is blocked when the state fits
    # (off for toggles like hold/resume, whose other half is the button shown).
    explain_when_blocked: bool = True
    # Offer the bulk action only while the list is filtered like this, e.g.
    # {"status": "6"} so "Delete permanently" is offered for cancelled orders only.
    list_only_when: dict[str, str] = field(default_factory=dict)
    # For a step that is not one transition of the listed model (e.g. an order's
    # "Good-to-go", which marks its shipments): its own words, permission and
    # check, which returns the refusal sentence or None.
    label_text: str = ""
    past_text: str = ""
    permission_name: str = ""
    check: Callable[[Any, Actor], str | None] | None = None
    # What the step did to one object, beside its name in the message, from the
    # service's result: "1042-R1, 45.00 EUR" says how much was refunded.
    done_detail: Callable[[Any, Any], str] | None = None
    # A step that moves money asks again with the figure before it is taken:
    # the sentence shown once the form is valid ("Refund 45.00 EUR to …?").
    confirm_with: Callable[[Any, dict], str] | None = None
    # Offered as a bulk action on the list (off for a step whose input is one
    # object's own figures, like a goodwill refund's amount).
    in_bulk: bool = True
    # The step's bulk path for many objects at once, derived from the same
    # transition (e.g. `orders.bulk.confirm_orders`): called as
    # `bulk(ids=[...], by=user)`, it returns the ids it took.
    bulk: Callable[..., set[Any]] | None = None

    def method(self, obj: models.Model):
        return getattr(obj, self.transition or self.name)

    def function(self, model: type[models.Model]):
        return getattr(model, self.transition or self.name)

    def label(self, model: type[models.Model]) -> str:
        return self.label_text or capfirst(action_label(self.function(model)))

    def past(self, model: type[models.Model]) -> str:
        return self.past_text or action_past(self.function(model))

    def permission(self, model: type[models.Model]) -> str | None:
        if self.check:
            return self.permission_name or None
        transitions = self.function(model)._django_fsm.transitions.values()
        return next(iter(transitions)).permission

    def refusal(self, obj: models.Model, *, by: Actor) -> str | None:
        if self.check:
            return self.check(obj, by)
        return refusal(self.method(obj), by=by)

    def state_fits(self, obj: models.Model) -> bool:
        if self.check:
            return True
        meta = self.method(obj)._django_fsm
        return meta.has_transition(meta.field.get_state(obj))

    def needs_page(self) -> bool:
        return bool(self.form or self.confirm)

    def take(self, obj: models.Model, *, by: Actor, params: dict[str, Any]) -> Any:
        if self.params_for:
            params = self.params_for(obj, params)
        return self.service(**{self.id_kwarg: getattr(obj, self.id_attr)}, by=by, **params)


class PartlyDone(DomainError):
    """A step over an object's parts (its shipments, say) that some took and some refused.

    Each part runs in its own transaction, so what was done stays done; the
    sentence names both.
    """


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    partly: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def take_step(
    step: Step,
    objects: Iterable[models.Model],
    *,
    by: Actor,
    params: dict,
    name: Callable[[models.Model], str],
) -> Outcome:
    """Take the step on each object through its service; refusals are collected, not raised."""
    outcome = Outcome()
    for obj in objects:
        try:
            result = step.take(obj, by=by, params=params)
        except PartlyDone as error:
            outcome.partly.append(str(error))
        except DomainError as error:
            outcome.skipped.append(str(error))
        else:
            outcome.done.append(done_name(step, obj, result, name(obj)))
    return outcome


def done_name(step: Step, obj: models.Model, result: Any, name: str) -> str:
    """How the message names an object the step was taken on, with what it did."""
    detail = step.done_detail(obj, result) if step.done_detail else ""
    return f"{name}, {detail}" if detail else name


def needs_confirming(step: Step, data) -> bool:
    """Whether a valid form is shown once more with its figures before the step is
    taken (a refund); "Change" goes back to the form, "Yes" takes it."""
    return bool(step.confirm_with) and ("_confirmed" not in data or "_change" in data)


def take_step_at_once(
    step: Step,
    objects: Iterable[models.Model],
    *,
    by: Actor,
    name: Callable[[models.Model], str],
) -> Outcome:
    """Take the step on many objects through its bulk path: a few statements
    instead of a transaction per object.

    The same check as one by one decides which objects are skipped and why; the
    bulk path applies the transition's guard again on the locked rows, so an
    object that changed meanwhile is left as it is, and said so.
    """
    outcome, takes = Outcome(), []
    for obj in objects:
        sentence = step.refusal(obj, by=by)
        if sentence:
            outcome.skipped.append(sentence)
        else:
            takes.append(obj)
    done = step.bulk(ids=[obj.pk for obj in takes], by=by) if takes else set()
    for obj in takes:
        if obj.pk in done:
            outcome.done.append(name(obj))
        else:
            outcome.skipped.append(f"{obj} changed while the step ran; it was left as it is.")
    return outcome


def report(request, step: Step, model: type[models.Model], outcome: Outcome) -> None:
    """Say per object what happened, and why any was skipped."""
    opts = model._meta
    if outcome.done:
        count = len(outcome.done)
        noun = opts.verbose_name if count == 1 else opts.verbose_name_plural
        names = ("; " if any(", " in done for done in outcome.done) else ", ").join(
            outcome.done[:MAX_MESSAGES]
        )
        more = f" and {count - MAX_MESSAGES} more" if count > MAX_MESSAGES else ""
        messages.success(request, f"{count} {noun} {step.past(model)}: {names}{more}.")
    for sentence in outcome.partly[:MAX_MESSAGES]:
        messages.warning(request, f"Partly done: {sentence}")
    for sentence in outcome.skipped[:MAX_MESSAGES]:
        messages.warning(request, f"Skipped: {sentence}")
    if len(outcome.skipped) > MAX_MESSAGES:
        messages.warning(request, f"{len(outcome.skipped) - MAX_MESSAGES} more were skipped.")
    if not (outcome.done or outcome.partly or outcome.skipped):
        messages.warning(request, f"No {opts.verbose_name_plural} were selected.")
