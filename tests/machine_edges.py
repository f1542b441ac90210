"""The edges of the state machines: those the models declare and those the services take.

An edge is (model, transition name, source, target); a transition that keeps
the status ("target None" to django-fsm: hold, a deletion's check) is the edge
from its source to itself, as the flow page draws it.

`edges_taken` also walks every service the transition tables and the edge cases
run: a service that changes state (takes an edge) while an integration listens
to every event type must leave at least one outbox message for it, so no change
leaves the system unannounced. A step whose provider call was declined is the one
exception: the decline is in the ledger, and nothing changed that an integration
acts on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django_fsm.signals import post_transition

from core.admin.flow_diagram import transitions_of
from outbox.event_types import ALL_EVENT_TYPES
from outbox.models import Integration, OutboxMessage
from payments.models import PaymentTransaction


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
    """Collect the edges of `models` the code runs inside the block, and check
    that the change was published (see the module's docstring).

    Listens to django-fsm's `post_transition`, sent by every transition method
    that ran, whoever called it.
    """
    taken: set[tuple] = set()
    listener = Integration.objects.create(
        name="listens-to-everything", kind=Integration.Kind.QUEUE, event_types=ALL_EVENT_TYPES
    )
    declines = PaymentTransaction.objects.filter(outcome=PaymentTransaction.Outcome.FAILED)
    declined_before = declines.count()

    def note(sender, name, source, target, **kwargs) -> None:
        if sender in models:
            taken.add((sender, name, source, source if target is None else target))

    post_transition.connect(note, weak=False)
    try:
        yield taken
    finally:
        post_transition.disconnect(note)
    if taken and declines.count() == declined_before:
        published = OutboxMessage.objects.filter(integration=listener)
        assert published.exists(), f"{sorted(map(str, taken))} changed state, published nothing"
