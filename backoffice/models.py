"""Bulk steps taken in the background (`backoffice.jobs`).

A `StepJob` is one click of a bulk step over more objects than a request should
take (settings.BACKGROUND_STEP_THRESHOLD): the selection, the step's validated
form input, and how far the worker got. Its state is derived from
`started_at`/`finished_at`, never assigned: queued, running, finished.

The selection is kept as a query at the click (`selection_sql`, on PostgreSQL)
and read into `object_ids` by the worker when it starts the job, normally
seconds later; until then `total` is None ("not read yet"). Elsewhere, or for a
selection that cannot be kept as a query, the ids are frozen at the click and
`total` is known from the start. Either way the ids are read once, and each
object's step re-checks its own conditions when its turn comes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


class StepJob(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="step_jobs",
        verbose_name=_("created by"),
    )
    # The model the step acts on; its ModelAdmin names the step.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    step_name = models.CharField(max_length=100)
    # Step label and past tense when queued, so the page reads well even if the
    # step is renamed later.
    label = models.CharField(max_length=200)
    # The language of the user who queued it: the worker writes the outcomes in it.
    language = models.CharField(max_length=8, default="en")
    # The step form's POST data, validated again by the step's form at run time:
    # cleaned_data (Decimals, dates) needs no encoding of its own.
    params = models.JSONField(default=dict, blank=True)
    # The selection as a query (backoffice/jobs/selection.py): the list's filters
    # and search in the admin's step_ordering, bounded by the highest id at the
    # click. Blank when the ids were frozen at the click. (The database's own
    # defaults let the release before this one still queue jobs.)
    selection_sql = models.TextField(blank=True, default="", db_default="")
    selection_params = models.JSONField(default=list, blank=True, db_default=[])
    # The selection's ids in that order, and how many: None until read.
    object_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(null=True, blank=True)
    # `done` counts objects checked so far (taken or skipped); it is also the
    # position in `object_ids` the next chunk starts from.
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # The worker taking a chunk now, and until when others leave the job to it
    # (backoffice/jobs/worker.py); a lease, not a state.
    claim = models.UUIDField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why the job finished without taking anything (its selection could no longer
    # be read), in the words of who queued it; blank for every other job.
    error = models.TextField(blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("background step")
        verbose_name_plural = _("background steps")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The worker looks for unfinished jobs only.
            models.Index(
                fields=["created_at"],
                name="stepjob_unfinished",
                condition=models.Q(finished_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        if self.total is None:
            return _("%(step)s: the selected %(objects)s") % {
                "step": self.label,
                "objects": self.noun(),
            }
        return f"{self.label}: {number_format(self.total, force_grouping=True)} {self.noun()}"

    def noun(self) -> str:
        opts = self.content_type.model_class()._meta
        return opts.verbose_name if self.total == 1 else opts.verbose_name_plural

    @property
    def selection_read(self) -> bool:
        """Whether the selection's ids are known (`object_ids`, `total`)."""
        return self.total is not None

    @property
    def state(self) -> str:
        if self.finished_at:
            return "finished"
        return "running" if self.started_at else "queued"

    @property
    def taken(self) -> int:
        return self.done - self.skipped

    @property
    def left(self) -> int | None:
        return None if self.total is None else self.total - self.done


class StepJobOutcome(models.Model):
    """What the step did to one object of the job, or why it skipped it."""

    job = models.ForeignKey(StepJob, on_delete=models.CASCADE, related_name="outcomes")
    # The object's place in the job's selection.
    position = models.PositiveIntegerField()
    object_id = models.CharField(max_length=64)
    reference = models.CharField(max_length=200)
    taken = models.BooleanField()
    sentence = models.TextField(blank=True)

    class Meta:
        verbose_name = _("background step outcome")
        verbose_name_plural = _("background step outcomes")
        ordering = ["position"]
        constraints = [
            # A restarted chunk cannot write an object's outcome twice.
            models.UniqueConstraint(fields=["job", "position"], name="stepjoboutcome_once")
        ]

    def __str__(self) -> str:
        return self.reference


class StaffPreference(models.Model):
    """A staff member's own settings: the back office's language (backoffice.languages)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="staff_preference",
    )
    # Blank: the browser's language.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return str(self.user)
