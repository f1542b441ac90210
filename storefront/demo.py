"""The demo's storefront: `manage.py demo` makes "demo-shop", which /shop/ buys through.

The demo is built by the back office, below this package, so it announces its
steps (`backoffice.demo.build.demo_built`, `demo_resetting`) and the storefront
answers here; connected in `StorefrontConfig.ready`.
"""

from __future__ import annotations

from catalog.models import Market
from storefront.models import Storefront

NAME = "demo-shop"
# Client-side mode (no secret: a browser keeps none), from any origin. The page's
# own same-origin GETs (selection, receipt) carry no Origin header, which an
# origin list would refuse; the demo runs on a developer's machine.
ORIGINS = ()


def make_demo_storefront(**_) -> str:
    Storefront.objects.get_or_create(
        name=NAME,
        defaults={
            "market": Market.objects.get(code="EU"),
            "language": "en",
            "allowed_origins": "\n".join(ORIGINS),
        },
    )
    return (
        f"\nThe storefront {NAME!r} sells the demo's catalogue: buy in a browser at "
        "/shop/ (card payments go to the test provider, which approves or declines)."
    )


def delete_storefronts(**_) -> None:
    # Every storefront stands on a market, and the reset deletes the markets.
    Storefront.objects.all().delete()
