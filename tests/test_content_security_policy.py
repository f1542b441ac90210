"""The Content-Security-Policy header: same-origin scripts, styles and images only.

The browser tests (tests/browser/) run every page they visit under it and fail on
any violation the browser reports."""

import re

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import reverse

from orders.models import OrderStatus
from shipments.models import ShipmentStatus, Stock
from tests.factories import OrderFactory, ShipmentFactory, UserFactory


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_every_admin_page_carries_the_policy(client, debug):
    with override_settings(DEBUG=debug, SECURE_SSL_REDIRECT=False):
        login = client.get("/admin/login/")
        client.force_login(UserFactory(username="root", is_superuser=True))
        orders = client.get("/admin/orders/order/")
    for response in (login, orders):
        directives = policy(response)
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


@pytest.mark.django_db
def test_no_admin_page_needs_an_inline_script_or_style(client):
    """What the policy would block, for the pages the browser tests do not visit too."""
    processing = OrderFactory(status=OrderStatus.CONFIRMED)
    shipment = ShipmentFactory(order=processing, status=ShipmentStatus.GOOD_TO_GO)
    order = OrderFactory(status=OrderStatus.CONFIRMED)
    client.force_login(UserFactory(username="root", is_superuser=True))
    pages = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in admin.site._registry
    ] + [
        "/admin/",
        f"/admin/orders/order/{order.pk}/change/",
        f"/admin/orders/order/{order.pk}/split/",
        f"/admin/orders/order/{order.pk}/flow/",
        f"/admin/orders/order/{order.pk}/step/cancel/",
        f"/admin/orders/order/{processing.pk}/change/",
        f"/admin/shipments/shipment/{shipment.pk}/change/",
        f"/admin/shipments/shipment/{shipment.pk}/step/complete/",
        f"/admin/payments/payment/{order.payment.pk}/change/",
        f"/admin/payments/payment/{order.payment.pk}/step/void/",
        f"/admin/shipments/stock/{Stock.objects.first().pk}/change/",
        "/admin/orders/storesettings/1/change/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_STYLE.search(html), url
