"""The Checkout API: a storefront's door to selections and orders, in Centra's shape.

Served at `/api/checkout/` (docs/checkout-api.md): `tokens` (the buyer's session
token), `context` (which storefront, which session), `base` (the views' one error
shape), `body` (the selection as every answer shows it), the views by topic
(`catalogue`, `cart`, `paying`) and `urls`.
"""
