"""API tokens: shown once, kept as a prefix (to find the integration) and a hash.

A token is 256 random bits, so a plain SHA-256 is the right hash (a slow
password hash protects guessable secrets; this one cannot be guessed).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from outbox.models import Integration

PREFIX_LENGTH = 8


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(integration: Integration) -> str:
    """A new token for the integration, replacing any earlier one; returns it (only now)."""
    token = secrets.token_urlsafe(32)
    integration.token_prefix = token[:PREFIX_LENGTH]
    integration.token_hash = _hash(token)
    integration.save(update_fields=["token_prefix", "token_hash"])
    return token


def integration_for_token(token: str) -> Integration | None:
    """The active integration this token belongs to, or None."""
    if len(token) <= PREFIX_LENGTH:
        return None
    candidates = Integration.objects.filter(
        token_prefix=token[:PREFIX_LENGTH], is_active=True
    ).select_related("group")
    digest = _hash(token)
    for integration in candidates:
        if hmac.compare_digest(integration.token_hash, digest):
            return integration
    return None
