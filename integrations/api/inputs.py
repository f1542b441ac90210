"""What the API's writes accept, in Centra's Integration API shape where it has one:
`updateDirectToConsumerOrder` (isOnHold, holdStatusChangeReason, cancelLines,
cancellationComment), `createReturn` (shipment, lines, returnStockActionPolicy,
costs, comment) and `completeReturn`; snake_case, as the rest of this API."""

from __future__ import annotations

from django.core.validators import RegexValidator
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from integrations.api import fields as f
from orders.models import HoldKind
from returns.models import ReturnReason, StockAction

MAX_LINES = 500


class HoldOrderInput(f.StrictSerializer):
    """Put the order on hold: a fraud tool's "fraud_check", an ERP's "manual"."""

    is_on_hold = f.IsTrue()
    hold_kind = f.Choice(choices=HoldKind.choices)
    hold_status_change_reason = f.Sentence(max_length=500)


class ResumeOrderInput(f.StrictSerializer):
    """Take the order off hold; it goes on where it was."""

    is_on_hold = f.IsFalse()


class CancelLineInput(f.StrictSerializer):
    """Units of one order line."""

    line = f.object_id(help_text="The order line's id (`lines[].id`).")
    quantity = f.quantity(help_text="Units to cancel, of those in no shipment.")


class CancelLinesInput(f.StrictSerializer):
    """Cancel units that are in no shipment; the money is settled in the same step."""

    cancel_lines = serializers.ListField(
        child=CancelLineInput(), min_length=1, max_length=MAX_LINES
    )
    cancellation_comment = f.Sentence(max_length=500, help_text="Shows in the order's history.")


class OneOf(PolymorphicProxySerializer):
    """Exactly one of the shapes, each whole (not made partial for PATCH)."""

    @property
    def partial(self) -> bool:
        return False

    @partial.setter
    def partial(self, value: bool) -> None:
        pass


class OneOfSchema(PolymorphicProxySerializerExtension):
    """Drawn as drf-spectacular draws its own proxy (registered by being defined)."""

    target_class = OneOf


ORDER_UPDATE = OneOf(
    component_name="OrderUpdate",
    serializers=[HoldOrderInput, ResumeOrderInput, CancelLinesInput],
    resource_type_field_name=None,
)


def order_update_input(data) -> f.StrictSerializer:
    """The one of the three shapes the body is: cancel lines, or hold (true) / resume (false)."""
    if isinstance(data, dict) and "cancel_lines" in data:
        return CancelLinesInput(data=data)
    if isinstance(data, dict) and data.get("is_on_hold") is True:
        return HoldOrderInput(data=data)
    return ResumeOrderInput(data=data)


class ReturnLineInput(f.StrictSerializer):
    """Units of one shipment line."""

    shipment_line = f.object_id(help_text="The shipment line's id (`shipments[].lines[].id`).")
    quantity = f.quantity()


class CreateReturnInput(f.StrictSerializer):
    """Units of a completed shipment coming back, and what happens to them and the money."""

    shipment = f.Text(
        max_length=40,
        validators=[RegexValidator(r"^[0-9]{1,19}-[0-9]{1,9}$", "Must be a shipment ref.")],
        help_text="The completed shipment's ref, 1042-1.",
    )
    lines = serializers.ListField(child=ReturnLineInput(), min_length=1, max_length=MAX_LINES)
    return_stock_action_policy = f.Choice(choices=StockAction.choices)
    warehouse = f.object_id(required=False, help_text="With to_warehouse: where the goods go.")
    refund_shipping = f.Boolean(required=False)
    handling_cost = f.Amount(required=False)
    return_fee = f.Amount(required=False)
    voucher_value = f.Amount(required=False)
    reason = f.Choice(choices=ReturnReason.choices, required=False)
    comment = f.Text(max_length=1000, required=False, allow_blank=True)


def units_by(lines: list[dict], key: str) -> dict[int, int]:
    """Line id → units asked for; a line given twice is asked for twice (the sum)."""
    units: dict[int, int] = {}
    for line in lines:
        units[line[key]] = units.get(line[key], 0) + line["quantity"]
    return units
