"""One way of taking a step: on one object (a button) or many (an action, a background job).

A `Step` names a service and the transition whose words (label, past tense) and
permission it has; `take_step` takes it on each object through the service.
Every object runs through the service on its own, so each is its own
transaction and a refusal of one does not stop the others; the service, not the
button, decides: a page only offers what the step's refusal says is possible
now. The admin (`core.admin.step_admin`), the background worker and any API read
the same `Step`s; nothing here knows about pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import DomainError, PartlyDone
from core.fsm import action_label, action_past, refusal

# Beyond this a bulk step is refused as a whole: each object is its own
# transaction, and a thousand of them is already minutes of locks and messages.
MAX_OBJECTS_PER_STEP = 1000


@dataclass(frozen=True)
class Words:
    """What a step says where its transition's words would mislead: the list's
    "Cancel unshipped products" beside "Cancel products", a goodwill refund (one
    use of the payment's refund, with its own permission), a return created from
    a shipment. Declared once, on the step; what is left out is the transition's."""

    label: str
    past: str = ""
    permission: str = ""


@dataclass(frozen=True)
class Step:
    """One thing staff do to an object, through one service.

    `transition` is the model transition whose label, past tense, permission and
    refusals the step has: the name of a method of the object's model (defaults
    to `name`), or, for a step over an object's parts (an order's shipments), the
    parts' transition function itself (`Shipment.good_to_go`); the step is then
    on another model than its transition, and its state fits any. `refusal_of`, next
    to the service, says no where the step asks more than its transition (there
    must be a unit to cancel); `words` replaces the transition's words for a step
    that is no transition of its own. `service` is called as
    `service(<id_kwarg>=obj.<id_attr>, by=user, **params)`.
    """

    name: str
    service: Callable[..., Any]
    transition: str | Callable[..., Any] = ""
    form: type[forms.Form] | None = None
    refusal_of: Callable[[Any, Actor], str | None] | None = None
    words: Words | None = None
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

    def _of_another_model(self) -> bool:
        return callable(self.transition)

    def function(self, model: type[models.Model]):
        """The transition function the step's words and permission come from."""
        if self._of_another_model():
            return self.transition
        return getattr(model, self.transition or self.name)

    def method(self, obj: models.Model):
        return getattr(obj, self.transition or self.name)

    def label(self, model: type[models.Model]) -> str:
        if self.words:
            return self.words.label
        return capfirst(action_label(self.function(model)))

    def past(self, model: type[models.Model]) -> str:
        if self.words and self.words.past:
            return self.words.past
        return action_past(self.function(model))

    def permission(self, model: type[models.Model]):
        """A permission name, a function of the object and user (decided per
        object), or None."""
        if self.words and self.words.permission:
            return self.words.permission
        transitions = self.function(model)._django_fsm.transitions.values()
        return next(iter(transitions)).permission

    def refusal(self, obj: models.Model, *, by: Actor) -> str | None:
        if self.refusal_of:
            return self.refusal_of(obj, by)
        return refusal(self.method(obj), by=by)

    def state_fits(self, obj: models.Model) -> bool:
        """Whether the object's state is one the transition leaves (its
        conditions aside). A step over another model's transition, or with a
        refusal function of its own, fits any: its refusal says it all."""
        if self._of_another_model() or self.refusal_of:
            return True
        meta = self.method(obj)._django_fsm
        return meta.has_transition(meta.field.get_state(obj))

    def needs_page(self) -> bool:
        return bool(self.form or self.confirm)

    def make_form(self, data, objects: Iterable[models.Model]) -> forms.Form:
        """The step's form, bound to `data` (or unbound for None); a form with a
        field per object (a tracking number per shipment) is given the objects."""
        form_class = self.form or forms.Form
        if getattr(form_class, "per_object", False):
            return form_class(data, objects=list(objects))
        return form_class(data)

    def take(self, obj: models.Model, *, by: Actor, params: dict[str, Any]) -> Any:
        if self.params_for:
            params = self.params_for(obj, params)
        return self.service(**{self.id_kwarg: getattr(obj, self.id_attr)}, by=by, **params)


def step_named(steps: Iterable[Step], name: str) -> Step | None:
    return next((step for step in steps if step.name == name), None)


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
            outcome.skipped.append(
                _("%(object)s changed while the step ran; it was left as it is.") % {"object": obj}
            )
    return outcome
