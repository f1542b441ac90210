"""Bulk steps over large selections, taken by the worker rather than the request.

This package's one public door for the admin is `queue_step_job`, which freezes
the selection and the step's input; the worker's side (`backoffice.jobs.worker`:
`run_due_jobs`, claims, leases) is run by `manage.py deliver_events` and is not
imported by the admin (an import contract in pyproject.toml says so).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

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
        label=step.label(model),
        params=params,
        object_ids=list(object_ids),
        total=len(object_ids),
    )
