"""Bulk steps over large selections, in the background (`backoffice.jobs`).

`BackgroundStepsMixin` lets a ModelAdmin with steps queue a selection above
settings.BACKGROUND_STEP_THRESHOLD instead of taking it in the request.
`StepJobAdmin` is the list of background steps and each one's progress page.

Who sees a job: the user who queued it, and superusers. Everyone else gets a
404 for its page and does not see it listed; nothing here is added, changed or
deleted by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count, F, Min, TextField, Value
from django.db.models.functions import Replace
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from backoffice.jobs import queue_step_job_over
from backoffice.models import StepJob, StepJobOutcome
from core.admin.links import change_url, may_view
from core.steps import Step

# The progress page lists at most this many outcomes (skipped ones first); the
# counts above the list are always exact.
MAX_OUTCOMES_SHOWN = 500


def gerund(label: str) -> str:
    """ "Hold" → "Holding", "Archive" → "Archiving", "Cancel" → "Cancelling".

    English words only: in another language (or for a label that is no word) it
    is the catalogue's "Taking “Hold” on", a phrase that takes any label."""
    label = str(label)
    first, _sep, rest = label.partition(" ")
    word = first.lower()
    if not word.isalpha() or not (get_language() or "en").startswith("en"):
        return gettext("Taking “%(step)s” on") % {"step": label}
    if word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    elif word.endswith("el"):
        word += "l"  # the house style is British: cancelled, cancelling
    return " ".join(filter(None, [(word + "ing").capitalize(), rest]))


class BackgroundStepsMixin:
    """Queue a bulk step above the threshold (see core/admin/bulk_steps.py)."""

    def background_threshold(self) -> int | None:
        # Read on every click, so a deployment (or a test) can change it.
        return getattr(settings, "BACKGROUND_STEP_THRESHOLD", 1000)

    def queue_step(self, request, queryset, step: Step, *, params: dict[str, list[str]]):
        job = queue_step_job_over(by=request.user, step=step, queryset=queryset, params=params)
        url = reverse(
            "admin:backoffice_stepjob_change", args=[job.pk], current_app=self.admin_site.name
        )
        self.message_user(request, queued_message(job, step, self.model, url), messages.SUCCESS)
        return HttpResponseRedirect(url)


def queued_message(job: StepJob, step: Step, model, url: str) -> str:
    """What the click says: the count when the ids were read at the click, else
    "the selected orders" (counting half a million would cost the click ~40 ms;
    the progress page gives the count once the worker has read them)."""
    if not job.selection_read:
        return format_html(
            gettext(
                '{doing} the selected {objects} in the background; <a href="{url}">this page</a> '
                "shows how far it got."
            ),
            doing=gerund(step.label(model)),
            objects=model._meta.verbose_name_plural,
            url=url,
        )
    return format_html(
        gettext(
            '{doing} {count} {objects} in the background; <a href="{url}">this page</a> '
            "shows how far it got."
        ),
        doing=gerund(step.label(model)),
        count=number_format(job.total, force_grouping=True),
        objects=job.noun(),
        url=url,
    )


# A background step's state (`StepJob.state`, a code) in words.
STATE_LABELS = {
    "queued": pgettext_lazy("background step", "queued"),
    "running": pgettext_lazy("background step", "running"),
    "finished": pgettext_lazy("background step", "finished"),
}


class StepJobStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("unfinished", _("Queued or running")),
            ("finished", pgettext_lazy("background step", "Finished")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "unfinished":
            return queryset.filter(finished_at__isnull=True)
        if self.value() == "finished":
            return queryset.filter(finished_at__isnull=False)
        return queryset


class WhoseFilter(admin.SimpleListFilter):
    """Superusers see everyone's background steps; "mine" is the board's tile."""

    title = _("queued by")
    parameter_name = "whose"

    def lookups(self, request, model_admin):
        return [("mine", _("Me"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(created_by=request.user)
        return queryset


def skip_reasons(job: StepJob, most: int = 20) -> list[dict]:
    """Why objects were skipped, grouped (one query): each sentence with its
    object's reference taken out, how many, and one example, most common first."""
    reasons = (
        StepJobOutcome.objects.filter(job=job, taken=False)
        .annotate(
            reason=Replace(F("sentence"), F("reference"), Value("…"), output_field=TextField())
        )
        .values("reason")
        .annotate(count=Count("pk"), example=Min("reference"))
        .order_by("-count", "reason")[:most]
    )
    return [{**row, "count": number_format(row["count"], force_grouping=True)} for row in reasons]


class StepJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_by", "created_at", "state", "progress"]
    list_filter = [StepJobStateFilter, WhoseFilter]
    list_select_related = ["created_by", "content_type"]
    list_per_page = 50
    progress_template = "admin/backoffice/stepjob/progress.html"

    @admin.display(description=_("state"))
    def state(self, job: StepJob) -> str:
        return STATE_LABELS[job.state]

    @admin.display(description=pgettext_lazy("background step", "done"))
    def progress(self, job: StepJob) -> str:
        if job.error:
            return gettext("Nothing done")
        if not job.selection_read:
            return gettext("The selection is read when the step starts")
        return gettext("%(done)s of %(total)s (%(skipped)s skipped)") % {
            "done": number_format(job.done, force_grouping=True),
            "total": number_format(job.total, force_grouping=True),
            "skipped": number_format(job.skipped, force_grouping=True),
        }

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("created_by", "content_type")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(created_by=request.user)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        # Every staff user may queue a step they are allowed to take; the
        # queryset keeps each to their own jobs.
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise Http404
        job = self.get_object(request, unquote(object_id))
        if job is None:
            raise Http404(gettext("No such background step."))
        model = job.content_type.model_class()
        shown = []
        if job.finished_at:  # listed once finished
            shown = list(
                StepJobOutcome.objects.filter(job=job).order_by("taken", "position")[
                    :MAX_OUTCOMES_SHOWN
                ]
            )
            self._link_objects(request, model, shown)
        opts = self.model._meta
        reasons = skip_reasons(job) if job.finished_at and job.skipped else []
        context = {
            **self.admin_site.each_context(request),
            "title": str(job),
            "subtitle": None,
            "opts": opts,
            "job": job,
            "noun": job.noun(),
            "doing": gerund(job.label),
            # Counts as "1,234", like the title and the queued message; none
            # until the worker has read the selection.
            "counts": (
                {
                    name: number_format(getattr(job, name), force_grouping=True)
                    for name in ("total", "done", "taken", "skipped", "left")
                }
                if job.selection_read
                else None
            ),
            "shown_count": number_format(len(shown), force_grouping=True),
            "item_name": model._meta.verbose_name,
            "outcomes": shown,
            "skip_reasons": reasons,
            "outcomes_capped": job.finished_at and len(shown) < job.done,
            "list_url": reverse("admin:backoffice_stepjob_changelist"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.progress_template, context)

    def _link_objects(self, request, model, outcomes: list[StepJobOutcome]) -> None:
        """Each outcome's `url`: its object's admin page, for whoever may open it and
        while the object exists (one query, however many are listed)."""
        if not outcomes or not may_view(self.admin_site, request, model):
            return
        pk = model._meta.pk
        wanted = {pk.to_python(outcome.object_id) for outcome in outcomes}
        existing = {
            str(found)
            for found in model._default_manager.filter(pk__in=wanted).values_list("pk", flat=True)
        }
        for outcome in outcomes:
            if outcome.object_id in existing:
                outcome.url = change_url(self.admin_site, request, model, outcome.object_id)


def register(site: admin.AdminSite) -> None:
    site.register(StepJob, StepJobAdmin)
