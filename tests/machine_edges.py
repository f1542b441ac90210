"""The edges of the state machines: those the models declare and those the services take.

An edge is (model, transition name, source, target); a transition that keeps
the status ("target None" to django-fsm: hold, a deletion's check) is the edge
from its source to itself, as the flow page draws it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django_fsm.signals import post_transition

from core.admin.flow_diagram import transitions_of


def declared_edges(*models) -> set[tuple]:
    """Every edge the `@transition` decorators of `models` declare (django-fsm's own
    introspection, as the flow page reads it)."""
    return {
        (model, transition.name, source, target)
        for model in models
        for source, target, transition in transitions_of(model)
    }


@contextmanager
def edges_taken(*models) -> Iterator[set[tuple]]:
    """Collect the edges of `models` the code runs inside the block.

    Listens to django-fsm's `post_transition`, sent by every transition method
    that ran, whoever called it.
    """
    taken: set[tuple] = set()

    def note(sender, name, source, target, **kwargs) -> None:
        if sender in models:
            taken.add((sender, name, source, source if target is None else target))

    post_transition.connect(note, weak=False)
    try:
        yield taken
    finally:
        post_transition.disconnect(note)
