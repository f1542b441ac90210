"""Posting one signed batch of events to a webhook receiver.

The body names events by id and type, like Centra's: receivers fetch what they
need through the Order API, and deduplicate on the ids (delivery is at least once).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence

from django.conf import settings

from integrations.signing import HEADER, header_value
from outbox.models import Integration, OutboxMessage

MAX_BATCH = 100
USER_AGENT = "centra-orders-webhooks/1"


def payload(message: OutboxMessage) -> dict:
    event = {
        "id": str(message.event_id),
        "type": message.event_type,
        "order": message.order_number,
        "created_at": message.occurred_at.isoformat(),
    }
    if message.subject_ref:
        event["ref"] = message.subject_ref
    return event


def body_of(messages: Sequence[OutboxMessage]) -> bytes:
    return json.dumps(
        {"events": [payload(message) for message in messages]}, separators=(",", ":")
    ).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirected POST would arrive as a GET somewhere else: report it instead.
    def redirect_request(self, *args, **kwargs):
        return None


# No proxies from the environment and no redirects: a webhook goes where it is configured.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def post_batch(integration: Integration, messages: Sequence[OutboxMessage]) -> str | None:
    """POST the signed batch; None when the receiver answered 2xx, else what went wrong."""
    if not integration.endpoint_url:
        return "The integration has no endpoint URL."
    body = body_of(messages)
    request = urllib.request.Request(
        integration.endpoint_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            HEADER: header_value(integration.signing_secret, body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return f"The receiver answered HTTP {error.code}."
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"The receiver could not be reached: {reason}."
    if not 200 <= status < 300:
        return f"The receiver answered HTTP {status}."
    return None
