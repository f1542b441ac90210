"""Bulk steps over large selections, taken by the worker rather than the request.

This package's doors for the admin are `queue_step_job` (a list of ids) and
`queue_step_job_over` (a queryset), which freeze the selection and the step's
input; the worker's side (`backoffice.jobs.worker`: `run_due_jobs`, claims,
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
    return StepJob.objects.create(
        created_by=by,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        step_name=step.name,
        # Saved in the words of the user who queued it (a lazy label made str).
        label=str(step.label(model)),
        language=translation.get_language() or settings.LANGUAGE_CODE,
        params=params,
        object_ids=list(object_ids),
        total=len(object_ids),
    )


def queue_step_job_over(
    *, by, step: Step, queryset: QuerySet, params: dict[str, list[str]]
) -> StepJob:
    """Queue `step` over every object of `queryset`, in its order.

    On PostgreSQL the ids go from the selection into the job's row inside the
    database (one UPDATE … SELECT jsonb_agg): "select all" over half a million
    orders never brings half a million ids into Python and back.
    """
    if connection.vendor != "postgresql":
        ids = [
            pk if isinstance(pk, int) else str(pk) for pk in queryset.values_list("pk", flat=True)
        ]
        return queue_step_job(by=by, model=queryset.model, step=step, object_ids=ids, params=params)
    with transaction.atomic():
        job = queue_step_job(by=by, model=queryset.model, step=step, object_ids=[], params=params)
        _freeze_selection(job, queryset)
        job.refresh_from_db(fields=["object_ids", "total"])
    return job


def _freeze_selection(job: StepJob, queryset: QuerySet) -> None:
    # The ids are aggregated from the selection sorted in its own order: the
    # idiom PostgreSQL's manual gives for an ordered aggregate ("supplying the
    # input values from a sorted subquery"), without a second sort of every id.
    if not queryset.ordered:
        queryset = queryset.order_by("pk")
    try:
        selection, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:  # a selection Django knows is empty: the job stays empty
        return
    table = connection.ops.quote_name(StepJob._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET object_ids = frozen.ids, total = frozen.n "
            "FROM (SELECT to_jsonb(coalesce(array_agg(chosen.pk), '{}')) AS ids, count(*) AS n "
            f"FROM ({selection}) AS chosen(pk)) AS frozen WHERE {table}.id = %s",
            [*params, job.pk],
        )
