"""Anonymising a customer: their personal data leaves every table, the books stay."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.db.models import Sum

from backoffice.services.anonymize import anonymize_customer, identifying_pattern, redacted
from core.errors import DomainError
from core.roles import BACKOFFICE_ADMIN, CUSTOMER_SERVICE
from integrations import delivery, mail
from orders import comments, services
from orders.models import (
    AnonymizedCustomer,
    HoldKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from outbox.models import OutboxMessage
from payments.models import Payment, PaymentTransaction
from payments.services import refund_payment
from returns import services as returns
from returns.models import Return
from tests.admin_support import ORDERS_URL, messages_of, role_user
from tests.factories import FACTORY, OrderFactory
from tests.helpers import race, stock_snapshot
from tests.integration_support import make_integration
from tests.returns_support import LINES, make_return

S = OrderStatus
pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]

EMAIL = "anna.lindqvist@example.com"
NAME = "Anna Lindqvist"
STREET = "Storgatan 12"
PHONE = "+46 70 123 45 67"
PERSONAL = [EMAIL, NAME, "Lindqvist", STREET, PHONE]
CUSTOMER = {
    "customer_email": EMAIL.upper(),  # stored lower-cased
    "customer_name": NAME,
    "billing_name": NAME,
    "shipping_name": NAME,
    "billing_street": STREET,
    "shipping_street": STREET,
    "billing_city": "Uppsala",
    "shipping_city": "Uppsala",
    "notes": f"Leave at the door, call {PHONE}",
    "gift_message": f"Happy birthday {NAME}!",
}


def customer_order(status: int, **fields) -> Order:
    return OrderFactory(status=status, lines=LINES, **CUSTOMER, **fields)


def customers_world() -> list[Order]:
    """Orders in every closed status, a completed and refunded return, comments
    (one edited, one deleted), a goodwill refund, sent and failed mails."""
    make_integration("erp", events=["order.anonymized", "order.completed", "return.created"])
    completed = customer_order(S.COMPLETED)
    the_return = make_return(completed, a=1, comment=f"{NAME} says it is too small, {PHONE}")
    returns.refund_return(return_id=the_return.pk, by=FACTORY)
    returns.complete_return(return_id=the_return.pk, by=FACTORY)
    refund_payment(
        order_id=completed.pk, amount=Decimal("1.00"), reason=f"Sorry {NAME}", by=FACTORY
    )
    note = comments.add_comment(order_id=completed.pk, by=FACTORY, text=f"{NAME} at {STREET}")
    comments.edit_comment(comment_id=note.pk, by=FACTORY, text=f"Call {NAME}: {PHONE}")
    gone = comments.add_comment(order_id=completed.pk, by=FACTORY, text=f"{EMAIL} wrote in")
    comments.delete_comment(comment_id=gone.pk, by=FACTORY)
    archived = customer_order(S.ARCHIVED)
    cancelled = customer_order(S.PENDING)
    services.hold_order(
        order_id=cancelled.pk,
        by=FACTORY,
        kind=HoldKind.MANUAL,
        reason=f"Mrs Lindqvist called from {PHONE}",
    )
    from backoffice.services import cancel_order

    cancel_order(order_id=cancelled.pk, by=FACTORY, reason=f"{NAME} changed her mind")
    selection = customer_order(S.INCOMPLETE)
    delivery.deliver_due()  # the confirmation, refund and cancellation mails
    mail.resend(order_id=completed.pk, kind="order_confirmation", by=FACTORY)
    OutboxMessage.objects.filter(order_id=archived.pk).update(
        last_error=f"550 mailbox {EMAIL} unavailable"
    )
    return [Order.objects.get(pk=o.pk) for o in (completed, archived, cancelled, selection)]


def text_columns():
    """Every text, char and JSON column of every model of the project's apps."""
    for config in apps.get_app_configs():
        if not Path(config.path).is_relative_to(ROOT):
            continue
        for model in config.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField | models.JSONField):
                    yield model, field


def personal_data_found() -> list[str]:
    found = []
    for model, field in text_columns():
        for pk, value in model.objects.values_list("pk", field.attname):
            text = (
                json.dumps(value, ensure_ascii=False)
                if field.get_internal_type() == ("JSONField")
                else str(value)
            )
            found += [
                f"{model.__name__}#{pk}.{field.name}: {value!r}"
                for secret in PERSONAL
                if secret.lower() in text.lower()
            ]
    return found


def books() -> dict:
    """Money and stock, to the cent: order totals, lines, payments, ledger, returns, stock."""
    return {
        "orders": list(Order.objects.order_by("pk").values_list("pk", "status", "grand_total",
                                                                "shipping_price", "currency",
                                                                "billing_country",
                                                                "shipping_country")),
        # Lines in their own order: an order's lines come back in any order otherwise.
        "lines": list(OrderLine.objects.order_by("order_id", "pk").values_list(
            "sku", "quantity", "unit_price")),
        "payments": list(Payment.objects.order_by("pk").values_list(
            "status", "authorized_amount", "captured_amount", "refunded_amount")),
        "ledger": list(PaymentTransaction.objects.order_by("pk").values_list(
            "pk", "kind", "outcome", "amount")),
        "ledger_sum": PaymentTransaction.objects.aggregate(total=Sum("amount"))["total"],
        "returns": list(Return.objects.order_by("pk").values_list("pk", "status",
                                                                  "refund_amount")),
        "stock": stock_snapshot(),
        "events": set(OrderEvent.objects.values_list("pk", flat=True)),
    }  # fmt: skip


def test_after_anonymising_no_column_of_any_table_holds_the_customers_data():
    orders = customers_world()
    other = OrderFactory(status=S.COMPLETED, customer_name="Bo Ek", billing_street="Vägen 1")
    assert len(personal_data_found()) > 20  # the scan sees them before
    before = books()

    assert anonymize_customer(email=EMAIL, by=FACTORY) == 4

    assert personal_data_found() == []
    after = books()
    assert after.pop("events") > before.pop("events")  # every event kept, one more each
    assert after == before
    kept = Order.objects.get(pk=other.pk)
    assert (kept.customer_name, kept.billing_street) == ("Bo Ek", "Vägen 1")
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.anonymized_at and order.billing_country == "SE"
        assert (order.customer_email, order.billing_name, order.notes) == ("", "", "")


def test_one_event_each_without_personal_data_and_order_anonymized_published():
    orders = customers_world()
    anonymize_customer(email=EMAIL, by=FACTORY)
    events = OrderEvent.objects.filter(transition="anonymize")
    assert sorted(e.order_id for e in events) == sorted(o.pk for o in orders)
    assert {e.message for e in events} == {"Customer's personal data anonymised."}
    published = OutboxMessage.objects.filter(event_type="order.anonymized")
    assert sorted(m.order_id for m in published) == sorted(o.pk for o in orders)


def test_the_old_email_finds_nothing_and_a_repeat_says_already_anonymised(client):
    customers_world()
    anonymize_customer(email=EMAIL, by=FACTORY)
    tombstone = AnonymizedCustomer.objects.get()
    assert tombstone.orders_count == 4 and EMAIL not in tombstone.email_hash
    client.force_login(role_user(BACKOFFICE_ADMIN))
    page = client.get(ORDERS_URL, {"q": EMAIL, "status": [str(s) for s in S.values]})
    assert page.status_code == 200 and page.context["cl"].result_count == 0
    with pytest.raises(DomainError, match="already anonymised on"):
        anonymize_customer(email=f" {EMAIL.upper()} ", by=FACTORY)
    assert AnonymizedCustomer.objects.get().orders_count == 4


def test_an_anonymised_orders_emails_can_no_longer_be_resent():
    [completed, *_] = customers_world()
    anonymize_customer(email=EMAIL, by=FACTORY)
    queued = OutboxMessage.objects.count()
    with pytest.raises(DomainError, match="was anonymised: its e-mails can no longer be resent"):
        mail.resend(order_id=completed.pk, kind="order_confirmation", by=FACTORY)
    assert OutboxMessage.objects.count() == queued


@pytest.mark.parametrize(
    ("make", "sentence"),
    [
        (lambda: customer_order(S.PENDING), "is still Pending"),
        (lambda: customer_order(S.CONFIRMED), "is still Confirmed"),
        (lambda: customer_order(S.PROCESSING), "is still Processing"),
        (lambda: make_return(customer_order(S.COMPLETED)), r"-R1 is Pending: .* every return"),
    ],
    ids=["pending", "confirmed", "processing", "return-pending"],
)
def test_refused_with_one_sentence_and_nothing_changes(make, sentence):
    closed = customer_order(S.ARCHIVED)
    make()
    before = books(), personal_data_found()
    with pytest.raises(DomainError, match=sentence):
        anonymize_customer(email=EMAIL, by=FACTORY)
    assert (books(), personal_data_found()) == before
    assert Order.objects.get(pk=closed.pk).anonymized_at is None
    assert not AnonymizedCustomer.objects.exists()


def test_only_whole_words_of_the_customers_values_and_phone_numbers_are_replaced():
    pattern = identifying_pattern([(EMAIL, NAME, "O'Neil St.")])
    text = f"Annual note: Mrs lindqvist ({EMAIL}) at O'Neil St., {PHONE}; 2026-12-07 +5.00"
    assert redacted({"a": [text]}, pattern) == {
        "a": ["Annual note: Mrs [removed] ([removed]) at [removed], [removed]; 2026-12-07 +5.00"]
    }


def test_a_user_without_the_permission_is_refused():
    customer_order(S.COMPLETED)
    with pytest.raises(DomainError, match="permission to anonymise customers"):
        anonymize_customer(email=EMAIL, by=role_user(CUSTOMER_SERVICE))
    assert Order.objects.get().customer_email == EMAIL


def test_the_command_anonymises_in_batches_with_the_lists_filters(capsys):
    archived = [customer_order(S.ARCHIVED) for _ in range(3)]
    completed = customer_order(S.COMPLETED)
    call_command("anonymize_orders", email=EMAIL, batch_size=2, verbosity=2, filter__status=["5"])
    out = capsys.readouterr().out
    assert "Batch 2: anonymised 1 orders (3 so far" in out and "Anonymised 3 orders" in out
    assert all(Order.objects.get(pk=o.pk).anonymized_at for o in archived)
    assert Order.objects.get(pk=completed.pk).customer_email == EMAIL
    call_command("anonymize_orders", "--email", EMAIL)
    assert AnonymizedCustomer.objects.get().orders_count == 4
    call_command("anonymize_orders", "--email", EMAIL)
    assert "already anonymised" in capsys.readouterr().out


def test_the_command_refuses_open_orders_and_a_dry_run_changes_nothing(capsys):
    customer_order(S.COMPLETED)
    call_command("anonymize_orders", "--email", EMAIL, "--dry-run")
    assert "Would anonymise 1 orders" in capsys.readouterr().out
    customer_order(S.CONFIRMED)
    before = books(), personal_data_found()
    with pytest.raises(CommandError, match="is still Confirmed"):
        call_command("anonymize_orders", "--email", EMAIL)
    with pytest.raises(CommandError, match="--batch-size must be between 1 and 100000"):
        call_command("anonymize_orders", "--email", EMAIL, "--batch-size=0")
    assert (books(), personal_data_found()) == before


def step_url(order: Order) -> str:
    return f"{ORDERS_URL}{order.pk}/step/anonymize_customer/"


def test_the_order_pages_step_asks_for_the_email_typed(client):
    order = customer_order(S.COMPLETED)
    other = customer_order(S.CANCELLED)
    client.force_login(role_user(BACKOFFICE_ADMIN))
    page = client.get(f"{ORDERS_URL}{order.pk}/change/")
    assert step_url(order) in page.content.decode()
    wrong = client.post(step_url(order), {"email": "someone@example.com"})
    assert wrong.status_code == 200 and "not the customer e-mail" in wrong.content.decode()
    assert Order.objects.get(pk=order.pk).anonymized_at is None
    done = client.post(step_url(order), {"email": EMAIL.upper()})
    assert done.status_code == 302
    assert messages_of(done) == [
        f"1 order anonymised with every order of its customer: {order.number}, 2 orders in all."
    ]
    assert Order.objects.get(pk=other.pk).anonymized_at


def test_the_step_is_back_office_admin_only_and_refused_while_an_order_is_open(client):
    order = customer_order(S.COMPLETED)
    client.force_login(role_user(CUSTOMER_SERVICE))
    page = client.get(f"{ORDERS_URL}{order.pk}/change/")
    assert step_url(order) not in page.content.decode()
    client.post(step_url(order), {"email": EMAIL})
    assert Order.objects.get(pk=order.pk).anonymized_at is None
    customer_order(S.PENDING)
    client.force_login(role_user(BACKOFFICE_ADMIN))
    refused = client.post(step_url(order), {"email": EMAIL})
    assert messages_of(refused)[0].endswith("once every order is completed or cancelled.")
    assert Order.objects.get(pk=order.pk).anonymized_at is None


def test_every_event_message_of_the_customers_world_names_no_one_but_staff_text():
    """The messages the services write hold no personal data of their own; what staff
    typed (a hold's or a cancellation's reason) is what anonymising replaces."""
    customers_world()
    typed = {"hold", "cancel", "payment_refund", "comment", "edit_comment", "delete_comment"}
    written = OrderEvent.objects.exclude(transition__in=typed)
    assert written.exists()
    for event in written:
        assert not any(secret.lower() in event.message.lower() for secret in PERSONAL), event


@pytest.mark.postgres
def test_postgres_a_batchs_claim_reads_the_customers_orders_from_the_email_index():
    from backoffice.services.anonymize import anonymizable

    customer_order(S.COMPLETED)
    OrderFactory.create_batch(5, status=S.CANCELLED)
    claim = anonymizable(Order.objects.filter(customer_email=EMAIL, pk__gt=0)).order_by("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = claim.values("pk")[:2000].explain()
    assert "order_email_id_idx" in plan
    assert "Seq Scan on orders_order" not in plan


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_an_order_locked_elsewhere_is_skipped_and_the_next_run_takes_it():
    orders = [customer_order(S.ARCHIVED) for _ in range(3)]
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=orders[1].pk)
            locked.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    locked.wait(30)
    try:
        with pytest.raises(CommandError, match="1 orders were busy or changed"):
            call_command("anonymize_orders", "--email", EMAIL, "--batch-size=2")
    finally:
        release.set()
        holder.join()
    done = [Order.objects.get(pk=o.pk).anonymized_at is not None for o in orders]
    assert done == [True, False, True]
    call_command("anonymize_orders", "--email", EMAIL)
    assert Order.objects.filter(anonymized_at__isnull=False).count() == 3
    assert AnonymizedCustomer.objects.get().orders_count == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_two_runs_at_once_anonymise_each_order_once():
    orders = [customer_order(S.ARCHIVED) for _ in range(12)]
    results = race(
        lambda: anonymize_customer(email=EMAIL, by=FACTORY),
        lambda: anonymize_customer(email=EMAIL, by=FACTORY),
    )
    assert sum(r for r in results if isinstance(r, int)) == 12, results
    for order in orders:
        assert OrderEvent.objects.filter(order=order, transition="anonymize").count() == 1
    assert AnonymizedCustomer.objects.get().orders_count == 12
