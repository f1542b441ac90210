"""Customer e-mails: sent by the worker from the outbox, once per event, on the timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail as outbox_mail

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from integrations import delivery, mail
from orders import services
from orders.models import OrderEvent, OrderStatus
from outbox.models import OutboxMessage
from payments.models import PaymentTransaction
from tests.admin_support import role_user
from tests.factories import FACTORY, OrderFactory, PaymentTransactionFactory

S = OrderStatus
pytestmark = pytest.mark.django_db


def sent(kind_subject: str):
    return [m for m in outbox_mail.outbox if kind_subject in m.subject]


def html_of(message) -> str:
    return message.alternatives[0][0]


def test_order_confirmation_lists_the_lines_and_is_on_the_timeline():
    order = OrderFactory(status=S.PENDING)
    services.confirm_order(order_id=order.pk, by=FACTORY)
    assert delivery.deliver_due().delivered == 1
    [message] = outbox_mail.outbox
    assert message.subject == f"Your order {order.number} is confirmed"
    assert message.to == [order.customer_email]
    for line in order.lines.all():
        assert line.sku in message.body and line.sku in html_of(message)
    assert str(order.grand_total) in message.body
    note = OrderEvent.objects.get(order=order, transition="email_sent")
    assert note.actor == "system:customer_mail"
    assert note.message == "Order confirmation e-mailed to the customer."
    assert delivery.deliver_due().claimed == 0
    assert len(outbox_mail.outbox) == 1  # once per event


def test_shipping_confirmation_has_carrier_and_tracking():
    order = OrderFactory(status=S.COMPLETED)
    delivery.deliver_due()
    [message] = sent("has shipped")
    assert "PostNord" in message.body and "TRACK123" in message.body
    assert "TRACK123" in html_of(message)
    shipment = order.shipments.get()
    assert shipment.ref in message.body
    for line in order.lines.all():
        assert line.sku in message.body


def test_cancellation():
    order = OrderFactory(status=S.CANCELLED)
    delivery.deliver_due()
    [message] = outbox_mail.outbox
    assert message.subject == f"Your order {order.number} has been cancelled"
    assert all(line.sku in message.body for line in order.lines.all())


def test_refund_says_how_much():
    refund = PaymentTransactionFactory(kind=PaymentTransaction.Kind.REFUND, amount=Decimal("10.00"))
    order = refund.payment.order
    delivery.deliver_due()
    [message] = sent("A refund")
    assert str(order.number) in message.subject
    assert "10.00" in message.body and "10.00" in html_of(message)


def test_resend_sends_exactly_one_more():
    order = OrderFactory(status=S.CONFIRMED)
    delivery.deliver_due()
    assert len(outbox_mail.outbox) == 1
    mail.resend(order_id=order.pk, kind="order_confirmation", by=role_user(CUSTOMER_SERVICE))
    assert delivery.deliver_due().delivered == 1
    assert delivery.deliver_due().claimed == 0
    assert len(outbox_mail.outbox) == 2
    assert outbox_mail.outbox[1].subject == outbox_mail.outbox[0].subject
    notes = OrderEvent.objects.filter(order=order, transition="email_sent").order_by("id")
    assert notes.count() == 2
    assert notes.last().message.endswith("(resent, asked by customer-service).")


def test_resend_refusals_change_nothing():
    order = OrderFactory(status=S.CONFIRMED)
    delivery.deliver_due()
    count = OutboxMessage.objects.count()
    with pytest.raises(Exception, match="was never sent a shipping confirmation"):
        mail.resend(order_id=order.pk, kind="shipping_confirmation", by=FACTORY)
    with pytest.raises(Exception, match="is not a kind of customer e-mail"):
        mail.resend(order_id=order.pk, kind="newsletter", by=FACTORY)
    with pytest.raises(Exception, match="permission to resend"):
        mail.resend(order_id=order.pk, kind="order_confirmation", by=role_user(WAREHOUSE))
    assert OutboxMessage.objects.count() == count


def test_a_kind_the_store_turned_off_is_not_sent(store):
    store.mail_order_confirmation = False
    store.save()
    OrderFactory(status=S.CONFIRMED)
    assert delivery.deliver_due().delivered == 1
    assert outbox_mail.outbox == []
    assert (
        OutboxMessage.objects.get().note == "Not sent: the store does not send order confirmations."
    )
    assert not OrderEvent.objects.filter(transition="email_sent").exists()


def test_the_orders_language_with_english_fallback():
    swedish = OrderFactory(status=S.CONFIRMED, language="sv")
    german = OrderFactory(status=S.CONFIRMED, language="de")
    delivery.deliver_due()
    subjects = {m.to[0]: m.subject for m in outbox_mail.outbox}
    assert subjects[swedish.customer_email] == f"Din order {swedish.number} är bekräftad"
    assert subjects[german.customer_email] == f"Your order {german.number} is confirmed"


def test_a_failing_mail_server_is_retried(settings):
    settings.EMAIL_BACKEND = "tests.test_customer_emails.BrokenBackend"
    OrderFactory(status=S.CONFIRMED)
    assert delivery.deliver_due().retrying == 1
    assert OutboxMessage.objects.get().last_error == "The mail could not be sent: SMTP is down."


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SMTP is down")


def test_the_order_page_lists_mails_and_resends_one(client):
    order = OrderFactory(status=S.CONFIRMED)
    delivery.deliver_due()
    client.force_login(role_user(CUSTOMER_SERVICE))
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    assert b'data-mail="order_confirmation"' in page.content
    resend_url = f"/admin/outbox/outboxmessage/resend/{order.pk}/order_confirmation/"
    assert resend_url.encode() in page.content
    assert client.get(resend_url).status_code == 200
    response = client.post(resend_url)
    assert response.status_code == 302
    delivery.deliver_due()
    assert len(outbox_mail.outbox) == 2


def test_plain_text_is_not_html_escaped_and_the_html_part_is():
    order = OrderFactory(status=S.PENDING, customer_name="O'Brien & Sons")
    services.confirm_order(order_id=order.pk, by=FACTORY)
    delivery.deliver_due()
    [message] = outbox_mail.outbox
    assert "Hello O'Brien & Sons," in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    assert "O&#x27;Brien &amp; Sons" in html_of(message)
