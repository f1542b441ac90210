"""The demo shop page at /shop/: served with DEBUG or SHOP_PAGE, a 404 otherwise,
and clean under the site's CSP (its script and style are files of this site)."""

import json
import re
from pathlib import Path

import pytest

from storefront.shop.views import shop_words

PAGES = ["/shop/", "/shop/return", "/shop/failed"]
SHOP_JS = Path(__file__).parents[1] / "storefront" / "static" / "storefront" / "shop.js"


@pytest.mark.parametrize("url", PAGES)
def test_the_shop_page_is_served_in_debug(client, settings, url):
    settings.DEBUG, settings.SHOP_PAGE = True, False

    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-api="/api/checkout"' in body
    assert "storefront/shop.js" in body and "storefront/shop.css" in body
    # No inline script or style: the CSP would block them.
    assert "<script>" not in body and "style=" not in body and " on" + "click" not in body


@pytest.mark.parametrize("url", PAGES)
def test_the_shop_page_is_a_404_in_production_unless_asked_for(client, settings, url):
    settings.DEBUG, settings.SHOP_PAGE = False, False
    assert client.get(url).status_code == 404

    settings.SHOP_PAGE = True
    assert client.get(url).status_code == 200


def test_the_shop_page_names_which_page_it_is(client, settings):
    settings.DEBUG = True
    assert 'data-page="return"' in client.get("/shop/return").content.decode()
    assert 'data-page="failed"' in client.get("/shop/failed").content.decode()
    assert client.get("/shop/elsewhere").status_code == 404


def words_of(response) -> dict[str, str]:
    match = re.search(
        r'<script id="shop-words" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries its words as JSON data"
    return json.loads(match.group(1))


def test_the_shop_page_carries_its_words_in_the_request_language(client, settings):
    """No JavaScript catalogue: shop.js writes the words the view put through gettext."""
    settings.DEBUG = True

    english = words_of(client.get("/shop/", HTTP_ACCEPT_LANGUAGE="en"))
    swedish = words_of(client.get("/shop/", HTTP_ACCEPT_LANGUAGE="sv"))

    assert english["addToSelection"] == "Add to selection"
    assert english["oneLess"] == "One less %(name)s"
    assert swedish["selectionCount"] == "Varukorg: %(count)s"
    assert swedish.keys() == english.keys()
    assert all(swedish[key] != english[key] for key in ("addToSelection", "total", "oneLess"))


def test_every_word_shop_js_uses_is_on_the_page():
    used = set(re.findall(r"\bWORDS\.(\w+)", SHOP_JS.read_text()))

    assert used == set(shop_words())
