"""A step taken on the list's selection: in the request, or queued for the worker.

Up to the admin's background threshold the step is taken in the request, as it
always was. Above it, an admin that can queue steps (`queue_step`, implemented
by the back office's job runner, a layer above this kit) queues it: the form or
confirmation page shows the count instead of every object, and only the final
"take it" is queued. An admin that cannot queue refuses such a selection as a
whole, as does any admin for a step whose input is per object or whose
confirmation names each object's figures.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.utils.translation import gettext as _

from core import steps
from core.admin.step_messages import report
from core.steps import Step, needs_confirming, take_step, take_step_at_once


def more_than(queryset, limit: int) -> bool:
    """Whether `queryset` holds more than `limit` objects, counting at most limit + 1
    ids (no ordering, no columns): "select all" over half a million orders answers
    as fast as over a thousand, and loads none of them."""
    return queryset.order_by().values("pk")[: limit + 1].count() > limit


class BulkStepsMixin:
    """The bulk actions of `StepsAdminMixin` (which provides the pages and the form)."""

    def background_threshold(self) -> int | None:
        """Above how many objects a bulk step is queued; None: this admin never queues."""
        return None

    def queue_step(self, request, queryset, step: Step, *, params: dict[str, list[str]]):
        """Queue `step` over the selection; returns the response (the progress page)."""
        raise NotImplementedError

    def may_run_in_background(self, step: Step) -> bool:
        # A form with a field per object, or a confirmation with each object's
        # figures, needs the objects on the page: those stay in the request.
        return not getattr(step.form, "per_object", False) and not step.confirm_with

    def _bulk_action(self, step: Step):
        def action(modeladmin, request, queryset):
            return modeladmin.take_step_in_bulk(request, queryset, step)

        action.__name__ = step.name
        return action

    def take_step_in_bulk(self, request, queryset, step: Step):
        if self.step_ordering:
            queryset = queryset.order_by(*self.step_ordering)
        threshold = self.background_threshold()
        # Never more in the request than MAX_OBJECTS_PER_STEP, whatever the setting.
        most = steps.MAX_OBJECTS_PER_STEP
        limit = most if threshold is None else min(threshold, most)
        if not more_than(queryset, limit):
            # Bounded again: orders placed since the count stay out of the request.
            objects = list(queryset[: limit + 1])
            if len(objects) <= limit:
                return self._take_step_in_request(request, objects, step)
        if threshold is not None and self.may_run_in_background(step):
            return self._take_step_in_background(request, queryset, step)
        self.message_user(
            request,
            _("Select at most %(limit)s %(objects)s for one action; nothing was changed.")
            % {"limit": limit, "objects": self.model._meta.verbose_name_plural},
            messages.ERROR,
        )
        return None

    def _take_step_in_request(self, request, objects: list, step: Step):
        if not step.needs_page():
            take = take_step_at_once if step.bulk else partial(take_step, params={})
            outcome = take(step, objects, by=request.user, name=self.object_reference)
            report(request, step, self.model, outcome)
            return None
        form = step.make_form(request.POST if request.POST.get("post") else None, objects)
        if form.is_bound and form.is_valid() and needs_confirming(step, request.POST):
            return self.render_step_page(
                request, step, objects, form, bulk=True, confirming="_change" not in request.POST
            )
        if form.is_bound and form.is_valid():
            outcome = take_step(
                step, objects, by=request.user, params=form.cleaned_data, name=self.object_reference
            )
            report(request, step, self.model, outcome)
            return None
        return self.render_step_page(request, step, objects, form, bulk=True)

    def _take_step_in_background(self, request, queryset, step: Step):
        if not step.needs_page():
            return self.queue_step(request, queryset, step, params={})
        form = step.make_form(request.POST if request.POST.get("post") else None, [])
        if form.is_bound and form.is_valid():
            # The posted data, not cleaned_data: the worker validates it again
            # with the same form, so Decimals and dates need no encoding.
            params = {
                form.add_prefix(name): request.POST.getlist(form.add_prefix(name))
                for name in form.fields
            }
            return self.queue_step(request, queryset, step, params=params)
        return self.render_step_page(request, step, [], form, bulk=True, count=queryset.count())
