"""What every API view shares: JSON in and out, one error shape, checked parameters,
keyset pages that refuse a tampered cursor.

Every refusal is `{"detail": "<one sentence>"}`: a service's sentence (403, 409),
a serializer's field errors joined into one (400), DRF's own (401, 404, 405, 415).
"""

from __future__ import annotations

import re

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.admin.changelist import exact_number
from core.errors import DomainError, NotPermitted
from integrations.api import params as p

ERROR = inline_serializer("Error", {"detail": serializers.CharField()})
# Before or after a position (a whole number of at most 18 digits, within a bigint),
# and how many rows of that position to skip.
CURSOR_PATTERN = r"^([ab])([0-9]{1,18})?(?:[.]([0-9]{1,4}))?$"
BAD_CURSOR = "The cursor is not one this API gave out: start again from the first page."
# What every operation may answer besides its own: no or a wrong token, a broken request.
COMMON_ERRORS = {400: ERROR, 401: ERROR}


def errors(*codes: int) -> dict:
    """The error responses of an operation, for its schema."""
    return {**COMMON_ERRORS, **{code: ERROR for code in codes}}


def sentence_of(detail, prefix: str = "") -> str:
    """A serializer's errors (nested dicts and lists) as one line: "carrier: This field …"."""
    if isinstance(detail, dict):
        return " ".join(sentence_of(value, _where(prefix, key)) for key, value in detail.items())
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return " ".join(f"{prefix.rstrip('.')}: {item}" if prefix else item for item in detail)
        return " ".join(
            sentence_of(item, f"{prefix.rstrip('.')}[{index}].")
            for index, item in enumerate(detail)
            if item
        )
    return f"{prefix.rstrip('.')}: {detail}" if prefix else str(detail)


def _where(prefix: str, key) -> str:
    """The path to a field: "lines[0].quantity." (a list field's errors are keyed by index)."""
    if key == api_settings.NON_FIELD_ERRORS_KEY:
        return prefix
    if isinstance(key, int):
        return f"{prefix.rstrip('.')}[{key}]."
    return f"{prefix}{key}."


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = {"detail": sentence_of(exc.detail)}
    return response


def refusal_response(error: DomainError) -> Response:
    code = (
        status.HTTP_403_FORBIDDEN if isinstance(error, NotPermitted) else status.HTTP_409_CONFLICT
    )
    return Response({"detail": str(error)}, status=code)


class ApiSchema(AutoSchema):
    def _get_request_body(self, direction="request"):
        # Every body this API reads is required: without one, nothing says what to do.
        body = super()._get_request_body(direction)
        return body and {**body, "required": True}


class ApiMixin:
    """For every API view: JSON bodies only, the one error shape, parameters checked."""

    parser_classes = [JSONParser]
    schema = ApiSchema()
    query_params: list[p.Param] = []  # an APIView's
    list_params: list[p.Param] = []  # a viewset's list filters (its pages' come with them)

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if hasattr(self, request.method.lower()):  # otherwise DRF's 405 says it all
            p.check_query(request.query_params, self.params_read(request))

    def params_read(self, request) -> list[p.Param]:
        if getattr(self, "action", None) != "list":
            return self.query_params
        paginator = getattr(self, "paginator", None)
        return [*self.list_params, *(paginator.params if paginator is not None else [])]


class KeysetPagination(CursorPagination):
    """Keyset pages on a unique whole-number column: fast at any depth, stable while
    rows are added. A page size out of bounds or a tampered cursor is a 400.

    The cursor is written plainly, `a1042` (after order 1042) or `b1042.2` (before
    it, skipping 2 rows of the same position), so the schema can say exactly which
    cursors exist and every other one is refused by the same pattern.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100
    offset_cutoff = 1000

    @property
    def params(self) -> list[p.Param]:
        return [
            p.number("page_size", high=self.max_page_size, description="Default 50."),
            p.pattern(
                "cursor",
                CURSOR_PATTERN,
                what="a cursor from a `next` or `previous` link",
                description="From the `next` or `previous` link.",
            ),
        ]

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        return self.page_size if raw is None else exact_number(raw)  # checked by `params`

    def encode_cursor(self, cursor: Cursor) -> str:
        token = "b" if cursor.reverse else "a"
        token += "" if cursor.position is None else str(cursor.position)
        token += f".{cursor.offset}" if cursor.offset else ""
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def decode_cursor(self, request) -> Cursor | None:
        token = request.query_params.get(self.cursor_query_param)
        if token is None:
            return None
        found = re.fullmatch(CURSOR_PATTERN, token)
        if found is None:
            raise ValidationError(BAD_CURSOR)
        direction, position, offset = found.groups()
        return Cursor(
            offset=min(int(offset or 0), self.offset_cutoff),
            reverse=direction == "b",
            position=position,
        )

    def get_schema_operation_parameters(self, view):
        return [param.as_dict() for param in self.params]


class NotFoundView(ApiMixin, APIView):
    """Any other address under /api/ (a path parameter no route reads): JSON, after
    the token is checked, like every API answer."""

    schema = None  # not an operation

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound
