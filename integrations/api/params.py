"""Query parameters, declared once: what the schema says of each, and the check that
holds every request to it.

An API's address is written by programs that may be wrong or hostile, so every
parameter may hold anything: NUL bytes, thousands of digits, "²", a date that does
not exist. Each endpoint declares its parameters here; `check_query` refuses, with
one sentence and before any query, whatever the declaration does not allow, so the
filters behind it (`OrderFilterSet`, the shipments' own) only ever read values
they can use, and the OpenAPI schema (`openapi`) says exactly what is accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from core.admin.changelist import MAX_BIGINT, MAX_PARAMETER_LENGTH, exact_number
from core.money import read_amount

# A money amount as a column holds it: at most 12 whole digits and 2 decimals.
# What `core.money.read_amount` reads without a currency (two places), and nothing else.
MONEY_PATTERN = r"^ *[0-9]{1,12}(\.[0-9]{1,2})? *$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# Text without NUL (PostgreSQL refuses it in text) or other control characters.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


@dataclass(frozen=True)
class Param:
    """One query parameter: its name, its JSON schema, and how it is checked."""

    name: str
    schema: dict
    description: str = ""
    many: bool = False
    check: object = field(default=None, repr=False)  # (value) -> sentence or None

    def refusal(self, values: list[str]) -> str | None:
        if not self.many and len(values) > 1:
            return f"Give {self.name} once."
        for value in values:
            if len(value) > MAX_PARAMETER_LENGTH:
                return f"{self.name} is too long."
            sentence = self.check(value)
            if sentence:
                return sentence
        return None

    @property
    def full_schema(self) -> dict:
        return {"type": "array", "items": self.schema} if self.many else self.schema

    def as_dict(self) -> dict:
        """As an OpenAPI parameter object (what a paginator's schema method returns)."""
        found = {"name": self.name, "in": "query", "required": False, "schema": self.full_schema}
        if self.many:
            found |= {"style": "form", "explode": True}
        return found | ({"description": self.description} if self.description else {})

    def openapi(self) -> OpenApiParameter:
        schema = self.full_schema
        return OpenApiParameter(
            self.name,
            type=schema,
            location=OpenApiParameter.QUERY,
            description=self.description,
            explode=True if self.many else None,
        )


def number(name: str, *, low: int = 1, high: int = MAX_BIGINT, description: str = "") -> Param:
    def check(value: str) -> str | None:
        found = exact_number(value)
        if found is None or not low <= found <= high:
            return f"{name} must be a whole number from {low} to {high}."
        return None

    schema = {"type": "integer", "minimum": low, "maximum": high}
    return Param(name, schema, description, check=check)


def choice(name: str, values: list, *, many: bool = False, description: str = "") -> Param:
    allowed = [str(value) for value in values]
    kind = "integer" if all(isinstance(value, int) for value in values) else "string"

    def check(value: str) -> str | None:
        if value not in allowed:
            return f"{name} must be one of: {', '.join(allowed)}."
        return None

    return Param(name, {"type": kind, "enum": list(values)}, description, many, check)


def boolean(name: str, *, description: str = "") -> Param:
    def check(value: str) -> str | None:
        return None if value in ("true", "false") else f"{name} must be true or false."

    return Param(name, {"type": "boolean"}, description, check=check)


def day(name: str, *, description: str = "") -> Param:
    def check(value: str) -> str | None:
        try:
            if re.fullmatch(DATE_PATTERN, value) and date.fromisoformat(value):
                return None
        except ValueError:
            pass
        return f"{name} must be a date written YYYY-MM-DD."

    return Param(name, {"type": "string", "format": "date"}, description, check=check)


def money(name: str, *, description: str = "") -> Param:
    def check(value: str) -> str | None:
        # The one reader of typed amounts says what is wrong; the pattern, which
        # the schema publishes, keeps what it accepts exactly what is declared.
        try:
            read_amount(value)
        except ValueError as error:
            return f"{name}: {error}"
        if re.fullmatch(MONEY_PATTERN, value):
            return None
        return f"{name} must be an amount like 120 or 99.95."

    return Param(name, {"type": "string", "pattern": MONEY_PATTERN}, description, check=check)


def text(name: str, *, max_length: int, description: str = "") -> Param:
    def check(value: str) -> str | None:
        if len(value) > max_length or not re.fullmatch(TEXT_PATTERN, value):
            return f"{name} must be at most {max_length} characters, without control characters."
        return None

    schema = {"type": "string", "maxLength": max_length, "pattern": TEXT_PATTERN}
    return Param(name, schema, description, check=check)


def pattern(name: str, regex: str, *, what: str, description: str = "") -> Param:
    def check(value: str) -> str | None:
        return None if re.fullmatch(regex, value) else f"{name} must be {what}."

    return Param(name, {"type": "string", "pattern": regex}, description, check=check)


def check_query(query, params: list[Param]) -> None:
    """Refuse the request (400, one sentence) unless it carries only declared
    parameters, each holding what its declaration allows. An unknown one is refused,
    not ignored: `?stauts=held` would otherwise list every order."""
    declared = {param.name for param in params}
    unknown = [name for name in query if name not in declared]
    if unknown:
        raise ValidationError(f"Unknown query parameter: “{shown(unknown[0])}”.")
    for param in params:
        values = query.getlist(param.name)
        if not values:
            continue
        sentence = param.refusal(values)
        if sentence:
            raise ValidationError(sentence)


def shown(name: str) -> str:
    """A name as typed, safe to say back: printable characters, at most 40."""
    printable = "".join(c if c.isprintable() else "?" for c in name[:40])
    return printable + ("…" if len(name) > 40 else "")


def openapi(params: list[Param]) -> list[OpenApiParameter]:
    return [param.openapi() for param in params]
