"""Reading what a storefront sends: addresses, e-mail, terms, pages; refusals keyed by field."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from backoffice.services.selections import Address
from catalog.models import MarketCountry
from storefront.api.body import ADDRESS_FIELDS
from storefront.api.context import Refused

TRUE = {"1", "true", "yes", "on"}


def body_of(request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        raise Refused(406, {"body": "send a JSON object"})
    return data


def text(data: dict, key: str, where: str = "") -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise Refused(406, {f"{where}{key}": "must be text"})
    return str(value).strip()


def typed_address(data: dict, key: str) -> dict | None:
    """The address object as sent (known fields, as text), or None when absent."""
    value = data.get(key)
    if value in (None, "", []):
        return None
    if not isinstance(value, dict):
        raise Refused(406, {key: "must be an object"})
    typed = {name: text(value, name, f"{key}.") for name in ADDRESS_FIELDS if name in value}
    if "country" in typed:
        typed["country"] = typed["country"].upper()
        if typed["country"] and not MarketCountry.objects.filter(country=typed["country"]):
            raise Refused(406, {f"{key}.country": "not a country the shop ships to"})
    if typed.get("email"):
        check_email(typed["email"], f"{key}.email")
    return typed


def check_email(email: str, key: str) -> None:
    try:
        validate_email(email)
    except ValidationError:
        raise Refused(406, {key: "not a valid e-mail address"}) from None


def address(typed: dict) -> Address:
    name = " ".join(part for part in (typed.get("firstName"), typed.get("lastName")) if part)
    street = ", ".join(part for part in (typed.get("address1"), typed.get("address2")) if part)
    return Address(
        name=name,
        street=street,
        city=typed.get("city", ""),
        zipcode=typed.get("zipCode", ""),
        country=typed.get("country", ""),
    )


def accepted(value) -> bool:
    """`termsAndConditions`: true, 1 or "1" (Centra's example shop sends "1")."""
    return value is True or value == 1 or (isinstance(value, str) and value.lower() in TRUE)


def absolute_url(data: dict, key: str, *, required: bool) -> str:
    url = text(data, key)
    if not url and not required:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refused(406, {key: "must be an absolute http(s) URL"})
    return url
