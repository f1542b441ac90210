"""Request bodies read strictly: what the schema says, nothing DRF would coerce.

DRF takes "5" for an integer, 5 for a text, "yes" for a boolean and unknown keys
silently; a client that sends them has a bug the API should name, and the schema
(which says integer, string, boolean, no other properties) must be the truth.
Text that must say something is checked by one pattern, the same one the schema
carries, so a reason of spaces is refused alike by both.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from core.admin.changelist import MAX_BIGINT

# Some character that is not white space or a control character (Python's
# `str.isspace` set, spelled out so JSON Schema's regex reads it alike), and no
# control characters anywhere.
VISIBLE = r"[^\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
NON_BLANK = rf"^[^\x00-\x1f\x7f]*{VISIBLE}[^\x00-\x1f\x7f]*$"
NO_NUL = r"^[^\x00]*$"
# An amount typed in the order's currency, zero or more (the service checks its decimals).
AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
MAX_QUANTITY = 2**31 - 1


class JsonTyped:
    """Refuses a value whose JSON type is not the field's (booleans are not integers)."""

    json_types: tuple[type, ...] = ()
    json_name = ""

    def to_internal_value(self, data):
        if type(data) not in self.json_types:
            raise serializers.ValidationError(f"Must be {self.json_name}.")
        return super().to_internal_value(data)


class Integer(JsonTyped, serializers.IntegerField):
    json_types, json_name = (int,), "a whole number"


class Boolean(JsonTyped, serializers.BooleanField):
    json_types, json_name = (bool,), "true or false"


@extend_schema_field({"type": "boolean", "enum": [True]})
class IsTrue(Boolean):
    def to_internal_value(self, data):
        if super().to_internal_value(data) is not True:
            raise serializers.ValidationError("Must be true.")
        return True


@extend_schema_field({"type": "boolean", "enum": [False]})
class IsFalse(Boolean):
    def to_internal_value(self, data):
        if super().to_internal_value(data) is not False:
            raise serializers.ValidationError("Must be false.")
        return False


class Text(JsonTyped, serializers.CharField):
    """A string as sent (no trimming), never with a NUL (no text column holds one)."""

    json_types, json_name = (str,), "a string"

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("validators", [RegexValidator(NO_NUL, "Must not hold a NUL character.")])
        super().__init__(**kwargs)


class Sentence(Text):
    """Text that says something: refused when blank, stored without the spaces around it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [RegexValidator(NON_BLANK, "Must not be blank.")])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data).strip()


class Amount(Text):
    """Money as a string ("12.50"), never a float."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [RegexValidator(AMOUNT, "Must be an amount like 12.50.")])
        super().__init__(**kwargs)


class Choice(JsonTyped, serializers.ChoiceField):
    json_types, json_name = (str,), "one of the choices"


class Uuid(JsonTyped, serializers.UUIDField):
    json_types, json_name = (str,), "a UUID string"


class Day(JsonTyped, serializers.DateField):
    json_types, json_name = (str,), "a date written YYYY-MM-DD"


def object_id(**kwargs) -> Integer:
    return Integer(min_value=1, max_value=MAX_BIGINT, **kwargs)


def quantity(**kwargs) -> Integer:
    return Integer(min_value=1, max_value=MAX_QUANTITY, **kwargs)


class StrictSerializer(serializers.Serializer):
    """An object with these properties and no others; those required are required on
    PATCH too (a PATCH here is one change, not a partial object)."""

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in set(data) - set(self.fields))
            if unknown:
                sentence = f"Unknown field: {', '.join(unknown)[:100]}."
                raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [sentence]})
        return super().to_internal_value(data)


class StrictSerializerSchema(OpenApiSerializerExtension):
    """Says so in the schema: `additionalProperties: false` (registered by being defined)."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}
