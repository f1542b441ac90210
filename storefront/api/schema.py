"""How /api/schema/ describes the Checkout API: one tag, JSON objects in and out
(the shapes are Centra's; docs/checkout-api.md lists their fields), the session
token header, and each operation's error statuses in the one error shape."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = OpenApiResponse(
    inline_serializer(
        "CheckoutError",
        {
            "token": serializers.CharField(required=False),
            "errors": serializers.DictField(child=serializers.CharField()),
        },
    ),
    description="`errors` keyed by field (dotted when nested).",
)
TOKEN = OpenApiParameter(
    "API-token",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The session token of an earlier answer; `none` for no token and no state.",
)
# What every call may answer: a refused origin or secret, a malformed body, an unknown path.
COMMON = (400, 401, 404, 405, 415)


ACTIONS = {"get": "retrieve", "post": "create", "put": "update", "delete": "destroy"}


class CheckoutSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return ["checkout"]

    def get_operation_id(self) -> str:
        """The path's words with its parameters (`vouchers/{code}`: `vouchers_by_code`),
        so `DELETE vouchers` and `DELETE vouchers/{code}` are two operations."""
        words = [
            f"by_{word[1:-1]}" if word.startswith("{") else word
            for word in self.path.strip("/").split("/")[1:]  # after "api"
        ]
        return "_".join([*words, ACTIONS.get(self.method.lower(), self.method.lower())]).replace(
            "-", "_"
        )

    def get_override_parameters(self):
        return [TOKEN]

    def get_request_serializer(self):
        return None if self.method in ("GET", "DELETE") else OpenApiTypes.OBJECT

    def get_response_serializers(self):
        ok = getattr(self.view, "created_status", 200) if self.method == "POST" else 200
        errors = (*COMMON, *getattr(self.view, "error_statuses", ()))
        answer = OpenApiResponse(OpenApiTypes.OBJECT, description=self.view.__doc__ or "")
        return {ok: answer, **{code: ERROR for code in sorted(set(errors))}}
