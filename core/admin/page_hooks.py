"""The one place a ModelAdmin adds to its change page and to its URLs.

Instead of each mixin overriding `change_view` or `get_urls` (where the order of
the bases decides who wins and who is forgotten), an admin lists them:

- `page_sections`: functions `(model_admin, request, obj) -> dict`, each one
  section of the change page's context (the step buttons, the shipments, the
  comment box …), merged in the listed order; the object is read once for all,
  and on a page that only shows it (GET), Django's view takes that one too.
- `extra_urls`: functions `(model_admin) -> list[URLPattern]`, the admin's own
  pages (a step's page, the split page, the print view …), placed before
  Django's, whose `<path:object_id>/` would otherwise swallow them.

A mixin provides such functions; the admin class says which it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.admin.utils import unquote

PageSection = Callable[[Any, Any, Any], dict]
UrlSet = Callable[[Any], list]


class PageHooksMixin:
    page_sections: Sequence[PageSection] = ()
    extra_urls: Sequence[UrlSet] = ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if self.page_sections:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None:
                for section in self.page_sections:
                    extra_context.update(section(self, request, obj))
                if request.method in ("GET", "HEAD"):
                    request.page_object = obj
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        # With what the sections read of it (lines, shipments). Never for a POST: the
        # form writes its values into the instance it is given.
        shown = getattr(request, "page_object", None)
        if shown is not None and from_field is None and str(shown.pk) == str(object_id):
            return shown
        return super().get_object(request, object_id, from_field)

    def get_urls(self):
        own = [pattern for urls in self.extra_urls for pattern in urls(self)]
        return [*own, *super().get_urls()]
