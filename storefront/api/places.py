"""Countries, languages and the selection's location, as the Checkout API lists them."""

from __future__ import annotations

from django.conf import settings

from catalog.models import MarketCountry
from storefront.models import Storefront

# The names the API shows; a country not named here shows its code.
COUNTRY_NAMES = {
    "AT": "Austria", "BE": "Belgium", "CH": "Switzerland", "DE": "Germany", "DK": "Denmark",
    "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom", "IE": "Ireland",
    "IT": "Italy", "NL": "Netherlands", "NO": "Norway", "PL": "Poland", "PT": "Portugal",
    "SE": "Sweden", "US": "United States", "CA": "Canada", "AU": "Australia", "JP": "Japan",
}  # fmt: skip
EU = frozenset(
    ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
     "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]
)  # fmt: skip
# Language codes a storefront may choose and their names (settings.CHECKOUT_LANGUAGES).
DEFAULT_LANGUAGES = {"en": "English", "sv": "Svenska", "de": "Deutsch", "da": "Dansk"}


def languages() -> dict[str, str]:
    return getattr(settings, "CHECKOUT_LANGUAGES", None) or DEFAULT_LANGUAGES


def language_list(storefront: Storefront) -> list[dict]:
    return [
        {"language": code, "name": name, "default": code == storefront.language}
        for code, name in languages().items()
    ]


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def country_rows(storefront: Storefront) -> list[dict]:
    """Every country a market ships to, with its market, pricelist and currency."""
    rows = MarketCountry.objects.select_related("market__pricelist").order_by("country")
    return [
        {
            "country": row.country,
            "name": country_name(row.country),
            "eu": row.country in EU,
            "shipTo": True,
            "language": storefront.language,
            "currency": row.market.pricelist.currency,
            "market": row.market.code,
            "pricelist": row.market.pricelist.name,
            "states": [],
        }
        for row in rows
    ]


def location(order, storefront: Storefront) -> dict:
    country = order.shipping_country
    return {
        "country": country,
        "name": country_name(country),
        "state": "",
        "stateName": "",
        "eu": country in EU,
        "shipTo": bool(country),
        "language": order.language or storefront.language,
        "market": order.market,
        "pricelist": order.pricelist,
    }
