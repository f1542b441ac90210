"""Posting one signed batch of events to a webhook receiver.

The body names events by id and type, like Centra's: receivers fetch what they
need through the Order API, and deduplicate on the ids (delivery is at least once).
The URL is checked (`outbox.endpoints`) before every POST; no proxy from the
environment, no redirect followed: a webhook goes where it is configured.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import ssl
import time
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.utils.translation import gettext as _

from integrations.signing import HEADER, header_value
from outbox import endpoints
from outbox.models import Integration, OutboxMessage

MAX_BATCH = 100
USER_AGENT = "centra-orders-webhooks/1"
# The status line and headers of an answer: enough for any real receiver
# (http.client also refuses a line over 64 KB and more than 100 headers).
MAX_ANSWER_BYTES = 64 * 1024


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


def post_batch(integration: Integration, messages: Sequence[OutboxMessage]) -> str | None:
    """POST the signed batch; None when the receiver answered 2xx, else what went wrong.

    Only the answer's status line and headers are read (capped in size and time);
    its body is never read, so a receiver cannot make the worker wait or swell.
    """
    if not integration.endpoint_url:
        return _("The integration has no endpoint URL.")
    try:
        endpoint = endpoints.checked(integration.endpoint_url)
    except endpoints.Refused as refused:
        return str(refused)  # never connected: nothing about the port is told
    body = body_of(messages)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER: header_value(integration.signing_secret, body),
    }
    try:
        status = answer_status(endpoint, body, headers)
    except TimeoutError:
        return _("The receiver did not answer within %(seconds)s s.") % {
            "seconds": f"{settings.WEBHOOK_TIMEOUT_SECONDS:g}"
        }
    except http.client.RemoteDisconnected:
        return _("The receiver closed the connection without answering.")
    except http.client.HTTPException as error:
        return _("The receiver's answer is not valid HTTP: %(error)s.") % {
            "error": _first_words(error)
        }
    except ssl.SSLError as error:
        return _("The receiver's TLS failed: %(error)s.") % {
            "error": error.reason or type(error).__name__
        }
    except OSError as error:
        return _("The receiver could not be reached: %(error)s.") % {
            "error": error.strerror or type(error).__name__
        }
    if 300 <= status < 400:
        return _("The receiver answered HTTP %(status)s; redirects are not followed.") % {
            "status": status
        }
    if not 200 <= status < 300:
        return _("The receiver answered HTTP %(status)s.") % {"status": status}
    return None


def answer_status(endpoint: endpoints.Endpoint, body: bytes, headers: dict) -> int:
    """Send the POST to the checked address and return the answer's status."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    if endpoint.scheme == "https":
        connection = http.client.HTTPSConnection(
            endpoint.host, endpoint.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)

    # The checked address, not the name again; TLS still verifies the name.
    def connect_to_checked_address(_address, timeout, source_address=None):
        return socket.create_connection((endpoint.address, endpoint.port), timeout)

    connection._create_connection = connect_to_checked_address
    connection.response_class = partial(
        CappedResponse, deadline=time.monotonic() + timeout, limit=MAX_ANSWER_BYTES
    )
    try:
        connection.request("POST", endpoint.target, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


class AnswerTooLarge(http.client.HTTPException):
    pass


class CappedResponse(http.client.HTTPResponse):
    """An answer read through `_CappedReader`: at most `limit` bytes, before `deadline`."""

    def __init__(self, sock, *args, deadline: float, limit: int, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp.close()
        self.fp = io.BufferedReader(_CappedReader(sock, deadline=deadline, limit=limit))


class _CappedReader(io.RawIOBase):
    """A socket's bytes, with one deadline for the whole answer (a receiver that
    trickles a byte at a time is cut too) and a ceiling on how much is read."""

    def __init__(self, sock, *, deadline: float, limit: int):
        self.sock, self.deadline, self.left = sock, deadline, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        if self.left <= 0:
            raise AnswerTooLarge(f"more than {MAX_ANSWER_BYTES // 1024} KB before the body")
        self.sock.settimeout(remaining)
        view = memoryview(buffer)[: self.left]
        count = self.sock.recv_into(view)
        self.left -= count
        return count


def _first_words(error: Exception) -> str:
    text = " ".join(str(error).split())[:80] or type(error).__name__
    return text.rstrip(".")
