"""Token authentication per integration, and the actor an integration acts as."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from core.actors import process
from integrations.tokens import integration_for_token
from outbox.models import Integration


class IntegrationPrincipal:
    """`request.user` for an integration: authenticated, and nothing else."""

    is_authenticated = True
    is_active = True
    is_staff = False

    def __init__(self, integration: Integration):
        self.integration = integration
        self.username = f"integration:{integration.name}"

    def __str__(self) -> str:
        return self.username


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`, the token shown once when it was made."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        integration = integration_for_token(header[1])
        if integration is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        return IntegrationPrincipal(integration), integration

    def authenticate_header(self, request):
        # Makes a missing token a 401 (with this challenge), not a 403.
        return self.keyword


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes the token (registered by being defined)."""

    target_class = IntegrationTokenAuthentication
    name = "integrationToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}


class IsIntegration(permissions.BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Integration)


def actor_for(integration: Integration) -> str:
    """`integration:<name>`, limited to its staff group's permissions (none without one)."""
    granted = (
        integration.group.permissions.values_list("content_type__app_label", "codename")
        if integration.group_id
        else []
    )
    return process(
        "integration",
        integration.name,
        permissions=frozenset(f"{app_label}.{codename}" for app_label, codename in granted),
    )
