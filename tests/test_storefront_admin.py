"""Storefronts: made by `manage.py create_storefront` (the secret printed once), kept in
the admin, where the secret is never shown and "Set a new secret" shows the new one once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from storefront.api.tokens import digest
from storefront.models import Storefront
from tests.admin_support import messages_of
from tests.catalog_support import make_market

pytestmark = pytest.mark.django_db


def test_create_storefront_prints_the_secret_once_and_stores_its_hash():
    make_market(code="WEB")
    out = StringIO()

    call_command(
        "create_storefront", "web", "--market", "WEB", "--origin", "https://shop.test", stdout=out
    )

    secret = out.getvalue().strip().splitlines()[-1]
    storefront = Storefront.objects.get()
    assert storefront.secret_hash == digest(secret) and secret not in storefront.secret_hash
    assert (storefront.name, storefront.market.code, storefront.allowed_origins) == (
        "web",
        "WEB",
        "https://shop.test",
    )


def test_create_storefront_refuses_an_unknown_market_or_a_taken_name():
    make_market(code="WEB")
    with pytest.raises(CommandError, match="Market NOPE is not in the catalogue"):
        call_command("create_storefront", "web", "--market", "NOPE", stdout=StringIO())
    call_command("create_storefront", "web", "--market", "WEB", stdout=StringIO())
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_storefront", "web", "--market", "WEB", stdout=StringIO())
    assert Storefront.objects.count() == 1


def test_the_admin_never_shows_the_secret_and_sets_a_new_one_once(admin_client):
    storefront = Storefront.objects.create(
        name="web", market=make_market(code="WEB"), secret_hash=digest("old")
    )

    page = admin_client.get(f"/admin/storefront/storefront/{storefront.pk}/change/")
    assert page.status_code == 200 and digest("old") not in page.content.decode()
    response = admin_client.post(
        "/admin/storefront/storefront/",
        {"action": "set_new_secret", "_selected_action": [storefront.pk]},
    )

    (message,) = messages_of(response)
    secret = message.rsplit(": ", 1)[1]
    storefront.refresh_from_db()
    assert storefront.secret_hash == digest(secret) != digest("old")
