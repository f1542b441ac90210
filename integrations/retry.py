"""When to try a failed delivery again: exponential backoff with jitter, then give up."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings


def max_attempts() -> int:
    return settings.WEBHOOK_MAX_ATTEMPTS


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the `attempts`-th failed try: base × 2^(attempts-1), capped,
    then a random half to all of it ("equal jitter"), so receivers that fail
    together are not retried together."""
    rng = rng or random
    ceiling = min(
        settings.WEBHOOK_BACKOFF_MAX_SECONDS,
        settings.WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1),
    )
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries, or None: give up."""
    if attempts >= max_attempts():
        return None
    return now + backoff(attempts)
