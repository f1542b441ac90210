"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", sent as
`X-Centra-Signature: t=<unix seconds>,v1=<hex digest>`.

Receivers recompute the digest with their signing secret, compare it in
constant time, and reject a timestamp older than `TOLERANCE_SECONDS` (a replay).
`verify` is the reference receiver; docs/integrations.md shows the same in a few lines.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Centra-Signature"
TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    pass


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> None:
    """Raise `BadSignature` unless `header` signs `body` with `secret`, recently."""
    # A header is ASCII; anything else (a non-ASCII digest, "٣" digits) is a forgery,
    # refused here rather than left to raise TypeError in compare_digest.
    if not header.isascii():
        raise BadSignature("The signature header is malformed.")
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp, digest = int(parts["t"]), parts["v1"]
    except (KeyError, ValueError):
        raise BadSignature("The signature header is malformed.") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise BadSignature("The signature's timestamp is too old.")
    if not hmac.compare_digest(signature(secret, timestamp, body), digest):
        raise BadSignature("The signature does not match the body.")
