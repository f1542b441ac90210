"""The order flow diagram, drawn from the @transition definitions themselves.

Nodes are the status field's choices, edges are django-fsm's transitions
(every source, every possible target), so the picture cannot drift from the
code. Only where each box sits on the page is written here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_fsm import State

NODE_W, NODE_H = 128, 44
COL, ROW = 200, 190
MARGIN_X, MARGIN_Y = 40, 110


@dataclass
class Node:
    value: object
    label: str
    x: int
    y: int
    loops: list[str] = field(default_factory=list)
    current: bool = False
    # The end of the transitions that delete the row: not a status, drawn dashed.
    removed: bool = False

    @property
    def caption(self) -> str:
        # Order statuses are known by their numbers ("Pending 1"); shipment states by name.
        return f"{self.label} {self.value}" if isinstance(self.value, int) else self.label

    @property
    def cx(self) -> int:
        return self.x + NODE_W // 2

    @property
    def cy(self) -> int:
        return self.y + NODE_H // 2


@dataclass
class Edge:
    name: str
    label: str
    path: str
    label_x: float
    label_y: float
    title: str


@dataclass
class Diagram:
    title: str
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]

    @property
    def loop_nodes(self) -> list[Node]:
        """The statuses with steps that keep them, listed under the drawing."""
        return [node for node in self.nodes if node.loops]


def transitions_of(model, field_name: str = "status"):
    """(source, target, transition) for every edge the state machine allows.

    A target of None means "same status" (hold, resume); RETURN_VALUE and
    GET_STATE targets give one edge per allowed state.
    """
    status_field = model._meta.get_field(field_name)
    for transition in status_field.get_all_transitions(model):
        if isinstance(transition.target, State):
            targets = list(transition.target.allowed_states)
        elif transition.target is None:
            targets = [transition.source]
        else:
            targets = [transition.target]
        for target in targets:
            yield transition.source, target, transition


def describe(transition) -> str:
    parts = [str(transition.custom.get("label", transition.name.replace("_", " ")))]
    if transition.permission:
        parts.append(_("needs %(permission)s") % {"permission": transition.permission})
    for condition in transition.conditions:
        sentence = getattr(condition, "refusal", condition.__name__)
        parts.append(_("refused when: %(sentence)s") % {"sentence": in_general(sentence)})
    return " — ".join(parts)


# A refusal names its object ("{obj}", "Shipment {obj.ref}", "{obj.order}"); the
# diagram speaks of any object of the kind (in the words of the page's language:
# the refusals are read translated, "Leverans {obj.ref}" as "Shipment {obj.ref}").
PLACEHOLDERS = [
    (
        re.compile(r"\b[A-ZÅÄÖ][a-zåäö]+ \{obj\.(?:ref|number)\}"),
        pgettext_lazy("the object a refusal names, in general", "it"),
    ),
    (re.compile(r"\{obj\.order\}"), gettext_lazy("its order")),
    (
        re.compile(r"\{obj(?:\.\w+)?\}"),
        pgettext_lazy("the object a refusal names, in general", "it"),
    ),
]


def in_general(sentence: str) -> str:
    """A refusal with its object's placeholders in general words: "{obj.order} is
    on hold" reads "its order is on hold", "Return {obj.number} was refunded"
    "it was refunded"."""
    sentence = str(sentence)
    for pattern, words in PLACEHOLDERS:
        # The words as a function: a replacement string would read "\\" as an escape.
        sentence = pattern.sub(lambda _match, words=str(words): words, sentence)
    return sentence


REMOVED = object()


def build_diagram(
    model,
    *,
    positions: dict,
    field_name: str = "status",
    current=None,
    title: str = "",
    removing: frozenset[str] = frozenset(),
    removed_at: tuple[int, int] | None = None,
    removed_label: str = gettext_lazy("Deleted"),
) -> Diagram:
    """The boxes and arrows of `model`'s state machine.

    The transitions named in `removing` delete the row (their target is "no
    change" to django-fsm): they are drawn as arrows into one dashed box at
    `removed_at`, not as loops on a status.
    """
    choices = model._meta.get_field(field_name).choices
    spare_col = 0
    nodes: dict = {}
    for value, label in choices:
        col, row = positions.get(value, (None, None))
        if col is None:
            col, row, spare_col = spare_col, 2, spare_col + 1
        nodes[value] = Node(
            value=value,
            label=str(label),
            x=MARGIN_X + col * COL,
            y=MARGIN_Y + row * ROW,
            current=current is not None and value == current,
        )
    if removing and removed_at is not None:
        col, row = removed_at
        nodes[REMOVED] = Node(
            value=None,
            label=str(removed_label),
            x=MARGIN_X + col * COL,
            y=MARGIN_Y + row * ROW,
            removed=True,
        )

    edges: list[Edge] = []
    pair_count: dict = {}
    for source, target, transition in transitions_of(model, field_name):
        label = str(transition.custom.get("label", transition.name.replace("_", " ")))
        if source not in nodes:
            continue
        if transition.name in removing and REMOVED in nodes:
            target = REMOVED
        if target == source:
            nodes[source].loops.append(label)
            continue
        if target not in nodes:
            continue
        # Arrows between two rows share one stretch whichever way they go, so
        # their labels are counted together and stacked; along a row, forward
        # arrows bend above and backward ones below.
        same_row = nodes[source].y == nodes[target].y
        key = (source, target) if same_row else frozenset((source, target))
        pair_count[key] = pair_count.get(key, 0) + 1
        edges.append(_edge(nodes[source], nodes[target], transition, label, pair_count[key]))

    width = max(n.x for n in nodes.values()) + NODE_W + MARGIN_X
    height = max(n.y for n in nodes.values()) + NODE_H + MARGIN_Y
    return Diagram(
        title=title or str(model._meta.verbose_name),
        width=width,
        height=height,
        nodes=list(nodes.values()),
        edges=edges,
    )


def _edge(a: Node, b: Node, transition, label: str, nth: int) -> Edge:
    """A curved arrow from box a to box b: forward above the row, backward below."""
    if a.y == b.y:
        forward = b.x > a.x
        y = a.y if forward else a.y + NODE_H
        bend = -(40 + 18 * abs(b.x - a.x) / COL) * nth if forward else 40 * nth
        x1 = a.cx + (12 if forward else -12)
        x2 = b.cx - (12 if forward else -12)
        mx, my = (x1 + x2) / 2, y + bend
        path = f"M{x1},{y} Q{mx},{my} {x2},{y}"
        label_y = y + bend / 2 + (-4 if forward else 14)
        return Edge(transition.name, label, path, mx, label_y, describe(transition))
    # Between rows: from the bottom of the upper box to the top of the lower one.
    down = b.y > a.y
    x1, y1 = a.cx, a.y + (NODE_H if down else 0)
    x2, y2 = b.cx, b.y + (0 if down else NODE_H)
    dx = x2 - x1
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    path = f"M{x1},{y1} C{x1},{my} {x2},{my} {x2},{y2}"
    slant = math.copysign(1, dx) if dx else 0
    # The labels of arrows between the same two boxes stack, one line each.
    label_y = my - 4 + 14 * (nth - 1)
    return Edge(transition.name, label, path, mx + 6 * slant, label_y, describe(transition))
