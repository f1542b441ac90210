"""Dates in the reader's own time zone.

The browser says which zone it is in (static/centra/timezone.js keeps it in the
`centra_tz` cookie); each request is rendered in that zone, so a customer-service
agent in Stockholm and one in New York each read their own clock. Without the
cookie, or with a name that is no time zone, the site's TIME_ZONE applies.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

COOKIE = "centra_tz"


def zone_named(name: str) -> ZoneInfo | None:
    if not name or len(name) > 64 or not all(c.isalnum() or c in "/_+-" for c in name):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = zone_named(request.COOKIES.get(COOKIE, ""))
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)
