from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

# GET /healthz is answered by centra_orders.health.HealthCheckMiddleware, before the
# host check and the HTTPS redirect, so it has no URL pattern here.
urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("integrations.api.urls")),
]
