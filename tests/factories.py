"""factory-boy factories for every model.

`OrderFactory(status=..., on_hold=...)` makes its order through the services,
so its events are the ones a real order would have.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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
        S.PENDING: [lambda o: services.checkout_order(order_id=o.pk, by=FACTORY)],
        S.CONFIRMED: [
            lambda o: services.checkout_order(order_id=o.pk, by=FACTORY),
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
            lambda o: services.checkout_order(order_id=o.pk, by=FACTORY),
            lambda o: services.cancel_order(order_id=o.pk, by=FACTORY, reason="Test cancel"),
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
        lambda o: services.checkout_order(order_id=o.pk, by=FACTORY),
        lambda o: services.confirm_order(order_id=o.pk, by=FACTORY),
        _start_processing,
    ]


def _start_processing(order: Order) -> Order:
    # Until the shipments app exists there is no service that ships, so the
    # row is moved as a fixture; replaced by a real shipment once it does.
    Order.objects.filter(pk=order.pk).update(status=S.PROCESSING)
    return Order.objects.get(pk=order.pk)


def _complete(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(status=S.COMPLETED)
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
