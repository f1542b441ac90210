"""The test provider's pages, under /payments/ (centra_orders/urls.py)."""

from django.urls import path

from storefront.provider import views

urlpatterns = [
    path("test-provider/<str:reference>", views.hosted_page, name="test-provider-page"),
    path("notifications/<slug:provider>", views.notification, name="payment-notification"),
    # Where a payment link's customer lands after the provider's page.
    path("paid", views.link_paid, name="payment-link-paid"),
]
