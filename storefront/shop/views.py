"""Serves the shop page; the page itself only talks to /api/checkout/.

The page is a demonstration, not a product: it is served with DEBUG on (the
demo's runserver) or when SHOP_PAGE is set, and is a 404 otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

# What the page shows first: the catalogue, the receipt after the provider's
# return, or the catalogue with an error after a declined payment.
PAGES = ("shop", "return", "failed")


def shop_page(request: HttpRequest, page: str = "shop") -> HttpResponse:
    if not (settings.DEBUG or settings.SHOP_PAGE) or page not in PAGES:
        raise Http404("The shop page is off: set SHOP_PAGE=true to serve it.")
    return render(request, "storefront/shop.html", {"page": page, "api": "/api/checkout"})
