"""Paying: `POST /payment` (address inline, then the provider's action),
`POST /payment-result` (the provider's signed parameters → the order's receipt)
and `GET /receipt` (the session's last order).

The placement itself is `backoffice.services.placement`'s: it checks stock,
opens the payment attempt, and places the order from a verified result only.
"""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from rest_framework.request import Request
from rest_framework.response import Response

from backoffice.services import selections as s
from core.errors import DomainError
from payments.hosted import checkout_method, checkout_methods
from storefront.api import fields as f
from storefront.api.base import CheckoutView
from storefront.api.body import receipt_response, selection_response, token_of
from storefront.api.cart import apply_fields, shipping_name
from storefront.api.context import Refused


def placement():
    """The placement service, imported when used; a project without it takes no payments."""
    try:
        from backoffice.services import placement as module
    except ImportError:  # pragma: no cover - only before the placement service exists
        raise Refused(412, {"paymentMethod": "payments are not available"}) from None
    return module


class PaymentView(CheckoutView):
    """The address inline, then the provider's action: `{action, url}` and the selection."""

    error_statuses = (406, 409, 410, 412)

    def post(self, request: Request):
        data = f.body_of(request)
        if not f.accepted(data.get("termsAndConditions")):
            raise Refused(406, {"termsAndConditions": "must be accepted"})
        return_page = f.absolute_url(data, "paymentReturnPage", required=True)
        failed_page = f.absolute_url(data, "paymentFailedPage", required=False) or return_page
        order = self.checkout.selection()
        if order is None or not order.lines.exists():
            raise Refused(406, {"selection": "the selection has no items"})
        method = self._method(f.text(data, "paymentMethod") or order.payment_method)
        apply_fields(self, data, paying=True)
        if f.text(data, "shippingMethod"):
            self._shipping(f.text(data, "shippingMethod"))
        self.change(s.set_payment_method, field="paymentMethod", method=method, paying=True)
        return self._begin(method, return_page, failed_page)

    def _method(self, wanted: str) -> str:
        try:
            return checkout_method(wanted).id if wanted else _first_method()
        except DomainError:
            raise Refused(404, {"paymentMethod": "not found"}) from None

    def _shipping(self, wanted: str) -> None:
        name = shipping_name(self.checkout.selection(), wanted)
        self.change(s.set_shipping_method, field="shippingMethod", name=name, paying=True)

    def _begin(self, method: str, return_page: str, failed_page: str) -> Response:
        p = placement()
        order = self.checkout.selection()
        try:
            action = p.begin_payment(
                order_id=order.pk,
                method=method,
                return_page=return_page,
                failed_page=failed_page,
                base_url=self.request.build_absolute_uri("/"),
                by=self.checkout.actor,
            )
        except p.StockShort as short:
            return self._short(short)
        except DomainError as error:
            fields = getattr(error, "errors", None)
            raise Refused(
                406, fields if isinstance(fields, dict) else {"selection": str(error)}
            ) from None
        body = {"action": action.action}
        if action.url:
            body["url"] = action.url
        if action.form_html:
            body["formHtml"] = action.form_html
        self.checkout.refresh()
        placed = self.checkout.selection() is None and self.checkout.session.last_order_id
        if action.action == "success" and placed:
            receipt = receipt_response(self.checkout, self.checkout.session.last_order)
            return Response({**receipt, **body})
        return Response({**selection_response(self.checkout), **body})

    def _short(self, short) -> Response:
        return short_answer(self, short)


def short_answer(view: CheckoutView, short) -> Response:
    """410: the short lines lowered or removed, the selection answered without them."""
    checkout = view.checkout
    order = checkout.selection()
    gone = []
    if order is not None:
        with transaction.atomic():
            gone = placement().remove_unavailable(order_id=order.pk, by=checkout.actor)
        checkout.refresh()
    listed = gone or short.unavailable
    return Response(
        {
            **selection_response(checkout),
            "errors": {"stock": "unavailable items"},
            "unavailable": [_unavailable(u) for u in listed],
        },
        status=410,
    )


def _unavailable(u) -> dict:
    row = asdict(u)
    return {
        "item": row["sku"],
        "product": row["product"],
        "originalQuantity": row["original_quantity"],
        "unavailable": row["unavailable"],
        "available": row["available"],
    }


def _first_method() -> str:
    return checkout_methods()[0].id


class PaymentResultView(CheckoutView):
    """The provider's parameters (`paymentMethodFields`) → the order's receipt."""

    error_statuses = (406, 410, 412)

    def post(self, request: Request):
        data = f.body_of(request)
        fields = data.get("paymentMethodFields", {})
        if not isinstance(fields, dict):
            raise Refused(406, {"paymentMethodFields": "must be an object"})
        p = placement()
        try:
            order = p.settle_from_return(fields=fields)
        except p.StockShort as short:
            # Gone between the payment and its result: the attempt is cancelled and
            # nothing charged; the buyer pays again for what is left (Centra's 410).
            return short_answer(self, short)
        except (p.PaymentFailed, p.PaymentNotVerified) as failed:
            return Response(
                {
                    **token_of(self.checkout),
                    "errors": {"paymentMethod": "failed"},
                    "messages": [str(failed)],
                },
                status=412,
            )
        except DomainError as error:
            raise Refused(412, {"paymentMethod": str(error)}) from None
        session = self.checkout.session
        ours = session and order.pk in (session.selection_id, session.last_order_id)
        if not ours:
            raise Refused(404, {"order": "not found"})
        if session.selection_id == order.pk:
            self.checkout.detach(order)
        return Response(receipt_response(self.checkout, order))


class ReceiptView(CheckoutView):
    """The session's last order, in the receipt's shape."""

    error_statuses = ()

    def get(self, request: Request):
        self.checkout.selection()  # a selection placed meanwhile is detached: its order
        session = self.checkout.session
        if session is None or session.last_order is None:
            raise Refused(404, {"order": "not found"})
        return Response(receipt_response(self.checkout, session.last_order))
