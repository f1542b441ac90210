"""The Checkout API's routes, under /api/checkout/, without trailing slashes.

Its own catch-all answers every other address here with Centra's 404, so no path
is ever redirected (a 301 from APPEND_SLASH would break every POST).
"""

from django.urls import path, re_path

from storefront.api import cart, catalogue, paying
from storefront.api.base import NotFoundView

urlpatterns = [
    path("selection", cart.SelectionView.as_view(), name="checkout-selection"),
    path("items/<str:item>", cart.ItemView.as_view(), name="checkout-item"),
    path(
        "items/<str:item>/quantity/<int:quantity>",
        cart.ItemView.as_view(),
        name="checkout-item-quantity",
    ),
    path("lines/<str:line>", cart.LineView.as_view(), name="checkout-line"),
    path(
        "lines/<str:line>/quantity/<int:quantity>",
        cart.LineQuantityView.as_view(),
        name="checkout-line-quantity",
    ),
    path("countries", catalogue.CountriesView.as_view(), name="checkout-countries"),
    path(
        "countries/all",
        catalogue.CountriesView.as_view(),
        {"every": True},
        name="checkout-countries-all",
    ),
    path("countries/<str:country>", cart.CountryView.as_view(), name="checkout-country"),
    path("languages", catalogue.LanguagesView.as_view(), name="checkout-languages"),
    path("languages/<str:language>", cart.LanguageView.as_view(), name="checkout-language"),
    path(
        "shipping-methods/<str:method>",
        cart.ShippingMethodView.as_view(),
        name="checkout-shipping-method",
    ),
    path(
        "payment-methods/<str:method>",
        cart.PaymentMethodView.as_view(),
        name="checkout-payment-method",
    ),
    path("payment-fields", cart.PaymentFieldsView.as_view(), name="checkout-payment-fields"),
    path("vouchers", cart.VouchersView.as_view(), name="checkout-vouchers"),
    path("vouchers/<str:code>", cart.VoucherView.as_view(), name="checkout-voucher"),
    path("markets", catalogue.MarketsView.as_view(), name="checkout-markets"),
    path("pricelists", catalogue.PricelistsView.as_view(), name="checkout-pricelists"),
    path("categories", catalogue.CategoriesView.as_view(), name="checkout-categories"),
    path("uri", catalogue.UriView.as_view(), name="checkout-uri"),
    path("products", catalogue.ProductsView.as_view(), name="checkout-products"),
    path("payment", paying.PaymentView.as_view(), name="checkout-payment"),
    path("payment-result", paying.PaymentResultView.as_view(), name="checkout-payment-result"),
    path("receipt", paying.ReceiptView.as_view(), name="checkout-receipt"),
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="checkout-not-found"),
]
