"""Integrations in the admin: a token shown once, delivery counts, Redeliver."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from integrations.tokens import integration_for_token
from outbox.models import Integration, OutboxMessage
from outbox.publish import Happened, publish
from tests.admin_support import messages_of, role_user

pytestmark = pytest.mark.django_db
INTEGRATIONS = "/admin/outbox/integration/"
MESSAGES = "/admin/outbox/outboxmessage/"


def test_adding_an_integration_shows_its_token_once_and_keeps_only_a_hash(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    response = client.post(
        f"{INTEGRATIONS}add/",
        {
            "name": "erp",
            "kind": "queue",
            "is_active": "on",
            "signing_secret": "s3cret-s3cret",
            "event_types": ["order.confirmed", "shipment.completed"],
            "show_on_hold": "on",
        },
    )
    assert response.status_code == 200
    token = response.context["tokens"][0][1]
    assert "no-store" in response["Cache-Control"]
    integration = Integration.objects.get(name="erp")
    assert integration.event_types == ["order.confirmed", "shipment.completed"]
    assert token not in (integration.token_hash, integration.token_prefix)
    assert integration_for_token(token) == integration
    page = client.get(f"{INTEGRATIONS}{integration.pk}/change/")
    assert token.encode() not in page.content


def test_a_webhook_needs_an_endpoint(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    response = client.post(
        f"{INTEGRATIONS}add/", {"name": "hook", "kind": "webhook", "signing_secret": "x"}
    )
    assert "A webhook integration needs an endpoint URL." in response.content.decode()
    assert not Integration.objects.exists()


def test_only_backoffice_admins_manage_integrations(client):
    client.force_login(role_user(CUSTOMER_SERVICE))
    assert client.get(INTEGRATIONS).status_code == 403


def test_the_page_counts_deliveries_and_failed_messages_can_be_redelivered(client):
    hook = Integration.objects.create(
        name="wms", endpoint_url="http://127.0.0.1:9/", event_types=["order.held"]
    )
    publish(
        Happened(event_type="order.held", order_id=n, order_number=n, occurred_at=timezone.now())
        for n in range(3)
    )
    OutboxMessage.objects.filter(order_id=0).update(delivered_at=timezone.now())
    OutboxMessage.objects.filter(order_id=1).update(
        failed_at=timezone.now(), attempts=8, last_error="The receiver answered HTTP 500."
    )
    client.force_login(role_user(BACKOFFICE_ADMIN))
    page = client.get(f"{INTEGRATIONS}{hook.pk}/change/").content.decode()
    assert "1 delivered, 1 pending, 1 failed" in page
    assert "The receiver answered HTTP 500." in page

    failed = OutboxMessage.objects.get(order_id=1)
    response = client.post(
        MESSAGES, {"action": "redeliver_selected", "_selected_action": [failed.pk]}
    )
    assert messages_of(response) == ["1 messages will be delivered again."]
    failed.refresh_from_db()
    assert (failed.failed_at, failed.attempts) == (None, 0)
