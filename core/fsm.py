"""Turning django-fsm's yes/no into sentences, shared by the three state machines.

A transition's conditions are small functions that carry the sentence to show
when they fail (`@refuses_with`). `refusal()` walks the same checks django-fsm
makes, in the same order (state, conditions, permission), and says which one
failed; `run_transition()` raises that sentence as a `DomainError` or runs the
transition. Services call these; nothing else changes a status.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor, has_full_rights
from core.errors import DomainError, NotPermitted


def refuses_with(
    sentence: str, *, where: Q | None = None
) -> Callable[[Callable[[Any], bool]], Callable[[Any], bool]]:
    """Attach the refusal sentence to a transition condition.

    `sentence` is formatted with `obj` (the model instance), e.g.
    "{obj} is on hold: resume it first.".

    `where`, if given, is the same condition as a filter on the model's rows: it
    lets a bulk path (orders/bulk.py) apply the condition in its WHERE clause.
    """

    def decorate(condition: Callable[[Any], bool]) -> Callable[[Any], bool]:
        condition.refusal = sentence
        if where is not None:
            condition.where = where
        return condition

    return decorate


# The sentences of the one rule of hold, each whole (a translator reads every
# one entire), by whose order it is (`through`) and what resuming comes before
# (`until`). A new pair is a new sentence here, or the caller's own `sentence`.
ON_HOLD_SENTENCES = {
    ("", "first"): gettext_lazy("{obj} is on hold: resume it first."),
    ("", "before shipping"): gettext_lazy("{obj} is on hold: resume it before shipping."),
    ("order", "first"): gettext_lazy("{obj.order} is on hold: resume it first."),
    ("order", "before shipping"): gettext_lazy(
        "{obj.order} is on hold: resume it before shipping."
    ),
    ("order", "before capturing"): gettext_lazy(
        "{obj.order} is on hold: resume it before capturing."
    ),
}


def order_not_on_hold(
    *, through: str = "", until: str = "first", sentence: str | None = None
) -> Callable[[Any], bool]:
    """The one rule of hold, as a transition condition: a held order moves no step forward.

    The order's own machine checks the order itself; the shipment's and the
    payment's reach it `through` their `order` attribute. `until` names the
    whole refusal sentence among `ON_HOLD_SENTENCES`: "Order 1042 is on hold:
    resume it before shipping." A caller whose sentence is not there gives its
    own, whole, as `sentence` (a lazy translation, with `{obj}` or `{obj.<through>}`).
    """
    order_of = attrgetter(through) if through else (lambda obj: obj)
    if sentence is None:
        sentence = ON_HOLD_SENTENCES.get((through, until))
    if sentence is None:
        raise ValueError(
            f"No sentence for an order on hold through {through!r} until {until!r}: "
            "add it to ON_HOLD_SENTENCES or pass the whole sentence as `sentence`."
        )

    on_hold = f"{through}__on_hold" if through else "on_hold"

    @refuses_with(sentence, where=Q(**{on_hold: False}))
    def order_is_not_on_hold(obj) -> bool:
        return not order_of(obj).on_hold

    return order_is_not_on_hold


def _meta(method):
    return method._django_fsm


def transition_of(method):
    """The django-fsm `Transition` the bound method would take now, or None."""
    meta = _meta(method)
    state = meta.field.get_state(method.__self__)
    return meta.get_transition(state) if meta.has_transition(state) else None


def _custom(method) -> dict:
    return next(iter(_meta(method).transitions.values())).custom


def action_label(method) -> str:
    """A transition's staff-facing verb, e.g. "confirm"."""
    return _custom(method).get("label", method.__name__.replace("_", " "))


def action_past(method) -> str:
    """The verb as a participle, for "it cannot be confirmed"."""
    custom = _custom(method)
    if "past" in custom:
        return custom["past"]
    # Only a transition without words of its own (its method's name, in English).
    return f"{action_label(method)}ed"


def refusal(method, *, by: Actor) -> str | None:
    """Why `by` cannot take this transition on this object now, or None if they can."""
    return state_refusal(method) or permission_refusal(method, by=by)


def state_refusal(method) -> str | None:
    """Why the object's state or a condition forbids this transition now, whoever asks."""
    obj = method.__self__
    transition = transition_of(method)
    if transition is None:
        return _("%(object)s is %(state)s, so it cannot be %(done)s.") % {
            "object": obj,
            "state": obj.state_label,
            "done": action_past(method),
        }
    for condition in transition.conditions:
        if not condition(obj):
            return condition.refusal.format(obj=obj)
    return None


def permission_refusal(method, *, by: Actor) -> str | None:
    """Why `by` may not take this transition whatever the state, or None if they may.

    For a service that must know before an earlier step with effects outside the
    database (a capture before completing, say) whether the later one is theirs.
    """
    transition = next(iter(_meta(method).transitions.values()))
    if not has_full_rights(by) and not transition.has_perm(method.__self__, by):
        # "cancel products of orders": a label that has its own object says whose.
        plural = method.__self__._meta.verbose_name_plural
        whose = _custom(method).get("of", plural)
        return _("You do not have permission to %(action)s %(objects)s.") % {
            "action": action_label(method),
            "objects": whose,
        }
    return None


def is_allowed(method, *, by: Actor) -> bool:
    return refusal(method, by=by) is None


def ensure_allowed(method, *, by: Actor) -> None:
    """Raise the refusal sentence as a `DomainError` (`NotPermitted` when it is the
    actor's permission that is missing), for checks made before I/O."""
    sentence = state_refusal(method)
    if sentence:
        raise DomainError(sentence)
    ensure_permitted(method, by=by)


def ensure_permitted(method, *, by: Actor) -> None:
    """Raise `NotPermitted` if `by` may not take this transition whatever the state."""
    sentence = permission_refusal(method, by=by)
    if sentence:
        raise NotPermitted(sentence)


def run_transition(method, *, by: Actor, **kwargs) -> tuple[Any, Any]:
    """Run a transition after checking it; returns (from_state, to_state).

    Raises `DomainError` with the refusal sentence instead of django-fsm's
    `TransitionNotAllowed`, so callers have one error type to show.
    """
    ensure_allowed(method, by=by)
    field = _meta(method).field
    obj = method.__self__
    from_state = field.get_state(obj)
    method(**kwargs)
    return from_state, field.get_state(obj)
