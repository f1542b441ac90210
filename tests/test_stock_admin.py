"""Stock counts and removals go through services that never touch allocations."""

import pytest

from core.errors import DomainError
from core.roles import BACKOFFICE_ADMIN
from orders.models import OrderStatus
from shipments import services as shipping
from shipments.models import Stock
from tests.admin_support import role_user
from tests.factories import OrderFactory, ShipmentFactory, StockFactory
from tests.helpers import stock_snapshot

STOCK_URL = "/admin/shipments/stock/"


@pytest.fixture
def held_stock(db):
    """A stock row with units allocated to an open shipment."""
    shipment = ShipmentFactory(order=OrderFactory(status=OrderStatus.CONFIRMED))
    return Stock.objects.filter(allocated__gt=0, warehouse=shipment.warehouse).first()


@pytest.mark.django_db
def test_a_count_below_what_shipments_hold_is_refused_and_changes_nothing(held_stock):
    before = stock_snapshot()
    with pytest.raises(DomainError, match="units allocated to shipments"):
        shipping.set_stock_on_hand(
            stock_id=held_stock.pk, on_hand=held_stock.allocated - 1, by="system"
        )
    with pytest.raises(DomainError, match="units allocated to shipments"):
        shipping.remove_stock(stock_id=held_stock.pk, by="system")
    assert stock_snapshot() == before


@pytest.mark.django_db
def test_a_count_writes_on_hand_only(held_stock):
    # Another process allocated since the row was read: the count must keep it.
    stale = Stock.objects.get(pk=held_stock.pk)
    Stock.objects.filter(pk=held_stock.pk).update(
        on_hand=held_stock.on_hand + 1, allocated=held_stock.allocated + 1
    )
    counted = shipping.set_stock_on_hand(stock_id=stale.pk, on_hand=50, by="system")
    assert (counted.on_hand, counted.allocated) == (50, held_stock.allocated + 1)
    assert Stock.objects.get(pk=held_stock.pk).allocated == held_stock.allocated + 1


@pytest.mark.django_db
def test_admin_stock_edit_and_delete_are_refused_with_a_message(client, held_stock):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    before = stock_snapshot()
    page = f"{STOCK_URL}{held_stock.pk}/change/"

    edited = client.post(page, {"on_hand": 0})
    deleted = client.post(f"{STOCK_URL}{held_stock.pk}/delete/", {"post": "yes"}, follow=True)

    assert edited.status_code == 200  # the form again, with the reason
    assert "allocated to shipments" in str(edited.context["adminform"].form.errors["on_hand"])
    assert any("units allocated to shipments" in str(m) for m in deleted.context["messages"])
    assert stock_snapshot() == before
    assert b"delete_selected" not in client.get(STOCK_URL).content


@pytest.mark.django_db
def test_admin_stock_count_and_removal_succeed_when_nothing_is_held(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    stock = StockFactory(sku="FREE-1", on_hand=3)
    assert client.post(f"{STOCK_URL}{stock.pk}/change/", {"on_hand": 7}).status_code == 302
    assert Stock.objects.get(pk=stock.pk).on_hand == 7
    assert client.post(f"{STOCK_URL}{stock.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Stock.objects.filter(pk=stock.pk).exists()
