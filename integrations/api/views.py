"""The API's views: thin, like the admin: parse, call a service, report.

A service's refusal is its sentence: 403 when the integration's group lacks
the permission (`NotPermitted`), 409 when the order's state forbids it.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from backoffice.filters import OrderFilterSet
from core.errors import DomainError, NotPermitted
from integrations.api import serializers as api
from integrations.api.auth import actor_for
from orders import services
from orders.models import Order, OrderStatus
from outbox.models import Integration, OutboxMessage
from shipments import services as shipment_services
from shipments.models import Shipment, ShipmentLine, ShipmentStatus

ERROR = inline_serializer("Error", {"detail": serializers.CharField()})


class KeysetPagination(CursorPagination):
    """Keyset pages on a unique column: fast at any depth, stable while rows are added."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100


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


def refusal_response(error: DomainError) -> Response:
    code = (
        status.HTTP_403_FORBIDDEN if isinstance(error, NotPermitted) else status.HTTP_409_CONFLICT
    )
    return Response({"detail": str(error)}, status=code)


class OrderViewSet(ReadOnlyModelViewSet):
    """Orders with their lines, shipments and payment summary, newest first."""

    serializer_class = api.OrderSerializer
    pagination_class = OrderPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilterSet
    lookup_field = "number"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        shipments = Shipment.objects.select_related("warehouse").prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
        )
        return (
            visible_orders(self.request.auth)
            .select_related("payment")
            .prefetch_related("lines", Prefetch("shipments", queryset=shipments))
        )

    @extend_schema(
        request=None,
        responses={200: api.OrderSerializer, 403: ERROR, 404: ERROR, 409: ERROR},
        description="Confirm a pending order (what an ERP does), as the integration's group may.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, number=None):
        order = self.get_object()
        try:
            services.confirm_order(order_id=order.pk, by=actor_for(request.auth))
        except DomainError as error:
            return refusal_response(error)
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)


class ShipmentViewSet(ReadOnlyModelViewSet):
    """Shipments, oldest first; `?status=good_to_go` is what a warehouse ships next."""

    serializer_class = api.ShipmentSerializer
    pagination_class = ShipmentPagination
    lookup_field = "ref"
    lookup_value_regex = r"\d+-\d+"

    def get_queryset(self):
        shipments = (
            Shipment.objects.filter(order__in=visible_orders(self.request.auth))
            .select_related("order", "warehouse")
            .prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line"))
            )
        )
        wanted = self.request.query_params.getlist("status")
        if wanted:
            shipments = shipments.filter(status__in=wanted)
        order = self.request.query_params.get("order", "")
        if order.isdigit():
            shipments = shipments.filter(order__number=int(order))
        return shipments

    def get_object(self):
        number, _, sequence = self.kwargs["ref"].partition("-")
        shipment = self.get_queryset().filter(order__number=number, sequence=sequence).first()
        if shipment is None:
            raise Http404
        return shipment

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=ShipmentStatus.values, many=True),
            OpenApiParameter("order", int, description="Order number"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=api.CompleteShipmentSerializer,
        responses={200: api.ShipmentSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
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


class EventsView(APIView):
    """The integration's event queue: the oldest events it has not confirmed yet."""

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="At most 500; default 100.")],
        responses={200: inline_serializer("Events", {"events": api.EventSerializer(many=True)})},
    )
    def get(self, request):
        try:
            limit = max(1, min(500, int(request.query_params.get("limit", 100))))
        except ValueError:
            return Response({"detail": "limit must be a number."}, status=400)
        events = queued(request.auth).order_by("id")[:limit]
        return Response({"events": api.EventSerializer(events, many=True).data})


class ConfirmEventsView(APIView):
    """Confirm events as handled; they are not returned again."""

    @extend_schema(
        request=api.ConfirmEventsSerializer,
        responses={200: inline_serializer("Confirmed", {"confirmed": serializers.IntegerField()})},
    )
    def post(self, request):
        form = api.ConfirmEventsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        confirmed = (
            queued(request.auth)
            .filter(event_id__in=form.validated_data["ids"])
            .update(delivered_at=timezone.now())
        )
        return Response({"confirmed": confirmed})


def queued(integration: Integration) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        integration=integration, channel=OutboxMessage.Channel.QUEUE, delivered_at__isnull=True
    )
