"""What the API shows of an order, its lines, shipments and payment."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.api import fields as f
from orders.models import ADDRESS_FIELDS, Order, OrderLine
from returns.models import Return, ReturnLine
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
        fields = ["id", "line", "sku", "quantity"]


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
    # Stored as the customer typed it (lower-cased): an address with a non-ASCII
    # local part is valid mail, though not JSON Schema's `format: email`.
    customer_email = serializers.CharField()
    lines = LineSerializer(many=True, read_only=True)
    shipments = ShipmentSerializer(many=True, read_only=True)
    payment = serializers.SerializerMethodField()
    # The order an exchange or a resend was made for, by its number.
    related_order = serializers.IntegerField(
        source="related_order.number", allow_null=True, read_only=True
    )

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
            "origin",
            "related_order",
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


class CompleteShipmentSerializer(f.StrictSerializer):
    """The tracking the shipment went out with."""

    tracking_number = f.Sentence(max_length=100)
    carrier = f.Sentence(max_length=100)
    shipped_date = f.Day(required=False)


class EventSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="event_id")
    type = serializers.CharField(source="event_type")
    order = serializers.IntegerField(source="order_number")
    ref = serializers.CharField(source="subject_ref")
    created_at = serializers.DateTimeField(source="occurred_at")


class ConfirmEventsSerializer(f.StrictSerializer):
    """The ids of events handled."""

    ids = serializers.ListField(child=f.Uuid(), min_length=1, max_length=500)


class ReturnLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="shipment_line.order_line.sku")

    class Meta:
        model = ReturnLine
        fields = ["shipment_line", "sku", "quantity", "amount"]


class ReturnSerializer(serializers.ModelSerializer):
    ref = serializers.CharField(source="number")
    order = serializers.IntegerField(source="order.number")
    shipment = serializers.CharField(source="shipment.ref")
    warehouse = serializers.CharField(source="warehouse.name", allow_null=True, default=None)
    currency = serializers.CharField()
    lines = ReturnLineSerializer(many=True)

    class Meta:
        model = Return
        fields = [
            "ref",
            "order",
            "shipment",
            "status",
            "stock_action",
            "warehouse",
            "currency",
            "lines_amount",
            "shipping_amount",
            "handling_cost",
            "return_fee",
            "voucher_value",
            "refund_amount",
            "reason",
            "comment",
            "created_at",
            "refunded_at",
            "completed_at",
            "lines",
        ]
