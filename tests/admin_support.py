"""Shared pieces of the admin tests: roles, posting steps, reading messages,
following links."""

from __future__ import annotations

import re
from html import unescape

from django.contrib.messages import get_messages

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE, DEFAULT_GROUPS, FINANCE, WAREHOUSE
from orders.models import HoldKind
from tests.factories import UserFactory

NO_PERMISSIONS = "No permissions"
ROLES = [*DEFAULT_GROUPS, NO_PERMISSIONS]
ORDERS_URL = "/admin/orders/order/"

# What each step's form needs; steps not listed take no input.
STEP_INPUT = {
    "hold": {"kind": HoldKind.FRAUD_CHECK, "reason": "Address mismatch"},
    "cancel": {"reason": "Customer asked"},
    "delete_permanently": {"reason": "Erasure request"},
}

assert {CUSTOMER_SERVICE, WAREHOUSE, FINANCE, BACKOFFICE_ADMIN} == set(DEFAULT_GROUPS)


def role_user(role: str):
    username = role.lower().replace(" ", "-").replace("-admin", "admin")
    if role == NO_PERMISSIONS:
        return UserFactory(username=username)
    return UserFactory(username=username, groups=[role])


def messages_of(response) -> list[str]:
    """The messages this request added (not ones left over from earlier requests)."""
    return [str(m) for m in get_messages(response.wsgi_request)._queued_messages]


def post_bulk(client, step: str, orders, *, query: str = "", **extra):
    data = {"action": step, "_selected_action": [o.pk for o in orders]}
    if step in STEP_INPUT:
        data |= {"post": "yes", **STEP_INPUT[step]}
    else:
        data["index"] = 0
    data |= extra
    return client.post(ORDERS_URL + query, data)


def post_step(client, step: str, order, **extra):
    data = {**STEP_INPUT.get(step, {}), **extra}
    return client.post(f"{ORDERS_URL}{order.pk}/step/{step}/", data)


def admin_links(html: str) -> set[str]:
    """Every link of a page to an admin page (as written, absolute)."""
    return {unescape(href) for href in re.findall(r'href="(/admin/[^"]*)"', html)}


def opens(client, url: str) -> bool:
    """Whether `url` answers 200 to this client, without a detour to the login page."""
    response = client.get(url, follow=True)
    to_login = any("/admin/login/" in hop for hop, _status in response.redirect_chain)
    return response.status_code == 200 and not to_login
