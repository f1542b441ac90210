"""What the API shows of an order, its lines, shipments and payment."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.models import ADDRESS_FIELDS, Order, OrderLine
from shipments.models import Shipment, ShipmentLine


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "product_name",
            "variant",
            "quantity",
            "quantity_cancelled",
            "unit_price",
            "tax_percent",
            "discount",
        ]


class ShipmentLineSerializer(serializers.ModelSerializer):
    line = serializers.IntegerField(source="order_line_id")
    sku = serializers.CharField(source="order_line.sku")

    class Meta:
        model = ShipmentLine
        fields = ["line", "sku", "quantity"]


class ShipmentSerializer(serializers.ModelSerializer):
    ref = serializers.CharField(read_only=True)
    order = serializers.IntegerField(source="order.number", read_only=True)
    warehouse = serializers.CharField(source="warehouse.name", read_only=True)
    lines = ShipmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "ref",
            "order",
            "status",
            "warehouse",
            "amount",
            "tracking_number",
            "carrier",
            "shipped_date",
            "created_at",
            "good_to_go_at",
            "completed_at",
            "lines",
        ]


class PaymentSummarySerializer(serializers.Serializer):
    status = serializers.CharField()
    method = serializers.CharField()
    currency = serializers.CharField()
    authorized = serializers.DecimalField(14, 2, source="authorized_amount")
    captured = serializers.DecimalField(14, 2, source="captured_amount")
    refunded = serializers.DecimalField(14, 2, source="refunded_amount")


class OrderSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    lines = LineSerializer(many=True, read_only=True)
    shipments = ShipmentSerializer(many=True, read_only=True)
    payment = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_label",
            "on_hold",
            "hold_kind",
            "currency",
            "market",
            "pricelist",
            "language",
            "customer_name",
            "customer_email",
            *ADDRESS_FIELDS,
            "shipping_method",
            "shipping_price",
            "grand_total",
            "placed_at",
            "confirmed_at",
            "completed_at",
            "archived_at",
            "cancelled_at",
            "lines",
            "shipments",
            "payment",
        ]

    @extend_schema_field(PaymentSummarySerializer(allow_null=True))
    def get_payment(self, order: Order) -> dict | None:
        try:
            return PaymentSummarySerializer(order.payment).data
        except ObjectDoesNotExist:
            return None


class CompleteShipmentSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=100)
    carrier = serializers.CharField(max_length=100)
    shipped_date = serializers.DateField(required=False)


class EventSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="event_id")
    type = serializers.CharField(source="event_type")
    order = serializers.IntegerField(source="order_number")
    ref = serializers.CharField(source="subject_ref")
    created_at = serializers.DateTimeField(source="occurred_at")


class ConfirmEventsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.UUIDField(), max_length=500, allow_empty=False)
