"""What every Checkout API view shares: the storefront and session resolved first,
JSON in and out, and Centra's error shape.

An error is `{"token": …, "errors": {field: message}}` (dotted keys for nested
fields) with the status the reference lists: 401 origin or secret, 404 an
unknown item, line, method or address, 406 validation, 409 a selection being
paid, 410 stock, 412 a failed payment. DRF's own refusals (400 malformed JSON,
405, 415) take the same shape.
"""

from __future__ import annotations

from django.db import transaction
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import DomainError
from orders.locks import lock_order
from payments.models import PaymentAttempt
from storefront.api.body import selection_response, token_of
from storefront.api.context import Checkout, Refused, allowed_origins, checkout_for
from storefront.api.schema import CheckoutSchema

PAYING = "payment in progress: the selection cannot change until the payment is settled"
# DRF's refusals in Centra's shape: the field each one is about.
DRF_FIELDS = {
    exceptions.ParseError: "body",
    exceptions.UnsupportedMediaType: "contentType",
    exceptions.MethodNotAllowed: "method",
    exceptions.NotAcceptable: "accept",
    exceptions.NotFound: "uri",
}


def payment_in_progress(order) -> bool:
    """Part A's `backoffice.services.placement.payment_in_progress`, once it exists;
    until then the same question asked of the attempts directly."""
    try:
        from backoffice.services.placement import payment_in_progress as asked
    except ImportError:  # pragma: no cover - before placement is merged
        from django.utils import timezone

        return PaymentAttempt.objects.filter(
            order=order, status="open", expires_at__gt=timezone.now()
        ).exists()
    return asked(order)


def exception_handler(exc, context):
    view = context.get("view")
    checkout = getattr(view, "checkout", None)
    if isinstance(exc, Refused):
        body = {**token_of(checkout), "errors": exc.errors, **exc.extra}
        return Response(body, status=exc.status)
    for kind, field in DRF_FIELDS.items():
        if isinstance(exc, kind):
            message = "not found" if kind is exceptions.NotFound else str(exc.detail)
            return Response(
                {**token_of(checkout), "errors": {field: message}}, status=exc.status_code
            )
    if isinstance(exc, exceptions.APIException):
        return Response(
            {**token_of(checkout), "errors": {"request": str(exc.detail)}}, status=exc.status_code
        )
    return None


class CheckoutView(APIView):
    """A Checkout API endpoint: no Django user, the storefront's own authentication."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [JSONParser]
    schema = CheckoutSchema()
    error_statuses: tuple[int, ...] = (406, 409)  # besides storefront.api.schema.COMMON
    checkout: Checkout | None = None
    needs_secret = False  # server-side mode only (markets, pricelists, PUT selection)

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.checkout = checkout_for(request)
        if not isinstance(request.data, dict):  # every body this API reads is an object
            raise Refused(406, {"body": "send a JSON object"})
        if self.needs_secret and not self.checkout.server_side:
            raise Refused(401, {"authorization": "this call needs the storefront's secret"})

    def options(self, request, *args, **kwargs):
        return Response(status=status.HTTP_204_NO_CONTENT)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A selection is one buyer's and changes with every call: a browser's Back
        # must ask again, never show a copy (an emptied or frozen cart otherwise).
        response["Cache-Control"] = "no-store"
        origin = request.headers.get("Origin", "")
        checkout = self.checkout
        if origin and checkout and not checkout.server_side:
            allowed = allowed_origins(checkout.storefront)
            if not allowed or origin.rstrip("/") in allowed:
                response["Access-Control-Allow-Origin"] = origin
                response["Access-Control-Allow-Headers"] = "API-token, Content-Type"
                response["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
                response["Vary"] = "Origin"
        return response

    def answer(self, order=None, status_code: int = 200, **extra) -> Response:
        return Response({**selection_response(self.checkout, order), **extra}, status=status_code)

    def change(self, service, *, field: str = "selection", paying: bool = False, **kwargs):
        """Run a selection service on the buyer's selection (created if needed), under
        the order lock; a refusal is a 406 keyed by `field`, nothing changed. While a
        payment is open every change is a 409, except `POST /payment`'s own
        (`paying`): paying again starts over, cancelling the open attempt."""
        order = self.checkout.open_selection()
        try:
            with transaction.atomic():
                # Under the order's lock: a payment begun meanwhile is seen.
                if payment_in_progress(lock_order(order.pk)) and not paying:
                    raise Refused(409, {"selection": PAYING})
                result = service(order_id=order.pk, by=self.checkout.actor, **kwargs)
        except DomainError as error:
            fields = getattr(error, "errors", None)
            raise Refused(
                406, fields if isinstance(fields, dict) else {field: str(error)}
            ) from None
        changed = result[0] if isinstance(result, tuple) else result
        self.checkout._selection = changed
        return result


class NotFoundView(CheckoutView):
    """Any other address under /api/checkout/: Centra's 404, not a redirect."""

    schema = None  # not an operation

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise Refused(404, {"uri": "not found"})
