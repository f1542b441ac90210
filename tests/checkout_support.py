"""A storefront, a small catalogue and a client that speaks the Checkout API."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.test import Client

from catalog.models import Category, ShippingMethod
from storefront.api.tokens import new_secret
from storefront.models import Storefront
from tests.catalog_support import make_item, make_market

BASE = "/api/checkout/"


def make_shop(*, origins: str = "") -> SimpleNamespace:
    """Market WEB (EUR, Sweden 25 %, Standard 4.90 and Express 9.90), US (USD),
    two products in a category, a storefront `web` with a secret."""
    web = make_market(code="WEB", currency="EUR", countries=("SE", "DE"), tax="25.00")
    us = make_market(code="US", currency="USD", countries=("US",), tax="0.00", shipping="7.00")
    ShippingMethod.objects.create(market=web, name="Express", price="9.90")
    tee = make_item("TEE-M", prices={web.pricelist: "29.90", us.pricelist: "32.00"})
    cap = make_item("CAP-ONE", prices={web.pricelist: "35.00"}, name="Cap")
    shelf = Category.objects.create(name="Tops", uri="tops")
    tee.product.categories.add(shelf)
    cap.product.categories.add(shelf)
    secret, hashed = new_secret()
    storefront = Storefront.objects.create(
        name="web", market=web, secret_hash=hashed, allowed_origins=origins
    )
    return SimpleNamespace(web=web, us=us, tee=tee, cap=cap, storefront=storefront, secret=secret)


class Api:
    """Calls as a storefront does: JSON bodies, the token sent back as `API-token`."""

    def __init__(self, *, secret: str = "", origin: str = ""):
        self.client = Client()
        self.secret = secret
        self.origin = origin
        self.token = ""

    def call(self, method: str, path: str, body=None, *, token: str | None = None, **headers):
        if self.secret:
            headers.setdefault("Authorization", f"Bearer {self.secret}")
        if self.origin:
            headers.setdefault("Origin", self.origin)
        sent = self.token if token is None else token
        if sent:
            headers.setdefault("API-token", sent)
        response = self.client.generic(
            method,
            BASE + path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=headers,
        )
        data = response.json() if response.content else {}
        if isinstance(data, dict) and data.get("token") and token is None:
            self.token = data["token"]
        response.data = data
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, body=None, **kw):
        return self.call("DELETE", path, body, **kw)
