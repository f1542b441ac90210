"""The Checkout API does what /api/schema/ says: schemathesis generates requests for
its operations and sends them with a storefront's secret; every check it has runs on
each answer (no 5xx, documented statuses and content types, matching shapes)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS

from tests.checkout_support import make_shop
from tests.test_order_api_schema import connection_kept  # noqa: F401 (a fixture)

EXAMPLES_PER_OPERATION = 10
# Every check but "a schema-valid request is accepted": a cart's refusals depend on
# its state (an empty selection cannot be paid: 406), which no schema says.
CHECKED = [check for check in CHECKS.get_all() if check.__name__ != "positive_data_acceptance"]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(
    path_regex=r"^/api/checkout/"
)


@pytest.fixture
def secret(db, connection_kept) -> str:  # noqa: F811
    return make_shop().secret


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_checkout_api_does_what_its_schema_says(case, secret):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKED)


def test_the_schema_describes_every_checkout_route_without_a_warning():
    """drf-spectacular's warnings are `check --deploy` warnings, which fail CI."""
    from django.core.checks import run_checks
    from django.urls import URLPattern, get_resolver
    from django.urls.resolvers import RoutePattern
    from drf_spectacular.generators import SchemaGenerator

    warnings = [m for m in run_checks(include_deployment_checks=True) if "drf_spectacular" in m.id]
    paths = [p for p in SchemaGenerator().get_schema(public=True)["paths"] if "/checkout/" in p]
    routes = [
        p
        for p in get_resolver("storefront.api.urls").url_patterns
        if isinstance(p, URLPattern) and isinstance(p.pattern, RoutePattern)
    ]
    assert warnings == []
    assert len(paths) == len(routes)  # every route but the catch-all
