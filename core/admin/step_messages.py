"""What a step did, said as the admin's messages after the click."""

from __future__ import annotations

from django.contrib import messages
from django.db import models

from core.steps import Outcome, Step

# The messages name at most this many objects one by one.
MAX_MESSAGES = 25


def report(request, step: Step, model: type[models.Model], outcome: Outcome) -> None:
    """Say per object what happened, and why any was skipped."""
    opts = model._meta
    if outcome.done:
        count = len(outcome.done)
        noun = opts.verbose_name if count == 1 else opts.verbose_name_plural
        names = ("; " if any(", " in done for done in outcome.done) else ", ").join(
            outcome.done[:MAX_MESSAGES]
        )
        more = f" and {count - MAX_MESSAGES} more" if count > MAX_MESSAGES else ""
        messages.success(request, f"{count} {noun} {step.past(model)}: {names}{more}.")
    for sentence in outcome.partly[:MAX_MESSAGES]:
        messages.warning(request, f"Partly done: {sentence}")
    for sentence in outcome.skipped[:MAX_MESSAGES]:
        messages.warning(request, f"Skipped: {sentence}")
    if len(outcome.skipped) > MAX_MESSAGES:
        messages.warning(request, f"{len(outcome.skipped) - MAX_MESSAGES} more were skipped.")
    if not (outcome.done or outcome.partly or outcome.skipped):
        messages.warning(request, f"No {opts.verbose_name_plural} were selected.")
