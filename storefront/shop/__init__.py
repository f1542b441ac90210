"""The minimal storefront page at /shop/: a static page and one script that buy
through the Checkout API in client-side mode, as a shop's own site would."""
