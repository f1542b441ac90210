"""Who acts: a user in the admin, or a named process with full rights.

A process is named "<kind>:<name>", one format everywhere, so the timeline and
the payment ledger read the same whoever wrote them:

- `command:archive_orders`   a management command (whoever runs it has shell access)
- `store:direct_capture`     a store option acting on its own authority at checkout
- `system:cancel_order`      one service acting for another inside its transaction
- `integration:<name>`       an external system, through the API or a queue

Strings skip the permission checks (see `core.fsm.permission_refusal`); users never do.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Actor = AbstractBaseUser | AnonymousUser | str

PROCESS_KINDS = ("command", "store", "system", "integration")


def process(kind: str, name: str) -> str:
    """The actor string of a process, e.g. `process("command", "archive_orders")`."""
    if kind not in PROCESS_KINDS:
        raise ValueError(f"{kind!r} is not a kind of process: use one of {PROCESS_KINDS}.")
    return f"{kind}:{name}"


def actor_name(by: Actor) -> str:
    """How the actor is written on events, ledger rows and tombstones."""
    return by if isinstance(by, str) else (by.get_username() or "anonymous")


def actor_user(by: Actor):
    """The user behind the actor, or None for a process (or an anonymous user)."""
    return None if isinstance(by, str) or not by.is_authenticated else by
