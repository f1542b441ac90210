"""Bulk steps over large selections, taken by the worker rather than the request.

This package's doors for the admin are `queue_step_job` (a list of ids) and
`queue_step_job_over` (a queryset, kept as a query on PostgreSQL and read by the
worker: `selection`), which keep the selection and the step's input; the
worker's side (`backoffice.jobs.worker`: `run_due_jobs`, claims,
leases) is run by `manage.py deliver_events` and is not imported by the admin
(an import contract in pyproject.toml says so).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.utils import translation

from backoffice.jobs import selection
from backoffice.models import StepJob
from core.steps import Step


def queue_step_job(
    *,
    by,
    model: type[models.Model],
    step: Step,
    object_ids: list,
    params: dict[str, list[str]],
) -> StepJob:
    """Queue `step` over `object_ids` (in the order they are to be taken).

    `params` is the step form's posted data, field name → values; the worker
    validates it again with the step's form.
    """
    ids = list(object_ids)
    return _new_job(by=by, model=model, step=step, params=params, object_ids=ids, total=len(ids))


def queue_step_job_over(
    *, by, step: Step, queryset: QuerySet, params: dict[str, list[str]]
) -> StepJob:
    """Queue `step` over every object of `queryset`, in its order.

    On PostgreSQL the job keeps the selection as a query (`selection.py`): the
    request reads no id, whatever the selection's size, and the worker reads
    the ids into the job when it starts it. The selection is then what matches
    at the worker's start among the objects that existed at the click; each
    object's step re-checks its own conditions when taken. Elsewhere (SQLite,
    the quick start), or for a selection that cannot be kept as a query, the
    ids are frozen at the click: in Python, or on PostgreSQL inside the database.
    """
    if connection.vendor != "postgresql":
        ids = [
            pk if isinstance(pk, int) else str(pk) for pk in queryset.values_list("pk", flat=True)
        ]
        return queue_step_job(by=by, model=queryset.model, step=step, object_ids=ids, params=params)
    try:
        sql, sql_params = selection.stored_selection(queryset)
    except EmptyResultSet:
        return queue_step_job(by=by, model=queryset.model, step=step, object_ids=[], params=params)
    except selection.NotStorable:
        # In one transaction: the worker never sees the job before its ids.
        with transaction.atomic():
            job = _new_job(by=by, model=queryset.model, step=step, params=params, total=None)
            selection.freeze(job, queryset)
            job.refresh_from_db(fields=["object_ids", "total"])
        return job
    return _new_job(
        by=by,
        model=queryset.model,
        step=step,
        params=params,
        selection_sql=sql,
        selection_params=sql_params,
        total=None,
    )


def _new_job(*, by, model, step: Step, params: dict[str, list[str]], **fields) -> StepJob:
    """The job's row, with its selection (`object_ids` and `total`, or the query)."""
    return StepJob.objects.create(
        created_by=by,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        step_name=step.name,
        # Saved in the words of the user who queued it (a lazy label made str).
        label=str(step.label(model)),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        params=params,
        **fields,
    )
