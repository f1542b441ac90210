"""Who acts: a user in the admin, or a named process with full rights.

A process is named "<kind>:<name>", one format everywhere, so the timeline and
the payment ledger read the same whoever wrote them:

- `command:archive_orders`   a management command (whoever runs it has shell access)
- `store:direct_capture`     a store option acting on its own authority at checkout
- `system:cancel_order`      one service acting for another inside its transaction
- `integration:<name>`       an external system, through the API or a queue
- `storefront:<name>`        a shop placing its buyers' orders through the Checkout API

Strings skip the permission checks (see `core.fsm.permission_refusal`); users never do.
An integration is the one process with limits: it acts with its staff group's
permissions (`process("integration", name, permissions=...)`), checked like a user's.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy

Actor = AbstractBaseUser | AnonymousUser | str

PROCESS_KINDS = ("command", "store", "system", "integration", "storefront")


class Process(str):
    """A process's name; with `permissions`, a process that may do only those.

    Still a `str`, so it is written on events and ledger rows exactly like any
    process; `has_perm` lets the state machines check it as they check a user.
    """

    permissions: frozenset[str] | None = None

    def has_perm(self, perm: str, obj=None) -> bool:
        return self.permissions is None or perm in self.permissions


def process(kind: str, name: str, *, permissions: frozenset[str] | None = None) -> str:
    """The actor string of a process, e.g. `process("command", "archive_orders")`.

    `permissions` ("app_label.codename") limit it to what a staff group may do.
    """
    if kind not in PROCESS_KINDS:
        raise ValueError(f"{kind!r} is not a kind of process: use one of {PROCESS_KINDS}.")
    actor = Process(f"{kind}:{name}")
    if permissions is not None:
        actor.permissions = frozenset(permissions)
    return actor


def has_full_rights(by: Actor) -> bool:
    """A process without limits skips the permission checks; users and integrations do not."""
    return isinstance(by, str) and getattr(by, "permissions", None) is None


def actor_name(by: Actor) -> str:
    """How the actor is written on events, ledger rows and tombstones."""
    return str(by) if isinstance(by, str) else (by.get_username() or "anonymous")


def actor_user(by: Actor):
    """The user behind the actor, or None for a process (or an anonymous user)."""
    return None if isinstance(by, str) or not by.is_authenticated else by


PROCESS_WORDS = {
    "command": gettext_lazy("Command {name}"),
    "store": gettext_lazy("The store ({name})"),
    "system": gettext_lazy("The back office"),
    "integration": gettext_lazy("Integration {name}"),
    "storefront": gettext_lazy("Storefront {name}"),
}


def actor_words(actor: str) -> str:
    """Who acted, as staff read it: "integration:storefront" is "Integration
    storefront", "store:direct_capture" "The store (direct capture)"; a user's
    name as it is."""
    kind, colon, name = str(actor).partition(":")
    if not colon or kind not in PROCESS_WORDS:
        return str(actor)
    return PROCESS_WORDS[kind].format(name=name.replace("_", " "))
