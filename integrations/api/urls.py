from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from integrations.api.base import NotFoundView
from integrations.api.events import ConfirmEventsView, EventsView
from integrations.api.returns import ReturnViewSet
from integrations.api.views import OrderViewSet, ShipmentViewSet

router = SimpleRouter()
router.register("v1/orders", OrderViewSet, basename="api-order")
router.register("v1/shipments", ShipmentViewSet, basename="api-shipment")
router.register("v1/returns", ReturnViewSet, basename="api-return")

# The schema and its page are public: they describe the API, not the data.
public = {"authentication_classes": [], "permission_classes": [AllowAny]}

# Swagger UI's page carries one <style> block and draws its icons as data: images;
# its start-up script is served as a file of its own (the "split" view), so the
# site's policy needs loosening for this page's styles and images only.
api_docs = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema", **public)
)

urlpatterns = [
    *router.urls,
    path("v1/events", EventsView.as_view(), name="api-events"),
    path("v1/events/confirm", ConfirmEventsView.as_view(), name="api-events-confirm"),
    path("schema/", SpectacularAPIView.as_view(**public), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    # Last: any other address under /api/ answers JSON (a path parameter no route reads).
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="api-not-found"),
]
