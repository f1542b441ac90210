"""The worker's side of the background steps: `run_due_jobs`, called by each pass
of `manage.py deliver_events`, takes the next chunk of each due job through the
same `take_step` as the admin: every object is still its own transaction, with
its row lock and its event, through the step's service. The step is looked up in
`backoffice.steps`, never in the admin.

Several workers on several hosts may run at once. A worker claims a job with
`SELECT … FOR UPDATE SKIP LOCKED` and marks it with a lease (`claim`,
`claimed_until`) for one chunk; nobody else takes that job until the chunk is
saved or the lease runs out. The outcomes and the counters of a chunk are written
in one short transaction, and `done` is the position the next chunk starts from.

A worker killed mid-chunk: the objects it had taken stay taken (the service
committed each one); its outcomes and counters are not saved. When the lease
runs out the next worker re-checks the chunk from the saved position, and the
step's own refusal ("1042 is on hold, so it cannot be put on hold") records an
object taken before the kill as skipped with that sentence. Nothing is lost and
nothing is taken twice; at worst such an object is listed as skipped.

A job queued with its selection as a query (`backoffice.jobs.selection`) has its
ids read by the first chunk (`_read_selection`): one UPDATE inside the database,
under the chunk's lease, then chunks as for any job. The selection is what
matches then, among the objects that existed at the click. If its SQL no longer
runs (a release changed a table since the click), the job finishes with one
sentence saying so and nothing taken, and the worker goes on with the others.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import DataError, ProgrammingError, models, transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backoffice.jobs.selection import freeze_sql
from backoffice.models import StepJob, StepJobOutcome
from backoffice.steps import ModelSteps, steps_of
from core.steps import Step, step_named, take_step

# Longer than any chunk takes (a hundred objects, a few seconds): a lease that
# runs out while its worker still works would let a second worker re-check it.
LEASE = timedelta(minutes=5)

logger = logging.getLogger(__name__)


def run_due_jobs(*, chunk: int = 100, most: int = 10) -> int:
    """Take the next chunk of up to `most` due jobs; returns how many objects were checked."""
    checked, seen = 0, set()
    for _turn in range(most):
        claimed = _claim(exclude=seen)
        if claimed is None:
            break
        seen.add(claimed.pk)
        try:
            # The outcomes' sentences in the words of who queued the job.
            with translation.override(claimed.language):
                checked += _run_chunk(claimed, size=chunk)
        except Exception:
            # A bug in one step must not stop the worker's deliveries: the lease
            # runs out and the chunk is tried again then (each service rolled
            # back what it did not finish).
            logger.exception(
                "Background step %s failed; retried when its lease runs out.", claimed.pk
            )
    return checked


def _claim(*, exclude: set[int]) -> StepJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            StepJob.objects.select_for_update(skip_locked=True)
            .filter(finished_at__isnull=True)
            .filter(models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now))
            .exclude(pk__in=exclude)
            .order_by("created_at", "pk")
            .first()
        )
        if job is None:
            return None
        job.claim = uuid.uuid4()
        job.claimed_until = now + LEASE
        job.started_at = job.started_at or now
        job.save(update_fields=["claim", "claimed_until", "started_at"])
    return job


def _read_selection(job: StepJob) -> bool:
    """Read the ids of the job's stored selection into it; False: it could not
    be read, and the job is finished with a sentence saying so."""
    try:
        with transaction.atomic():
            freeze_sql(job, job.selection_sql, job.selection_params, claim=job.claim)
    except (ProgrammingError, DataError):
        # The SQL or its parameters no longer fit the tables: trying again
        # would fail again. (A lost connection or a timeout is an
        # OperationalError: left to the caller, tried again after the lease.)
        logger.warning("Background step %s: its selection no longer runs.", job.pk, exc_info=True)
        sentence = _(
            "Nothing was done: the selected %(objects)s could not be read any more, as the "
            "back office was updated after the step was asked for; select them again and "
            "take the step again."
        ) % {"objects": job.noun()}
        StepJob.objects.filter(pk=job.pk, claim=job.claim, total__isnull=True).update(
            error=sentence, finished_at=timezone.now(), claim=None, claimed_until=None
        )
        return False
    # Read by this worker, or by another whose lease this one outlived: the
    # chunk's save checks the claim either way.
    job.refresh_from_db(fields=["object_ids", "total"])
    return job.selection_read


def _run_chunk(job: StepJob, *, size: int) -> int:
    if not job.selection_read and not _read_selection(job):
        return 0
    model = job.content_type.model_class()
    known = steps_of(model) or ModelSteps([], reference=lambda obj: str(obj.pk))
    start = job.done
    ids = job.object_ids[start : start + size]
    # The objects' references read related rows: joined, one query for the chunk.
    objects = model._default_manager.select_related(*known.reference_reads).in_bulk(ids)
    step = step_named(known.steps, job.step_name)
    if step is None:
        # Renamed or removed by a release since the click.
        form, valid = None, False
    else:
        form = step.make_form(_as_query_dict(job.params), objects.values())
        valid = form.is_valid()
    outcomes = []
    for position, pk in enumerate(ids, start=start):
        obj = objects.get(pk)
        if obj is None:
            sentence = _("%(object)s %(pk)s was deleted before its turn.") % {
                "object": str(model._meta.verbose_name).capitalize(),
                "pk": pk,
            }
            outcome = (str(pk), False, sentence)
        elif step is None:
            sentence = _("Not taken: the step “%(step)s” no longer exists.") % {"step": job.label}
            outcome = (known.reference(obj), False, sentence)
        elif not valid:
            # Cannot happen for a form validated at the click, unless the form changed.
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            outcome = (known.reference(obj), False, _("Not taken: %(errors)s") % {"errors": errors})
        else:
            outcome = _take_one(known, step, obj, job, form.cleaned_data)
        reference, taken, sentence = outcome
        outcomes.append(
            StepJobOutcome(
                job=job,
                position=position,
                object_id=str(pk),
                reference=reference,
                taken=taken,
                sentence=sentence,
            )
        )
    _save_chunk(job, start=start, outcomes=outcomes)
    return len(outcomes)


def _take_one(known: ModelSteps, step: Step, obj, job: StepJob, params: dict):
    reference = known.reference(obj)
    outcome = take_step(step, [obj], by=job.created_by, params=params, name=known.reference)
    if outcome.done:
        return reference, True, outcome.done[0] if outcome.done[0] != reference else ""
    if outcome.partly:
        return reference, True, _("Partly done: %(sentence)s") % {"sentence": outcome.partly[0]}
    return reference, False, outcome.skipped[0]


def _save_chunk(job: StepJob, *, start: int, outcomes: list[StepJobOutcome]) -> None:
    now = timezone.now()
    with transaction.atomic():
        current = StepJob.objects.select_for_update().get(pk=job.pk)
        if current.claim != job.claim or current.done != start:
            # Our lease ran out and another worker re-checked this chunk: its
            # outcomes stand (what we took, it recorded as skipped).
            return
        StepJobOutcome.objects.bulk_create(outcomes)
        current.done = start + len(outcomes)
        current.skipped += sum(1 for outcome in outcomes if not outcome.taken)
        current.claim = None
        current.claimed_until = None
        if current.done >= current.total:
            current.finished_at = now
        current.save(update_fields=["done", "skipped", "claim", "claimed_until", "finished_at"])


def _as_query_dict(params: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in params.items():
        data.setlist(name, values)
    return data
