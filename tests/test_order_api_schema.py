"""The OpenAPI schema says what the API really does: schemathesis generates requests
from it (the coverage and fuzzing phases), sends them to the application with an
integration's token, and runs every check it has on each answer: no 5xx, only
documented status codes and content types, responses that match their schema,
schema-valid requests accepted and schema-violating ones refused."""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from integrations.tokens import issue_token
from orders.models import OrderStatus
from shipments.models import ShipmentStatus
from tests.factories import OrderFactory, ShipmentFactory
from tests.integration_support import make_integration
from tests.returns_support import completed_order, make_return

S = OrderStatus
# Enough for each operation's fuzzing to vary every parameter, few enough that the
# whole schema is checked in well under a minute.
EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def connection_kept():
    """The application called directly, as Django's test client calls it: each request
    keeps the test's database connection (and its transaction) instead of closing it."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def token(db, connection_kept) -> str:
    """An integration that may do and see everything, and something to see."""

    OrderFactory(status=S.PENDING)
    OrderFactory(status=S.CONFIRMED, on_hold=True)
    ShipmentFactory(status=ShipmentStatus.GOOD_TO_GO)
    make_return(completed_order())
    integration = make_integration(
        "schemathesis",
        kind="queue",
        group=Group.objects.get(name="Back-office admin"),
        show_archived=True,
        show_on_hold=True,
    )
    return issue_token(integration)


# Read from the application itself, as a client reads /api/schema/ (no database needed).
# The Checkout API answers a storefront's secret, not an integration's token: its
# operations are checked with one (tests/test_checkout_api_schema.py).
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).exclude(
    path_regex=r"^/api/checkout/"
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_does_what_its_schema_says(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS.get_all())
