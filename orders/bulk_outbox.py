"""The outbox messages of a bulk transition, written in the bulk path's one statement.

`orders.bulk` chains claim, UPDATE and event INSERT in data-modifying CTEs on
PostgreSQL; when integrations subscribe to the event type the bulk path publishes, these CTEs
join the chain, so the messages commit with the batch and still no order id
travels to Python.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from orders.events import bulk_targets
from orders.models import Order
from outbox.models import OutboxMessage


def outbox_ctes(event_type: str | None, occurred_at: datetime) -> tuple[str, list[Any]]:
    """`, owed AS (…), outbox AS (INSERT …)` and its parameters, or ("", []) when
    nobody is owed the event.

    Expects the chain's `changed` CTE to return the orders' id and number, and
    its `events` CTE the events' id and order_id. Each event gets one id, shared
    by all its messages (the CTE is MATERIALIZED, so it is generated once).
    """
    owed = bulk_targets(event_type)
    if not owed:
        return "", []
    quote = connection.ops.quote_name
    pk, number = quote(Order._meta.pk.column), quote(Order._meta.get_field("number").column)
    constant = {
        "event_type": event_type,
        "subject_ref": "",
        "occurred_at": occurred_at,
        "next_attempt_at": occurred_at,
        "data": {},
        "attempts": 0,
        "last_error": "",
        "note": "",
    }
    fields = {name: OutboxMessage._meta.get_field(name) for name in constant}
    sql = (
        f", owed AS MATERIALIZED (SELECT events.id, events.order_id, changed.{number}, "
        f"gen_random_uuid() AS event_id "
        f"FROM events JOIN changed ON changed.{pk} = events.order_id), "
        f"outbox AS (INSERT INTO {quote(OutboxMessage._meta.db_table)} (event_id, "
        f"order_event_id, order_id, order_number, integration_id, channel, "
        f"{', '.join(quote(f.column) for f in fields.values())}) "
        f"SELECT owed.event_id, owed.id, owed.order_id, owed.{number}, t.integration_id, "
        f"t.channel, {', '.join(['%s'] * len(fields))} FROM owed "
        f"CROSS JOIN (VALUES {', '.join(['(%s::bigint, %s)'] * len(owed))}) "
        f"AS t(integration_id, channel))"
    )
    params = [f.get_db_prep_save(constant[name], connection) for name, f in fields.items()]
    for target in owed:
        params += [target.integration_id or None, target.channel]
    return sql, params
