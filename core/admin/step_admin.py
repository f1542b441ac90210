"""ModelAdmin mixins that turn a list of `Step`s into bulk actions, buttons on the
object's page, intermediate pages (when a step needs input or a confirmation) and
the messages afterwards; and that show a service's refusal as a message."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext, quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.admin.bulk_steps import BulkStepsMixin
from core.admin.changelist import CheckedChangeListMixin
from core.admin.page_hooks import PageHooksMixin
from core.admin.read_only import ReadOnlyAdminMixin
from core.admin.step_messages import report
from core.errors import DomainError
from core.steps import Outcome, Step, done_name, needs_confirming, step_named


class RefusalsAsMessagesMixin:
    """Show a service's refusal while saving or deleting as a message, not a 500.

    The services check again under their row locks, so a page validated a moment
    ago can still be refused; the admin's transaction has then rolled back.
    """

    def _refused(self, request, refusal: DomainError, redirect_to: str):
        self.message_user(request, str(refusal), messages.ERROR)
        return HttpResponseRedirect(redirect_to)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            return self._refused(request, refusal, request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as refusal:
            return self._refused(request, refusal, request.get_full_path())


class StepsAdminMixin(BulkStepsMixin):
    """Bulk actions, buttons and intermediate pages for a ModelAdmin's `steps`."""

    steps: list[Step] = []
    step_template = "admin/centra/step_form.html"
    # The order a bulk step's page, its form and its messages name the objects
    # in (e.g. 1294-1 before 1294-2), whatever order the list shows them in.
    step_ordering: list[str] = []

    # Lookup -----------------------------------------------------------------

    def get_step(self, name: str) -> Step:
        step = step_named(self.steps, name)
        if step is None:
            raise Http404(_("No step “%(name)s”.") % {"name": name})
        return step

    def user_may_take(self, request, step: Step) -> bool:
        permission = step.permission(self.model)
        if callable(permission):
            # Decided per object (e.g. voiding); the refusal check says no there.
            return True
        return not permission or request.user.has_perm(permission)

    def object_reference(self, obj) -> str:
        """How staff name an object in a message: an order's number, a shipment's 1042-1."""
        return str(getattr(obj, "number", None) or obj.pk)

    # Bulk actions -----------------------------------------------------------

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's "delete selected" bypasses the state machine; deleting goes
        # through a step (and a service) or not at all.
        actions.pop("delete_selected", None)
        for step in self.steps:
            if (
                step.in_bulk
                and self.user_may_take(request, step)
                and self.step_offered_in_list(request, step)
            ):
                actions[step.name] = (self._bulk_action(step), step.name, step.label(self.model))
        return actions

    def step_offered_in_list(self, request, step: Step) -> bool:
        return all(request.GET.get(k) == v for k, v in step.list_only_when.items())

    def response_action(self, request, queryset):
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                self.model._meta.pk.to_python(value)
        except ValidationError:
            self.message_user(
                request,
                _("The selection was not understood; nothing was changed."),
                messages.ERROR,
            )
            return None
        if self._refused_as_not_offered(request):
            return None
        return super().response_action(request, queryset)

    def changelist_view(self, request, extra_context=None):
        # Django ignores an action POSTed to a list that offers none (a user
        # without any step permission); say no instead.
        if (
            request.method == "POST"
            and "action" in request.POST
            and self.has_view_or_change_permission(request)
            and not self.get_actions(request)
            and self._refused_as_not_offered(request)
        ):
            return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)

    def _refused_as_not_offered(self, request) -> bool:
        """Say why a step the user cannot take here was refused, rather than
        Django's generic "No action selected."."""
        name = request.POST.get("action", "")
        step = step_named(self.steps, name)
        if step is None or name in self.get_actions(request):
            return False
        plural = self.model._meta.verbose_name_plural
        label = step.label(self.model)
        if not self.user_may_take(request, step):
            sentence = _("You do not have permission to %(action)s %(objects)s.") % {
                "action": label.lower(),
                "objects": plural,
            }
        else:
            sentence = _("%(step)s is not offered for these %(objects)s.") % {
                "step": label,
                "objects": plural,
            }
        self.message_user(request, sentence, messages.ERROR)
        return True

    # One object: buttons and the step view ------------------------------------

    def step_urls(self):
        """The step's page of one object (an `extra_urls` entry)."""
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/step/<str:step_name>/",
                self.admin_site.admin_view(self.step_view),
                name="{}_{}_step".format(*info),
            )
        ]

    def step_buttons_section(self, request, obj) -> dict:
        """The buttons of the steps this user may take on `obj` now, and why the
        others are blocked (a `page_sections` entry)."""
        available, blocked = self.step_buttons(request, obj)
        return {"step_buttons": available, "blocked_steps": blocked}

    def step_url(self, obj, step: Step) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse(
            "admin:{}_{}_step".format(*info),
            args=[quote(obj.pk), step.name],
            current_app=self.admin_site.name,
        )

    def step_buttons(self, request, obj, *, back_to: str = "") -> tuple[list[dict], list[str]]:
        """The steps this user may take on `obj` now, and why the others they
        could take in principle are blocked (state fits, but e.g. it is on hold).

        None where `step_view` would refuse the user: a button must open its page
        (another admin's page shows these buttons too, e.g. the order page shows
        the payment's to users who may not view payments).
        """
        available, blocked = [], []
        for step in self.steps:
            if not self.may_open_step(request, obj, step) or not self.user_may_take(request, step):
                continue
            if not step.state_fits(obj):
                # Neither offered nor explained: no sentence to write (an order page
                # asks this of every step of each of its shipments).
                continue
            sentence = step.refusal(obj, by=request.user)
            if sentence is None:
                available.append(
                    {
                        "name": step.name,
                        "label": step.label(self.model),
                        "url": self.step_url(obj, step)
                        + (f"?{urlencode({'next': back_to})}" if back_to else ""),
                        "page": step.needs_page(),
                        "danger": step.danger,
                    }
                )
            elif step.explain_when_blocked and sentence not in blocked:
                blocked.append(sentence)
        return available, blocked

    def may_open_step(self, request, obj, step: Step) -> bool:
        """Whether this user may open the step's page of `obj` at all (the step's
        own permission and state are asked separately): whoever may see the object."""
        return self.has_view_or_change_permission(request, obj)

    def step_view(self, request, object_id, step_name):
        step = self.get_step(step_name)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.may_open_step(request, obj, step):
            raise PermissionDenied
        change_url = self._back_url(request) or self.step_return_url(request, obj)
        if request.method == "POST":
            form = step.make_form(request.POST, [obj]) if step.needs_page() else None
            if form is not None and form.is_valid() and needs_confirming(step, request.POST):
                sentence = step.refusal(obj, by=request.user)
                if sentence:
                    self.message_user(request, sentence, messages.ERROR)
                    return HttpResponseRedirect(change_url)
                return self.render_step_page(
                    request, step, [obj], form, bulk=False, confirming="_change" not in request.POST
                )
            if form is None or form.is_valid():
                params = self.step_params(request, step, form.cleaned_data if form else {})
                try:
                    result = step.take(obj, by=request.user, params=params)
                except DomainError as error:
                    self.message_user(request, str(error), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                done = done_name(step, obj, result, self.object_reference(obj))
                report(request, step, self.model, Outcome(done=[done]))
                self.after_step(request, step, obj, result)
                if step.deletes and not self._back_url(request):
                    return HttpResponseRedirect(
                        reverse(
                            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                            current_app=self.admin_site.name,
                        )
                    )
                return HttpResponseRedirect(change_url)
            return self.render_step_page(request, step, [obj], form, bulk=False)
        sentence = step.refusal(obj, by=request.user)
        if sentence:
            self.message_user(request, sentence, messages.ERROR)
            return HttpResponseRedirect(change_url)
        form = step.make_form(None, [obj])
        return self.render_step_page(request, step, [obj], form, bulk=False)

    def step_params(self, request, step: Step, params: dict) -> dict:
        """The service's input beyond the form's, from what only the request knows
        (the site's address, for a payment link)."""
        return params

    def after_step(self, request, step: Step, obj, result) -> None:
        """What an admin adds once a step is taken on one object (a link to an
        order the step made); messages are plain text, so a link is its own."""

    def step_return_url(self, request, obj) -> str:
        """Where a step's page returns to without a `next`: the object's page."""
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[quote(obj.pk)],
            current_app=self.admin_site.name,
        )

    def _back_url(self, request) -> str:
        """Where a step started from another page (e.g. the order page) returns to."""
        back = request.GET.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return back if back and safe else ""

    # Intermediate page ------------------------------------------------------

    def skip_sentence(self, request, step: Step, obj, sentence: str) -> str:
        """Why the step page skips `obj`; admins add the way forward (a link)."""
        return sentence

    def step_page_context(self, request, step: Step, objects: list) -> dict:
        """Extra context for the intermediate page; admins add what the step deletes."""
        return {}

    def _selection_fields(self, request, objects: list) -> dict:
        """What the step's page posts back to name the selection.

        "Select all N matching" is carried as Django's `select_across` (the
        selection is then the list's filters and search, which the page's
        address keeps), not as one field per object: a thousand ids would pass
        DATA_UPLOAD_MAX_NUMBER_FIELDS and be refused with a 400.
        """
        if request.POST.get("select_across") == "1":
            # Django acts only when some id is posted; with select_across it
            # ignores them, so the page's own checkboxes are carried as they came.
            return {
                "select_across": True,
                "selected_ids": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            }
        return {"select_across": False, "selected_ids": [obj.pk for obj in objects]}

    def render_step_page(
        self,
        request,
        step: Step,
        objects: list,
        form,
        *,
        bulk: bool,
        confirming: bool = False,
        count: int | None = None,
    ):
        """The step's form or confirmation. With `count` (a selection to be taken in
        the background) the objects are not listed nor checked one by one: each is
        checked when its turn comes."""
        takes, skips = [], []
        for obj in objects:
            sentence = step.refusal(obj, by=request.user)
            if sentence:
                skips.append((obj, self.skip_sentence(request, step, obj, sentence)))
            else:
                takes.append((obj, sentence))
        selected = len(objects) if count is None else count
        confirmations = (
            [step.confirm_with(obj, form.cleaned_data) for obj, _sentence in takes]
            if confirming
            else []
        )
        opts = self.model._meta
        label = step.label(self.model)
        context = {
            **self.admin_site.each_context(request),
            "title": pgettext("a step's page, for a selection", "%(step)s: %(count)s %(objects)s")
            % {
                "step": label,
                "count": number_format(selected, force_grouping=True),
                "objects": model_ngettext(opts, selected),
            }
            if bulk
            else pgettext("a step's page, for one object", "%(step)s %(object)s")
            % {"step": label, "object": objects[0]},
            "subtitle": None,
            "opts": opts,
            "step": step,
            "step_label": step.label(self.model),
            "step_past": step.past(self.model),
            "form": form,
            "takes": takes,
            "skips": skips,
            "confirmations": confirmations,
            "bulk": bulk,
            "objects": objects,
            "background_count": None
            if count is None
            else ngettext("%(count)s %(objects)s selected", "%(count)s %(objects)s selected", count)
            % {
                "count": number_format(count, force_grouping=True),
                "objects": model_ngettext(opts, count),
            },
            **(self._selection_fields(request, objects) if bulk else {}),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
            **self.step_page_context(request, step, [obj for obj, _sentence in takes]),
        }
        if not bulk:
            context["original"] = objects[0]
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            [
                f"admin/{opts.app_label}/{opts.model_name}/step_{step.name}.html",
                self.step_template,
            ],
            context,
        )


class ServiceWrittenAdmin(
    CheckedChangeListMixin,
    ReadOnlyAdminMixin,
    PageHooksMixin,
    StepsAdminMixin,
    admin.ModelAdmin,
):
    """The admin of rows only services write (shipments, payments).

    Nothing is added, edited or deleted here; the change page shows the object
    and the buttons of the steps this user may take on it now.
    """

    change_form_template = "admin/centra/change_form.html"
    page_sections = [StepsAdminMixin.step_buttons_section]
    extra_urls = [StepsAdminMixin.step_urls]
