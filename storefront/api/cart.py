"""The cart: the selection, its items and lines, its country, language, shipping,
payment method and checkout fields. Every call answers the whole selection."""

from __future__ import annotations

from rest_framework.request import Request

from backoffice.services import selections as s
from catalog.models import Item, MarketCountry
from catalog.selectors import market_of, voucher_in
from core.errors import DomainError
from payments.hosted import checkout_method
from storefront.api import fields as f
from storefront.api import places
from storefront.api.base import CheckoutView
from storefront.api.body import method_id
from storefront.api.context import Refused


class SelectionView(CheckoutView):
    def get(self, request: Request):
        return self.answer()

    def put(self, request: Request):
        """Server-side: the selection's market, pricelist, country and language."""
        if not self.checkout.server_side:
            raise Refused(401, {"authorization": "this call needs the storefront's secret"})
        data = f.body_of(request)
        market = f.text(data, "market") or self.checkout.storefront.market.code
        language = f.text(data, "language")
        self._check_language(language)
        self.change(
            s.set_location,
            field="market",
            market=market,
            pricelist=f.text(data, "pricelist"),
            country=f.text(data, "country").upper(),
            language=language,
        )
        return self.answer()

    @staticmethod
    def _check_language(language: str) -> None:
        if language and language not in places.languages():
            raise Refused(406, {"language": "not found"})


class ItemView(CheckoutView):
    """Add units of an item (its SKU) to the selection: 201 and the selection."""

    created_status = 201

    def post(self, request: Request, item: str, quantity: int = 1):
        found = Item.objects.filter(sku=item, is_active=True, product__is_active=True).exists()
        if not found:
            raise Refused(404, {"item": "product item not found"})
        if quantity < 1:
            raise Refused(406, {"quantity": "must be 1 or more"})
        self.change(s.add_item, field="item", sku=item, quantity=quantity)
        return self.answer(status_code=201)


class LineView(CheckoutView):
    """`DELETE lines/{line}`: remove the line."""

    def delete(self, request: Request, line: str):
        return change_line(self, line, s.remove_line)


class LineQuantityView(CheckoutView):
    """`lines/{line}/quantity/{n}`: PUT sets, POST raises, DELETE lowers (0 removes)."""

    def put(self, request: Request, line: str, quantity: int):
        return change_line(self, line, s.set_line_quantity, quantity=quantity)

    def post(self, request: Request, line: str, quantity: int):
        return change_line(self, line, s.change_line_quantity, change=quantity)

    def delete(self, request: Request, line: str, quantity: int):
        return change_line(self, line, s.change_line_quantity, change=-quantity)


def change_line(view: CheckoutView, line: str, service, **kwargs):
    order = view.checkout.selection()
    if order is None or not line.isdigit() or not order.lines.filter(pk=int(line)).exists():
        raise Refused(404, {"line": "not found"})
    view.change(service, field="quantity", line_id=int(line), **kwargs)
    return view.answer()


class CountryView(CheckoutView):
    def put(self, request: Request, country: str):
        country = country.upper()
        if not MarketCountry.objects.filter(country=country).exists():
            raise Refused(404, {"country": "not found"})
        language = f.text(f.body_of(request), "language")
        SelectionView._check_language(language)
        self.change(s.set_country, field="country", country=country, language=language)
        return self.answer()


class LanguageView(CheckoutView):
    def put(self, request: Request, language: str):
        if language not in places.languages():
            raise Refused(404, {"language": "not found"})
        self.change(s.set_language, field="language", language=language)
        return self.answer()


class ShippingMethodView(CheckoutView):
    def put(self, request: Request, method: str):
        name = shipping_name(self.checkout.open_selection(), method)
        self.change(s.set_shipping_method, field="shippingMethod", name=name)
        return self.answer()


def shipping_name(order, wanted: str) -> str:
    """The name of the selection's market's method whose id (slug) is `wanted`; 404 if none."""
    named = {method_id(m): m.name for m in market_of(order.market).shipping_methods.all()}
    if wanted not in named:
        raise Refused(404, {"shippingMethod": "not found"})
    return named[wanted]


class PaymentMethodView(CheckoutView):
    def put(self, request: Request, method: str):
        try:
            found = checkout_method(method)
        except DomainError:
            raise Refused(404, {"paymentMethod": "not found"}) from None
        self.change(s.set_payment_method, field="paymentMethod", method=found.id)
        return self.answer()


class PaymentFieldsView(CheckoutView):
    def put(self, request: Request):
        apply_fields(self, f.body_of(request))
        return self.answer()


def apply_fields(view: CheckoutView, data: dict, *, paying: bool = False) -> None:
    """`address`, `shippingAddress` and `email` of a body (`PUT /payment-fields`, `POST
    /payment`), on the selection. Only what an order holds is kept (no personal data
    outside the order, so erasing a customer erases it): a phone number is not."""
    billing = f.typed_address(data, "address")
    shipping = f.typed_address(data, "shippingAddress")
    email = f.text(data, "email") or (billing or {}).get("email") or None
    if email:
        f.check_email(email, "email" if f.text(data, "email") else "address.email")
    view.change(
        s.set_customer,
        field="address",
        paying=paying,
        email=email,
        billing=f.address(billing) if billing else None,
        shipping=f.address(shipping) if shipping else None,
    )


class VouchersView(CheckoutView):
    """`POST vouchers {"voucher": CODE}` puts a code on the selection (one at a time: a
    second replaces the first); `DELETE vouchers/{code}`, or `DELETE vouchers {"voucher":
    CODE}` as Centra's example shop sends it, takes it off."""

    def post(self, request: Request):
        return change_voucher(self, s.add_voucher, f.text(f.body_of(request), "voucher"))

    def delete(self, request: Request):
        return change_voucher(self, s.remove_voucher, f.text(f.body_of(request), "voucher"))


class VoucherView(CheckoutView):
    """`DELETE vouchers/{code}` (URL-encoded): take the code off."""

    def delete(self, request: Request, code: str):
        return change_voucher(self, s.remove_voucher, code)


def change_voucher(view: CheckoutView, service, code: str):
    order = view.checkout.open_selection()
    if voucher_in(market_of(order.market), code) is None:
        raise Refused(404, {"voucher": "not found"})
    view.change(service, field="voucher", code=code)
    return view.answer()
