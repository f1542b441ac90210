from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

# GET /healthz is answered by centra_orders.health.HealthCheckMiddleware, before the
# host check and the HTTPS redirect, so it has no URL pattern here.


def favicon(request):
    # Browsers ask for /favicon.ico on every site; answer rather than log a 404.
    return redirect(static("centra/favicon.svg"), permanent=True)


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # Before "api/": that include ends with a catch-all that would shadow it.
    path("api/checkout/", include("storefront.api.urls")),
    path("payments/", include("storefront.provider.urls")),
    path("api/", include("integrations.api.urls")),
    # The demo shop page (DEBUG or SHOP_PAGE only; a 404 otherwise).
    path("shop/", include("storefront.shop.urls")),
]
