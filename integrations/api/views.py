"""The API's order and shipment views: thin, like the admin: parse, call a service, report.

A service's refusal is its sentence: 403 when the integration's group lacks
the permission (`NotPermitted`), 409 when the order's state forbids it.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from backoffice.filters import RETURNS_CHOICES, OrderFilterSet
from backoffice.services.cancel_products import cancel_products
from core.admin.changelist import MAX_BIGINT, exact_number
from core.errors import DomainError
from integrations.api import inputs
from integrations.api import params as p
from integrations.api import serializers as api
from integrations.api.auth import actor_for
from integrations.api.base import ApiMixin, KeysetPagination, errors, refusal_response
from orders import services
from orders.models import HoldKind, Order, OrderOrigin, OrderStatus
from outbox.models import Integration
from payments.models import PaymentStatus
from shipments import services as shipment_services
from shipments.models import Shipment, ShipmentStatus
from shipments.selectors import lines_with_order_lines

NUMBER = OpenApiParameter(
    "number", {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT}, OpenApiParameter.PATH
)
SHIPMENT_REF = OpenApiParameter(
    "ref", {"type": "string", "pattern": r"^[0-9]+-[0-9]+$"}, OpenApiParameter.PATH
)

ORDER_FILTERS = [
    p.number("number"),
    p.choice("status", OrderStatus.values, many=True),
    p.boolean("on_hold"),
    p.choice("hold_kind", HoldKind.values),
    p.day("placed_after"),
    p.day("placed_before"),
    p.day("completed_after"),
    p.day("completed_before"),
    p.text("market", max_length=32),
    p.text("country", max_length=2, description="ISO 3166 code"),
    p.text("currency", max_length=3),
    p.money("grand_total_min"),
    p.money("grand_total_max"),
    p.choice("payment", PaymentStatus.values),
    p.text("email", max_length=254),
    p.text("sku", max_length=64),
    p.choice("returns", [value for value, _ in RETURNS_CHOICES]),
    p.choice("origin", OrderOrigin.values),
]


class OrderPagination(KeysetPagination):
    ordering = "-number"


class ShipmentPagination(KeysetPagination):
    ordering = "id"


def visible_orders(integration: Integration | None) -> QuerySet[Order]:
    """The orders this integration may see: placed ones; archived and held as configured."""
    if integration is None:  # the schema generator's stand-in request
        return Order.objects.none()
    orders = Order.objects.exclude(status=OrderStatus.INCOMPLETE)
    if not integration.show_archived:
        orders = orders.exclude(status=OrderStatus.ARCHIVED)
    if not integration.show_on_hold:
        orders = orders.filter(on_hold=False)
    return orders


def with_everything_shown(orders: QuerySet[Order]) -> QuerySet[Order]:
    shipments = Shipment.objects.select_related("warehouse").prefetch_related(
        Prefetch("lines", queryset=lines_with_order_lines())
    )
    return orders.select_related("payment", "related_order").prefetch_related(
        "lines", Prefetch("shipments", queryset=shipments)
    )


class OrderViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Orders with their lines, shipments and payment summary, newest first."""

    serializer_class = api.OrderSerializer
    pagination_class = OrderPagination
    lookup_field = "number"
    lookup_value_regex = r"[0-9]+"
    list_params = ORDER_FILTERS

    def get_queryset(self):
        return with_everything_shown(visible_orders(self.request.auth))

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        # Every value was checked against ORDER_FILTERS first; the FilterSet is the
        # one definition of what each filter selects.
        filters = OrderFilterSet(self.request.query_params, queryset=queryset)
        if not filters.is_valid():
            raise ValidationError(filters.errors)
        return filters.qs

    def get_object(self):
        number = exact_number(self.kwargs["number"])
        order = self.get_queryset().filter(number=number).first() if number else None
        if order is None:
            raise Http404
        return order

    def changed(self, order: Order) -> Response:
        """The order as the write left it (even one now held, hidden from lists)."""
        shown = with_everything_shown(Order.objects.all()).get(pk=order.pk)
        return Response(self.get_serializer(shown).data)

    @extend_schema(
        parameters=p.openapi(ORDER_FILTERS), responses={200: api.OrderSerializer, **errors()}
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[NUMBER], responses={200: api.OrderSerializer, **errors(404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        parameters=[NUMBER],
        request=None,
        responses={200: api.OrderSerializer, **errors(403, 404, 409)},
        description="Confirm a pending order (what an ERP does), as the integration's group may.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, number=None):
        order = self.get_object()
        try:
            services.confirm_order(order_id=order.pk, by=actor_for(request.auth))
        except DomainError as error:
            return refusal_response(error)
        return self.changed(order)

    @extend_schema(
        parameters=[NUMBER],
        request=inputs.ORDER_UPDATE,
        responses={200: api.OrderSerializer, **errors(403, 404, 409, 415)},
        description="Centra's `updateDirectToConsumerOrder`, one change a request: hold "
        "(`is_on_hold: true` with a kind and a reason), resume (`is_on_hold: false`), or "
        "cancel units in no shipment (`cancel_lines` with a comment). A fraud tool holds "
        "an order with kind `fraud_check`, then resumes or cancels it.",
    )
    def partial_update(self, request, number=None):
        order = self.get_object()
        form = inputs.order_update_input(request.data)
        form.is_valid(raise_exception=True)
        try:
            update_order(order, form.validated_data, by=actor_for(request.auth))
        except DomainError as error:
            return refusal_response(error)
        return self.changed(order)


def update_order(order: Order, change: dict, *, by) -> None:
    """One change through its service, as the integration."""
    if "cancel_lines" in change:
        cancel_products(
            order_id=order.pk,
            quantities=inputs.units_by(change["cancel_lines"], "line"),
            reason=change["cancellation_comment"],
            by=by,
        )
    elif change["is_on_hold"]:
        services.hold_order(
            order_id=order.pk,
            by=by,
            kind=change["hold_kind"],
            reason=change["hold_status_change_reason"],
        )
    else:
        services.resume_order(order_id=order.pk, by=by)


SHIPMENT_FILTERS = [
    p.choice("status", ShipmentStatus.values, many=True),
    p.number("order", description="Order number"),
]


class ShipmentViewSet(ApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet):
    """Shipments, oldest first; `?status=good_to_go` is what a warehouse ships next."""

    serializer_class = api.ShipmentSerializer
    pagination_class = ShipmentPagination
    lookup_field = "ref"
    lookup_value_regex = r"[0-9]+-[0-9]+"
    list_params = SHIPMENT_FILTERS

    def get_queryset(self):
        shipments = (
            Shipment.objects.filter(order__in=visible_orders(self.request.auth))
            .select_related("order", "warehouse")
            .prefetch_related(Prefetch("lines", queryset=lines_with_order_lines()))
        )
        if self.action != "list":
            return shipments
        wanted = self.request.query_params.getlist("status")  # checked by SHIPMENT_FILTERS
        if wanted:
            shipments = shipments.filter(status__in=wanted)
        order = self.request.query_params.get("order")
        if order is not None:
            shipments = shipments.filter(order__number=exact_number(order))
        return shipments

    def get_object(self):
        number, _, sequence = self.kwargs["ref"].partition("-")
        number, sequence = exact_number(number), exact_number(sequence)
        shipment = (
            self.get_queryset().filter(order__number=number, sequence=sequence).first()
            if number and sequence
            else None
        )
        if shipment is None:
            raise Http404
        return shipment

    @extend_schema(
        parameters=p.openapi(SHIPMENT_FILTERS),
        responses={200: api.ShipmentSerializer, **errors()},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[SHIPMENT_REF], responses={200: api.ShipmentSerializer, **errors(404)}
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        parameters=[SHIPMENT_REF],
        request=api.CompleteShipmentSerializer,
        responses={200: api.ShipmentSerializer, **errors(403, 404, 409, 415)},
        description="Complete a shipment with its tracking number (what a warehouse does); "
        "a good-to-go shipment is captured first.",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, ref=None):
        shipment = self.get_object()
        form = api.CompleteShipmentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            shipment_services.complete_shipment(
                shipment_id=shipment.pk, by=actor_for(request.auth), **form.validated_data
            )
        except DomainError as error:
            return refusal_response(error)
        return Response(self.get_serializer(self.get_object()).data)
