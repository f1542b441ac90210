"""Each staff member's language: English or Swedish, their own choice.

Django's `LocaleMiddleware` picks the browser's language (Accept-Language). A
staff member who chose one on the language page (the user links' "Language")
reads the back office in theirs on every browser: the choice is kept on their
user (`StaffPreference`) and copied into the session when they log in, so a
request reads it from the session it loads anyway, without a query.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.models import StaffPreference

SESSION_KEY = "staff_language"
# The Checkout API and the Order API answer in English whatever the caller's
# Accept-Language: their texts are for developers, as Centra's own API's are.
API_PATH = "/api/"


def chosen_language(request) -> str:
    """The language the staff member chose, or "" for their browser's."""
    session = getattr(request, "session", None)
    language = session.get(SESSION_KEY, "") if session is not None else ""
    return language if language in dict(settings.LANGUAGES) else ""


class StaffLanguageMiddleware:
    """After `LocaleMiddleware` and authentication: a chosen language wins over the
    browser's, and the APIs speak English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PATH):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return self.get_response(request)
        language = chosen_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="backoffice.languages.remember_language")
def remember_language(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    language = (
        StaffPreference.objects.filter(user=user).values_list("language", flat=True).first() or ""
    )
    request.session[SESSION_KEY] = language


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        widget=forms.RadioSelect,
        choices=[("", gettext_lazy("The browser's language")), *settings.LANGUAGES],
        required=False,
    )


def _language_chosen(language: str) -> str:
    if not language:
        return _("The back office now follows your browser's language.")
    return _("The back office is now in %(language)s.") % {
        "language": dict(settings.LANGUAGES)[language]
    }


def language_page(site, request):
    """Choose the back office's language; kept on the user, used from the next page on."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if form.is_valid():
            language = form.cleaned_data["language"]
            StaffPreference.objects.update_or_create(
                user=request.user, defaults={"language": language}
            )
            request.session[SESSION_KEY] = language
            if language:
                translation.activate(language)
            else:
                translation.activate(translation.get_language_from_request(request))
            messages.success(request, _language_chosen(language))
            return redirect(next_url or "admin:index")
    else:
        form = LanguageForm(initial={"language": chosen_language(request)})
    context = {
        **site.each_context(request),
        "title": _("Language"),
        "subtitle": None,
        "form": form,
        "next": next_url,
    }
    request.current_app = site.name
    return TemplateResponse(request, "admin/language.html", context)
