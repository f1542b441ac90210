"""The pull queue: an integration's unconfirmed events, and confirming them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api import params as p
from integrations.api import serializers as api
from integrations.api.base import ApiMixin, errors
from outbox.models import Integration, OutboxMessage

LIMIT = p.number("limit", high=500, description="At most 500; default 100.")


class EventsView(ApiMixin, APIView):
    """The integration's event queue: the oldest events it has not confirmed yet."""

    query_params = [LIMIT]

    @extend_schema(
        parameters=p.openapi([LIMIT]),
        responses={
            200: inline_serializer("Events", {"events": api.EventSerializer(many=True)}),
            **errors(),
        },
    )
    def get(self, request):
        limit = int(request.query_params.get("limit", 100))  # checked by LIMIT
        events = queued(request.auth).order_by("id")[:limit]
        return Response({"events": api.EventSerializer(events, many=True).data})


class ConfirmEventsView(ApiMixin, APIView):
    """Confirm events as handled; they are not returned again."""

    @extend_schema(
        request=api.ConfirmEventsSerializer,
        responses={
            200: inline_serializer("Confirmed", {"confirmed": serializers.IntegerField()}),
            **errors(415),
        },
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
