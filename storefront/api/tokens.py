"""The buyer's session token: random, signed, stored only as its SHA-256.

A token is `secrets.token_urlsafe(32)` signed with the project's key
(`django.core.signing`, its own salt, with the minting time). The signature lets a
token be handed out before anything is stored: a catalogue call or the first
`GET /selection` answers a token and stores nothing, and the session row is
written (keyed by the token's SHA-256) at the first call that changes state. A
token that is neither stored nor signed by us, or older than its lifetime, is
replaced by a new one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core import signing

# Centra keeps an anonymous selection 30 days; a session expires 30 days after
# its last use.
LIFETIME = timedelta(days=30)
# A session's expiry moves at most once a day: a buyer's GETs do not write.
REFRESH_AFTER = timedelta(days=1)

_SIGNER = signing.TimestampSigner(salt="storefront.checkout-token")


def mint() -> str:
    return _SIGNER.sign(secrets.token_urlsafe(32))


def is_ours(token: str) -> bool:
    """Signed by this server within a session's lifetime (stored or not)."""
    try:
        _SIGNER.unsign(token, max_age=LIFETIME)
    except signing.BadSignature:
        return False
    return True


def digest(secret: str) -> str:
    """SHA-256 hex of a token or a storefront's secret: all that is ever stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A storefront's shared secret and its stored hash; the secret is shown once."""
    secret = secrets.token_urlsafe(32)
    return secret, digest(secret)
