"""Returns through the API: Centra's `createReturn` and `completeReturn`, through the
return services, as the integration's group may (Customer service creates,
Warehouse completes)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from core.admin.changelist import exact_number
from core.errors import DomainError
from integrations.api import inputs
from integrations.api import serializers as api
from integrations.api.auth import actor_for
from integrations.api.base import ApiMixin, errors, refusal_response
from integrations.api.views import visible_orders
from returns.models import Return, ReturnLine
from returns.services import complete_return, create_return
from shipments.models import Shipment

RETURN_REF = OpenApiParameter(
    "ref",
    {"type": "string", "pattern": r"^[0-9]+-R[0-9]+$"},
    OpenApiParameter.PATH,
    description="The return's number, 1042-R1.",
)


def number_and_sequence(ref: str, separator: str) -> tuple[int | None, int | None]:
    """1042-R1 (or the shipment's 1042-1) as (1042, 1); None for what is not a number."""
    number, _, sequence = ref.partition(separator)
    return exact_number(number), exact_number(sequence)


def visible_shipment(integration, ref: str) -> Shipment:
    number, sequence = number_and_sequence(ref, "-")
    shipment = (
        Shipment.objects.filter(
            order__in=visible_orders(integration), order__number=number, sequence=sequence
        ).first()
        if number and sequence
        else None
    )
    if shipment is None:
        raise NotFound(f"There is no shipment {ref} this integration can see.")
    return shipment


class ReturnViewSet(ApiMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Returns of completed shipments: create one, read it, complete it."""

    serializer_class = api.ReturnSerializer
    lookup_field = "ref"
    lookup_value_regex = r"[0-9]+-R[0-9]+"

    def get_queryset(self) -> QuerySet[Return]:
        lines = ReturnLine.objects.select_related("shipment_line__order_line")
        return (
            Return.objects.filter(order__in=visible_orders(self.request.auth))
            .select_related("order", "shipment__order", "warehouse")
            .prefetch_related(Prefetch("lines", queryset=lines))
        )

    def get_object(self) -> Return:
        number, sequence = number_and_sequence(self.kwargs["ref"], "-R")
        found = (
            self.get_queryset().filter(order__number=number, sequence=sequence).first()
            if number and sequence
            else None
        )
        if found is None:
            raise Http404
        return found

    def shown(self, return_id: int, code: int = status.HTTP_200_OK) -> Response:
        return_ = self.get_queryset().get(pk=return_id)
        return Response(self.get_serializer(return_).data, status=code)

    @extend_schema(parameters=[RETURN_REF], responses={200: api.ReturnSerializer, **errors(404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=inputs.CreateReturnInput,
        responses={201: api.ReturnSerializer, **errors(403, 404, 409, 415)},
        description="Centra's `createReturn`: units of a completed shipment's lines come "
        "back; nothing moves until the return is completed (goods) or refunded (money).",
    )
    def create(self, request):
        form = inputs.CreateReturnInput(data=request.data)
        form.is_valid(raise_exception=True)
        choice = form.validated_data
        shipment = visible_shipment(request.auth, choice["shipment"])
        try:
            return_ = create_return(
                shipment_id=shipment.pk,
                by=actor_for(request.auth),
                quantities=inputs.units_by(choice["lines"], "shipment_line"),
                stock_action=choice["return_stock_action_policy"],
                warehouse_id=choice.get("warehouse"),
                refund_shipping=choice.get("refund_shipping", False),
                handling_cost=choice.get("handling_cost", "0"),
                return_fee=choice.get("return_fee", "0"),
                voucher_value=choice.get("voucher_value", "0"),
                reason=choice.get("reason", ""),
                comment=choice.get("comment", ""),
            )
        except DomainError as error:
            return refusal_response(error)
        return self.shown(return_.pk, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[RETURN_REF],
        request=None,
        responses={200: api.ReturnSerializer, **errors(403, 404, 409)},
        description="Centra's `completeReturn`: the goods are in, back on the shelf of the "
        "return's warehouse (or removed, as the return says).",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, ref=None):
        return_ = self.get_object()
        try:
            complete_return(return_id=return_.pk, by=actor_for(request.auth))
        except DomainError as error:
            return refusal_response(error)
        return self.shown(return_.pk)
