from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from integrations.api.views import ConfirmEventsView, EventsView, OrderViewSet, ShipmentViewSet

router = SimpleRouter()
router.register("v1/orders", OrderViewSet, basename="api-order")
router.register("v1/shipments", ShipmentViewSet, basename="api-shipment")

# The schema and its page are public: they describe the API, not the data.
public = {"authentication_classes": [], "permission_classes": [AllowAny]}

urlpatterns = [
    *router.urls,
    path("v1/events", EventsView.as_view(), name="api-events"),
    path("v1/events/confirm", ConfirmEventsView.as_view(), name="api-events-confirm"),
    path("schema/", SpectacularAPIView.as_view(**public), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema", **public), name="api-docs"),
]
