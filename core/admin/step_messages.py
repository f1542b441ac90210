"""What a step did, said as the admin's messages after the click."""

from __future__ import annotations

from django.contrib import messages
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        words = {"count": count, "objects": noun, "done": step.past(model), "names": names}
        if count > MAX_MESSAGES:
            sentence = ngettext(
                "%(count)s %(objects)s %(done)s: %(names)s and %(more)s more.",
                "%(count)s %(objects)s %(done)s: %(names)s and %(more)s more.",
                count,
            ) % {**words, "more": count - MAX_MESSAGES}
        else:
            sentence = (
                ngettext(
                    "%(count)s %(objects)s %(done)s: %(names)s.",
                    "%(count)s %(objects)s %(done)s: %(names)s.",
                    count,
                )
                % words
            )
        messages.success(request, sentence)
    for sentence in outcome.partly[:MAX_MESSAGES]:
        messages.warning(request, _("Partly done: %(sentence)s") % {"sentence": sentence})
    for sentence in outcome.skipped[:MAX_MESSAGES]:
        messages.warning(request, _("Skipped: %(sentence)s") % {"sentence": sentence})
    if len(outcome.skipped) > MAX_MESSAGES:
        more = len(outcome.skipped) - MAX_MESSAGES
        messages.warning(
            request,
            ngettext("%(count)s more were skipped.", "%(count)s more were skipped.", more)
            % {"count": more},
        )
    if not (outcome.done or outcome.partly or outcome.skipped):
        messages.warning(
            request, _("No %(objects)s were selected.") % {"objects": opts.verbose_name_plural}
        )
