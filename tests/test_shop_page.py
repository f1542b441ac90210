"""The demo shop page at /shop/: served with DEBUG or SHOP_PAGE, a 404 otherwise,
and clean under the site's CSP (its script and style are files of this site)."""

import pytest

PAGES = ["/shop/", "/shop/return", "/shop/failed"]


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
