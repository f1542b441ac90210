from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView


def favicon(request):
    # Browsers ask for /favicon.ico on every site; answer rather than log a 404.
    return redirect(static("centra/favicon.svg"), permanent=True)


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
]
