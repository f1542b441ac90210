"""Orders staff make (issue 28): a phone order paid by link, by invoice, or free;
exchanges with a dearer, a cheaper and an equal replacement (money to the cent
over both orders, stock when it moves); resends; refusals change nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice.services import selections
from backoffice.services.exchanges import (
    create_exchange,
    exchange_figures,
    exchange_refusal,
    replacement_choices,
)
from backoffice.services.payment_links import open_payment_link, payment_link_of
from backoffice.services.resends import create_resend
from backoffice.services.staff_orders import (
    check_out_selection,
    set_shipping_price,
    start_staff_selection,
)
from core.errors import DomainError
from core.roles import CUSTOMER_SERVICE, FINANCE
from orders.models import HoldKind, OrderEvent, OrderOrigin, OrderStatus, StoreSettings
from outbox.models import OutboxMessage
from payments.models import Payment
from returns import services as returns
from returns.models import Return
from shipments.models import ShipmentStatus
from tests.admin_support import role_user
from tests.factories import FACTORY, advance_shipment
from tests.helpers import snapshot, stock_snapshot
from tests.returns_support import line_of, make_return, shipment_of
from tests.staff_support import (
    allocated,
    kept,
    make_catalogue,
    on_hand,
    pay_link,
    shop_with_completed_order,
)

pytestmark = pytest.mark.django_db
D = Decimal
BASE = "http://testserver/"


def phone_order(by, *, a: int = 2, b: int = 1):
    order = start_staff_selection(market="EU", by=by)
    selections.add_item(order_id=order.pk, sku="A", quantity=a, by=by)
    selections.add_item(order_id=order.pk, sku="B", quantity=b, by=by)
    address = selections.Address(
        name="Ada Lind", street="Storgatan 1", city="Malmö", zipcode="211 22", country="SE"
    )
    return selections.set_customer(
        order_id=order.pk, email="ada@example.com", billing=address, by=by
    )


def test_a_phone_order_paid_by_link_waits_on_hold_until_the_customer_pays():
    make_catalogue()
    agent = role_user(CUSTOMER_SERVICE)
    selection = phone_order(agent)
    assert selection.origin == OrderOrigin.BACK_OFFICE
    assert selection.grand_total == D("45.00")  # 2 × 10.00 + 20.00 + 5.00 shipping

    placed = check_out_selection(order_id=selection.pk, payment="link", base_url=BASE, by=agent)

    order = placed.order
    assert order.status == OrderStatus.PENDING
    assert order.on_hold and order.hold_kind == HoldKind.WAITING_FOR_PAYMENT
    assert not Payment.objects.filter(order=order, status="authorized").exists()
    assert (allocated("A"), allocated("B")) == (2, 1)  # reserved at placement
    assert placed.payment_link.startswith(BASE + "payments/test-provider/pa_")
    assert payment_link_of(order, base_url=BASE) == placed.payment_link

    pay_link(order)

    order.refresh_from_db()
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.authorized_amount) == ("authorized", D("45.00"))
    assert not order.on_hold and order.status == OrderStatus.PENDING
    assert payment_link_of(order, base_url=BASE) == ""
    # The customer's e-mail with the link; no integration subscribes in this test.
    owed = OutboxMessage.objects.filter(order_number=order.number)
    assert list(owed.values_list("event_type", flat=True)) == ["payment.link_sent"]
    assert OrderEvent.objects.filter(order=order, transition="checkout").get().data["origin"] == (
        "back_office"
    )


def test_a_declined_link_payment_leaves_the_order_waiting():
    make_catalogue()
    order = check_out_selection(
        order_id=phone_order(FACTORY).pk, payment="link", base_url=BASE, by=FACTORY
    ).order
    pay_link(order, approved=False)  # recorded as declined
    order.refresh_from_db()
    assert order.on_hold_for_payment
    assert payment_link_of(order, base_url=BASE) == ""  # staff open a new one
    assert open_payment_link(order_id=order.pk, base_url=BASE).startswith(BASE)
    assert not Payment.objects.filter(order=order, status="authorized").exists()


def test_an_invoice_order_is_authorized_by_the_manual_provider():
    make_catalogue()
    order = check_out_selection(
        order_id=phone_order(FACTORY).pk, payment="invoice", by=FACTORY
    ).order
    payment = Payment.objects.get(order=order)
    assert (order.status, order.on_hold) == (OrderStatus.PENDING, False)
    assert (payment.provider, payment.authorized_amount) == ("manual", D("45.00"))


def test_no_payment_only_for_a_total_of_zero_and_the_refusal_changes_nothing():
    make_catalogue()
    selection = phone_order(FACTORY)
    before = snapshot(selection), stock_snapshot()
    with pytest.raises(DomainError, match=r"costs 45\.00 EUR: it needs a payment"):
        check_out_selection(order_id=selection.pk, payment="none", by=FACTORY)
    assert (snapshot(selection), stock_snapshot()) == before


def test_a_lowered_shipping_price_needs_a_reason_and_survives_pricing_again():
    make_catalogue()
    selection = phone_order(FACTORY)
    with pytest.raises(DomainError, match="Give a reason"):
        set_shipping_price(order_id=selection.pk, price=D("0.00"), by=FACTORY)
    order = set_shipping_price(
        order_id=selection.pk, price=D("0.00"), reason="Goodwill after a late parcel", by=FACTORY
    )
    order = selections.add_item(order_id=order.pk, sku="B", by=FACTORY)
    assert (order.shipping_price, order.grand_total) == (D("0.00"), D("60.00"))
    event = OrderEvent.objects.filter(order=order, transition="set_shipping_price").get()
    assert "Goodwill after a late parcel" in event.message


def test_staff_without_the_permission_create_no_selection():
    make_catalogue()
    with pytest.raises(DomainError, match="permission to create selections"):
        start_staff_selection(market="EU", by=role_user(FINANCE))


def test_a_selection_from_an_earlier_order_has_its_customer():
    earlier = shop_with_completed_order()
    order = start_staff_selection(market="EU", from_order_id=earlier.pk, by=FACTORY)
    assert (order.customer_email, order.shipping_street, order.billing_city) == (
        earlier.customer_email,
        earlier.shipping_street,
        earlier.billing_city,
    )


# Exchanges: the return of 1 × A (charged 9.67 of the 29.00 for three) and 1 × B.


def exchange_of(lines: dict[str, int], *, b: int = 1, payment: str = "link"):
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=b)
    order = create_exchange(
        return_id=return_.pk, lines=lines, payment=payment, base_url=BASE, by=FACTORY
    )
    return_.refresh_from_db()
    return original, return_, order


def ship_everything(order) -> None:
    from orders.services import confirm_order
    from tests.factories import ShipmentFactory

    confirm_order(order_id=order.pk, by=FACTORY)
    shipment = ShipmentFactory(order=order)
    advance_shipment(shipment, status=ShipmentStatus.COMPLETED)


@pytest.mark.parametrize(
    ("lines", "to_pay", "to_refund"),
    [
        # dearer: 12.50 + 20.00 + 12.50 = 45.00 for a value of 29.67: pays 15.33
        ({"A-XL": 2, "B": 1}, "15.33", "0.00"),
        # cheaper: 7.25 for 29.67: the return refunds 22.42
        ({"A-S": 1}, "0.00", "22.42"),
        # the same goods in another size at today's prices: 30.00 for what was
        # charged 29.67 (the original's discount), so 0.33 to pay
        ({"A-L": 1, "B": 1}, "0.33", "0.00"),
    ],
    ids=["dearer", "cheaper", "another-size"],
)
def test_an_exchange_settles_the_difference_to_the_cent(lines, to_pay, to_refund):
    original, return_, order = exchange_of(lines)
    captured_before = kept(original)
    figures_value = D("29.67")

    assert (order.origin, order.related_order_id) == (OrderOrigin.EXCHANGE, original.pk)
    assert return_.exchange_order_id == order.pk
    assert order.grand_total == D(to_pay)
    assert return_.suggested_refund == D(to_refund)
    assert return_.exchange_credit == figures_value - D(to_refund)
    assert order.shipping_price == D("0.00")

    if D(to_pay):
        assert order.on_hold_for_payment
        pay_link(order)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    if D(to_refund):
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    order.refresh_from_db()
    ship_everything(order)

    replacement = sum(
        (D(price) * n for sku, n in lines.items() for price in [PRICE[sku]]), D("0.00")
    )
    # What the customer kept: the original less the returned value, plus the replacement.
    assert kept(original, order) == captured_before - figures_value + replacement


PRICE = {"A": "10.00", "A-L": "10.00", "B": "20.00", "A-XL": "12.50", "A-S": "7.25"}


def test_an_equal_exchange_pays_and_refunds_nothing():
    original = shop_with_completed_order()
    return_ = make_return(original, a=0, b=1)  # B, charged 20.00
    order = create_exchange(return_id=return_.pk, lines={"B": 1}, by=FACTORY)
    return_.refresh_from_db()
    assert (order.grand_total, return_.suggested_refund) == (D("0.00"), D("0.00"))
    assert not order.on_hold and not Payment.objects.filter(order=order).exists()
    with pytest.raises(DomainError, match="above zero"):
        returns.refund_return(return_id=return_.pk, by=FACTORY)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    ship_everything(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert kept(original, order) == kept(original)


def test_stock_returned_comes_back_on_completing_the_replacement_goes_at_placement():
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=0)
    before_a, before_l = on_hand("A"), on_hand("A-L")
    create_exchange(return_id=return_.pk, lines={"A-L": 1}, base_url=BASE, by=FACTORY)
    assert (on_hand("A"), allocated("A-L")) == (before_a, 1)
    returns.complete_return(return_id=return_.pk, by=FACTORY)
    assert (on_hand("A"), on_hand("A-L")) == (before_a + 1, before_l)


def test_a_refunded_return_is_not_exchanged_and_nothing_changes():
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=0)
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    return_.refresh_from_db()
    refused = f"Return {return_.number} is Refunded, so it cannot be exchanged."
    assert exchange_refusal(return_, FACTORY) == refused
    before = snapshot(original), stock_snapshot(), Return.objects.values().get(pk=return_.pk)
    with pytest.raises(DomainError, match="cannot be exchanged"):
        create_exchange(return_id=return_.pk, lines={"A-L": 1}, by=FACTORY)
    assert (snapshot(original), stock_snapshot(), Return.objects.values().get(pk=return_.pk)) == (
        before
    )


def test_a_return_is_exchanged_once_and_kept_while_its_exchange_lives():
    _, return_, _ = exchange_of({"A-S": 1}, b=0)
    with pytest.raises(DomainError, match="has an exchange order that is not cancelled"):
        create_exchange(return_id=return_.pk, lines={"A-S": 1}, by=FACTORY)
    with pytest.raises(DomainError, match="has an exchange order that is not cancelled"):
        returns.delete_return(return_id=return_.pk, by=FACTORY)


def test_an_item_short_of_stock_refuses_the_exchange_and_changes_nothing():
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=0)
    before = snapshot(original), stock_snapshot()
    with pytest.raises(DomainError):
        create_exchange(return_id=return_.pk, lines={"A-L": 11}, by=FACTORY)
    assert (snapshot(original), stock_snapshot()) == before
    assert not original.follow_ups.exists()


def test_the_replacement_choices_offer_the_other_sizes_first():
    original = shop_with_completed_order()
    return_ = make_return(original, a=1, b=1)
    choices = replacement_choices(return_)
    shirt = next(choice for choice in choices if choice.returned_sku == "A")
    assert [sku for sku, _, _ in shirt.options][-1] == "A"
    assert {sku for sku, _, _ in shirt.options} == {"A", "A-L", "A-XL", "A-S"}
    figures = exchange_figures(return_id=return_.pk, lines={"A-L": 1, "B": 1})
    assert (figures.value, figures.replacement, figures.to_pay) == (
        D("29.67"),
        D("30.00"),
        D("0.33"),
    )


# Resends


def test_a_resend_is_a_zero_order_with_its_stock_reserved():
    original = shop_with_completed_order()
    shipment = shipment_of(original)
    order = create_resend(
        shipment_id=shipment.pk,
        quantities={line_of(original, "A").pk: 2},
        reason="lost",
        note="Carrier lost it",
        by=FACTORY,
    )
    shipment.refresh_from_db()
    assert (order.origin, order.related_order_id, order.grand_total) == (
        OrderOrigin.RESEND,
        original.pk,
        D("0.00"),
    )
    assert order.status == OrderStatus.PENDING and not order.on_hold
    assert allocated("A") == 2
    assert shipment.status == ShipmentStatus.COMPLETED and shipment.tracking_number
    assert not Payment.objects.filter(order=order).exists()
    ship_everything(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_a_resend_above_the_limit_needs_a_back_office_admin():
    original = shop_with_completed_order()
    settings_row = StoreSettings.load()
    settings_row.resend_limit = D("15.00")
    settings_row.save()
    agent = role_user(CUSTOMER_SERVICE)
    shipment = shipment_of(original)
    before = snapshot(original), stock_snapshot()
    with pytest.raises(DomainError, match=r"above the store's resend limit of 15\.00 EUR"):
        create_resend(
            shipment_id=shipment.pk,
            quantities={line_of(original, "B").pk: 1},
            reason="damaged",
            by=agent,
        )
    assert (snapshot(original), stock_snapshot()) == before


def test_a_resend_of_more_than_shipped_or_of_another_shipment_is_refused():
    original = shop_with_completed_order()
    shipment = shipment_of(original)
    with pytest.raises(DomainError, match="shipped 1 × B; 2 cannot be resent"):
        create_resend(
            shipment_id=shipment.pk,
            quantities={line_of(original, "B").pk: 2},
            reason="lost",
            by=FACTORY,
        )
    with pytest.raises(DomainError, match="is not a line of shipment"):
        create_resend(shipment_id=shipment.pk, quantities={999999: 1}, reason="lost", by=FACTORY)


def test_the_exchange_orders_confirmation_names_its_return():
    from django.core import mail as sent_mail

    from integrations import delivery
    from orders.services import confirm_order

    _, return_, order = exchange_of({"A-S": 1}, b=0)
    confirm_order(order_id=order.pk, by=FACTORY)
    delivery.deliver_due()
    [message] = [m for m in sent_mail.outbox if str(order.number) in m.subject]
    words = f"your exchange for return {return_.number} of order {return_.order.number}"
    assert words in message.body and words in message.alternatives[0][0]


def test_a_cancelled_exchange_order_gives_the_return_its_credit_back():
    from backoffice.services.cancel import cancel_order

    original, return_, order = exchange_of({"A-S": 1}, b=1)
    assert return_.suggested_refund == D("22.42")
    cancel_order(order_id=order.pk, by=FACTORY, reason="The customer wants the money")
    return_.refresh_from_db()
    assert (return_.exchange_credit, return_.suggested_refund) == (D("0.00"), D("29.67"))
    assert return_.refund_amount == D("29.67")
    assert allocated("A-S") == 0  # the replacement's reservation released
    # The return may be exchanged again, or deleted now.
    assert exchange_refusal(return_, FACTORY) is None
    returns.refund_return(return_id=return_.pk, by=FACTORY)
    assert kept(original) == D("54.00") - D("29.67")


def test_an_exchange_a_resend_and_an_order_waiting_for_its_link_keep_their_lines():
    from backoffice.services.line_edits import line_edit_refusal

    _, _, exchange = exchange_of({"A-S": 1}, b=0)
    assert line_edit_refusal(exchange) == (
        f"{exchange} is an exchange: its lines are fixed; cancel it and make an exchange again."
    )
    order = check_out_selection(
        order_id=phone_order(FACTORY).pk, payment="link", base_url=BASE, by=FACTORY
    ).order
    assert "waits for its payment link" in line_edit_refusal(order)
    pay_link(order)
    order.refresh_from_db()
    assert line_edit_refusal(order) is None


def test_an_order_waiting_for_its_link_is_not_resumed_by_staff():
    from orders.services import resume_order

    make_catalogue()
    order = check_out_selection(
        order_id=phone_order(FACTORY).pk, payment="link", base_url=BASE, by=FACTORY
    ).order
    before = snapshot(order)
    with pytest.raises(DomainError, match="waits for the customer to pay at its payment link"):
        resume_order(order_id=order.pk, by=FACTORY)
    assert snapshot(order) == before
    pay_link(order)  # the payment lifts the hold itself
    order.refresh_from_db()
    assert not order.on_hold


def test_staff_give_a_new_payment_link_after_a_declined_payment(client):
    from tests.admin_support import messages_of, post_step

    make_catalogue()
    agent = role_user(CUSTOMER_SERVICE)
    order = check_out_selection(
        order_id=phone_order(agent).pk, payment="link", base_url=BASE, by=agent
    ).order
    pay_link(order, approved=False)
    client.force_login(role_user(FINANCE))
    before = snapshot(order)
    post_step(client, "new_payment_link", order, post="yes")
    assert snapshot(order) == before and payment_link_of(order, base_url=BASE) == ""
    client.force_login(agent)
    response = post_step(client, "new_payment_link", order, post="yes")
    link = payment_link_of(order, base_url="http://testserver/")
    assert link and f"Send the customer the new payment link: {link}" in messages_of(response)
    pay_link(order)
    order.refresh_from_db()
    assert not order.on_hold


def test_the_customer_is_e_mailed_the_payment_link():
    from django.core import mail as sent_mail

    from integrations import delivery

    make_catalogue()
    placed = check_out_selection(
        order_id=phone_order(FACTORY).pk, payment="link", base_url=BASE, by=FACTORY
    )
    delivery.deliver_due()
    [message] = [m for m in sent_mail.outbox if m.subject.startswith("Pay for your order")]
    assert message.to == ["ada@example.com"]
    assert placed.payment_link in message.body and placed.payment_link in message.alternatives[0][0]
    assert "45.00 EUR" in message.body
