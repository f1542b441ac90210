"""factory-boy factories for every model.

`OrderFactory(status=..., on_hold=...)` makes its order through the services,
so its events are the ones a real order would have.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from backoffice import services as backoffice
from orders import services
from orders.models import (
    DeletedOrder,
    HoldKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    StoreSettings,
)
from payments import services as payment_services
from payments.models import Payment, PaymentTransaction
from shipments import services as shipment_services
from shipments.models import Shipment, ShipmentLine, ShipmentStatus, Stock, Warehouse

S = OrderStatus
FACTORY = "factory"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.add(*Group.objects.filter(name__in=names))

    @factory.post_generation
    def perms(self, create, perms, **kwargs):
        """perms=["orders.confirm_order", ...]"""
        from django.contrib.auth.models import Permission

        for perm in perms or []:
            app_label, codename = perm.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class LineDataFactory(factory.DictFactory):
    """The fields of one order line, as `services.create_selection` takes them."""

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    product_name = factory.Faker("word")
    variant = factory.Iterator(["S", "M", "L", "XL"])
    quantity = factory.Iterator([1, 2, 3])
    unit_price = factory.Iterator([Decimal("49.90"), Decimal("129.00"), Decimal("19.95")])
    tax_percent = Decimal("25.00")
    discount = Decimal("0.00")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    currency = "EUR"
    market = "EU"
    pricelist = "EUR retail"
    language = "en"
    customer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    customer_name = factory.Faker("name")
    billing_name = factory.SelfAttribute("customer_name")
    billing_street = factory.Faker("street_address")
    billing_city = factory.Faker("city")
    billing_zipcode = factory.Faker("postcode")
    billing_country = "SE"
    shipping_name = factory.SelfAttribute("billing_name")
    shipping_street = factory.SelfAttribute("billing_street")
    shipping_city = factory.SelfAttribute("billing_city")
    shipping_zipcode = factory.SelfAttribute("billing_zipcode")
    shipping_country = factory.SelfAttribute("billing_country")
    shipping_method = "Standard"
    shipping_price = Decimal("5.00")
    payment_method = "test"

    @classmethod
    def _create(cls, model_class, *args, status=S.INCOMPLETE, on_hold=False, lines=None, **kw):
        if lines is None:
            lines = LineDataFactory.build_batch(2)
        order = services.create_selection(by=FACTORY, lines=lines, **kw)
        return advance_order(order, status=status, on_hold=on_hold)


def advance_order(order: Order, *, status: int, on_hold: bool = False) -> Order:
    """Move a fresh selection to `status` (and hold it) through the services."""
    steps = {
        S.PENDING: [lambda o: backoffice.checkout_order(order_id=o.pk, by=FACTORY)],
        S.CONFIRMED: [
            lambda o: backoffice.checkout_order(order_id=o.pk, by=FACTORY),
            lambda o: services.confirm_order(order_id=o.pk, by=FACTORY),
        ],
        S.PROCESSING: [*_to_processing()],
        S.COMPLETED: [*_to_processing(), _complete],
        S.ARCHIVED: [
            *_to_processing(),
            _complete,
            lambda o: services.archive_order(order_id=o.pk, by=FACTORY),
        ],
        S.CANCELLED: [
            lambda o: backoffice.checkout_order(order_id=o.pk, by=FACTORY),
            lambda o: backoffice.cancel_order(order_id=o.pk, by=FACTORY, reason="Test cancel"),
        ],
    }
    for step in steps.get(status, []):
        order = step(order)
    if on_hold:
        order = services.hold_order(
            order_id=order.pk, by=FACTORY, kind=HoldKind.MANUAL, reason="Held by the factory"
        )
    order.refresh_from_db()
    return order


def _to_processing():
    return [
        lambda o: backoffice.checkout_order(order_id=o.pk, by=FACTORY),
        lambda o: services.confirm_order(order_id=o.pk, by=FACTORY),
        _ship_everything,
    ]


def _ship_everything(order: Order) -> Order:
    """One shipment holding every line, from the default warehouse, stocked as needed."""
    ShipmentFactory(order=order)
    return Order.objects.get(pk=order.pk)


def _complete(order: Order) -> Order:
    """Capture and complete every shipment; the last one completes the order."""
    for shipment in order.shipments.exclude(status=ShipmentStatus.COMPLETED):
        advance_shipment(shipment, status=ShipmentStatus.COMPLETED)
    return Order.objects.get(pk=order.pk)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    sku = factory.Sequence(lambda n: f"SKU-L{n:05d}")
    product_name = factory.Faker("word")
    quantity = 1
    unit_price = Decimal("10.00")


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    actor = FACTORY
    transition = "note"
    message = factory.Faker("sentence")


class DeletedOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeletedOrder

    order_number = factory.Sequence(lambda n: 900000 + n)
    order_id = factory.Sequence(lambda n: 900000 + n)
    actor = FACTORY


class StoreSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreSettings
        django_get_or_create = ["id"]

    id = 1


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment authorized by a genuine checkout (test gateway).

    `PaymentFactory(test_decline="capture,void")` makes the test gateway decline
    those operations from then on; `order__status=...` picks the order's status.
    """

    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory, status=S.PENDING)
    test_decline = ""

    @classmethod
    def _create(cls, model_class, *args, order, test_decline="", **kwargs):
        payment = Payment.objects.get(order=order)
        if test_decline:
            # A test-gateway setting, not a state: plain update is fine.
            Payment.objects.filter(pk=payment.pk).update(test_decline=test_decline)
            payment.refresh_from_db()
        return payment


class PaymentTransactionFactory(factory.django.DjangoModelFactory):
    """A ledger row made by the payment service of its kind, so the ledger stays true.

    kind="capture" (default; manual=True records it by hand), "refund" (captures
    the amount first when needed) or "void".
    """

    class Meta:
        model = PaymentTransaction

    @classmethod
    def _create(
        cls,
        model_class,
        *args,
        payment=None,
        kind=PaymentTransaction.Kind.CAPTURE,
        amount=Decimal("10.00"),
        shipment_ref="",
        manual=False,
        **kwargs,
    ):
        payment = payment or PaymentFactory()
        order_id = payment.order_id
        if kind == PaymentTransaction.Kind.VOID:
            return payment_services.void_payment(order_id=order_id, by=FACTORY)
        if kind == PaymentTransaction.Kind.REFUND:
            payment.refresh_from_db()
            if payment.refundable_amount < amount:
                payment_services.capture_payment(order_id=order_id, amount=amount, by=FACTORY)
            return payment_services.refund_payment(
                order_id=order_id, amount=amount, reason="Factory refund", by=FACTORY
            )
        capture = (
            payment_services.record_manual_payment if manual else payment_services.capture_payment
        )
        return capture(order_id=order_id, amount=amount, by=FACTORY, shipment_ref=shipment_ref)


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Warehouse {n}")
    priority = 100


def default_warehouse() -> Warehouse:
    return WarehouseFactory(name="Main", priority=1)


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stock
        django_get_or_create = ["warehouse", "sku"]

    warehouse = factory.LazyFunction(default_warehouse)
    sku = factory.Sequence(lambda n: f"SKU-S{n:05d}")
    on_hand = 10


def stock_for(order: Order, warehouse: Warehouse) -> None:
    """Enough stock in `warehouse` for everything the order has left to ship."""
    for line in order.lines_with_shipped():
        if line.quantity_unshipped:
            shipment_services.receive_stock(
                warehouse_id=warehouse.pk, sku=line.sku, quantity=line.quantity_unshipped
            )


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A shipment made through the services, then moved to `status`.

    `quantities` (line id → units) defaults to everything the order has left to
    ship; the warehouse is stocked for it unless `stocked=False`.
    """

    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory, status=S.CONFIRMED)
    warehouse = factory.LazyFunction(default_warehouse)

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        order,
        warehouse,
        quantities=None,
        status=ShipmentStatus.CREATED,
        stocked=True,
        by=FACTORY,
    ):
        if stocked:
            stock_for(order, warehouse)
        if quantities is None:
            quantities = {
                line.pk: line.quantity_unshipped
                for line in order.lines_with_shipped()
                if line.quantity_unshipped
            }
        shipment = shipment_services.create_shipment(
            order_id=order.pk, warehouse_id=warehouse.pk, quantities=quantities, by=by
        )
        return advance_shipment(shipment, status=status, by=by)


def advance_shipment(shipment: Shipment, *, status: str, by=FACTORY) -> Shipment:
    """Move a shipment forward to `status` through the services (capturing on the way)."""
    flow = [
        (ShipmentStatus.CREATED, None),
        (ShipmentStatus.GOOD_TO_GO, shipment_services.mark_good_to_go),
        (ShipmentStatus.PAID, shipment_services.capture_shipment),
        (ShipmentStatus.COMPLETED, _complete_with_tracking),
    ]
    targets = [target for target, _ in flow]
    for target, step in flow[targets.index(shipment.status) + 1 : targets.index(status) + 1]:
        shipment = step(shipment_id=shipment.pk, by=by)
        assert shipment.status == target
    return Shipment.objects.select_related("order").get(pk=shipment.pk)


def _complete_with_tracking(*, shipment_id: int, by) -> Shipment:
    return shipment_services.complete_shipment(
        shipment_id=shipment_id, tracking_number="TRACK123", carrier="PostNord", by=by
    )


class ShipmentLineFactory(factory.django.DjangoModelFactory):
    """A shipment holding `quantity` of one order line, made through the services."""

    class Meta:
        model = ShipmentLine

    order_line = factory.LazyFunction(
        lambda: OrderFactory(status=S.CONFIRMED).lines.order_by("pk").first()
    )
    quantity = 1

    @classmethod
    def _create(cls, model_class, *, order_line, quantity, warehouse=None):
        shipment = ShipmentFactory(
            order=order_line.order,
            warehouse=warehouse or default_warehouse(),
            quantities={order_line.pk: quantity},
        )
        return shipment.lines.get(order_line=order_line)
