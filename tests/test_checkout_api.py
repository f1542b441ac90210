"""The Checkout API's cart: every call answers the whole selection in Centra's shape."""

from __future__ import annotations

import pytest

from tests.checkout_support import Api, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def api(shop):
    return Api(secret=shop.secret)


def test_smoke(api):
    r = api.get("selection")
    assert r.status_code == 200, r.data
    r = api.post("items/TEE-M")
    assert r.status_code == 201, r.data
    print(r.data)
