"""Serves the shop page; the page itself only talks to /api/checkout/.

The page is a demonstration, not a product: it is served with DEBUG on (the
demo's runserver) or when SHOP_PAGE is set, and is a 404 otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# What the page shows first: the catalogue, the receipt after the provider's
# return, or the catalogue with an error after a declined payment.
PAGES = ("shop", "return", "failed")


def shop_words() -> dict[str, str]:
    """The words shop.js writes, in the active language.

    No JavaScript catalogue: the page carries them as JSON (`json_script`, data the
    CSP lets through as it is never run) and shop.js fills the named placeholders
    itself (its `fill`). The Checkout API's own sentences stay as the API wrote them.
    """
    return {
        # Errors the page finds itself, not the API.
        "networkError": _("The shop could not reach the server."),
        # Translators: an HTTP status code, as in "The server answered 502."
        "serverAnswered": _("The server answered %(status)s."),
        # Translators: a product that ran out, as in "Organic tee (2 left)".
        "productLeft": _("%(product)s (%(available)s left)"),
        # Translators: the products are "Organic tee (2 left), Wool cap (0 left)".
        "notEnoughStock": _("Not enough in stock, so your selection was changed: %(products)s."),
        "paymentStillOpen": _(
            "Your payment is still open at the payment page: approve or decline it there "
            "before changing your selection."
        ),
        "backToPaymentPage": _("Back to the payment page"),
        # The catalogue.
        "productsNotLoaded": _("The products could not be loaded."),
        # Translators: a size or variant a shopper cannot choose, as in "M (sold out)".
        "soldOut": _("%(name)s (sold out)"),
        "addToSelection": _("Add to selection"),
        "added": _("Added ✓"),
        # Translators: the label of a product's size menu, read by screen readers.
        "sizeOf": _("Size of %(name)s"),
        "notAdded": _("That could not be added."),
        # The selection.
        "selectionNotLoaded": _("Your selection could not be loaded."),
        # Translators: the label of the "−" button of a line, read by screen readers.
        "oneLess": _("One less %(name)s"),
        # Translators: the label of the "+" button of a line, read by screen readers.
        "oneMore": _("One more %(name)s"),
        # Translators: a line's price for one, as in "299.00 SEK each".
        "priceEach": _("%(price)s each"),
        "selectionNotChanged": _("Your selection could not be changed."),
        "selectionCount": _("Selection: %(count)s"),
        # The totals.
        "itemsBeforeDiscount": _("Items before discount"),
        # Translators: the products' total price, in a selection's totals.
        "items": _("Items"),
        "discount": _("Discount"),
        "shipping": _("Shipping"),
        # Translators: the handling cost, in a selection's totals.
        "handling": _("Handling"),
        "taxIncluded": _("Tax included"),
        # Translators: the grand total, in a selection's totals.
        "total": _("Total"),
        # Vouchers.
        "remove": _("Remove"),
        "voucherNotRemoved": _("The voucher could not be removed."),
        # Translators: as in "Voucher WELCOME10 applied: 95.20 SEK".
        "voucherApplied": _("Voucher %(code)s applied: %(amount)s"),
        "noSuchVoucher": _("There is no voucher %(code)s."),
        "voucherNotUsed": _("That voucher could not be used."),
        "countryNotChosen": _("That country could not be chosen."),
        # Paying, and the receipt.
        "fillEveryField": _("Please fill in every field and accept the terms."),
        "paymentNotStarted": _("The payment could not be started."),
        "paymentNotConfirmed": _("The payment could not be confirmed."),
        "selectionStillHere": _("Your selection is still here."),
        "paymentDeclined": _(
            "The payment was declined, and no order was placed. Your selection is still here."
        ),
        "backToCheckout": _("Back to checkout"),
        "receiptFor": _("Receipt for %(email)s."),
        # Translators: the browser tab's title on the receipt.
        "receiptTitle": _("Order %(number)s · Demo shop"),
    }


def shop_page(request: HttpRequest, page: str = "shop") -> HttpResponse:
    if not (settings.DEBUG or settings.SHOP_PAGE) or page not in PAGES:
        raise Http404("The shop page is off: set SHOP_PAGE=true to serve it.")
    context = {"page": page, "api": "/api/checkout", "shop_words": shop_words()}
    return render(request, "storefront/shop.html", context)
