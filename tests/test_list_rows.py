"""The lists' rows drawn by `core.admin.rows` are Django's own, cell for cell.

Every list of the admin, on the crawl's world (every status, shipments in every
state, payments, returns, comments, empty values), in English and in Swedish, and
the orders list filtered and searched (its row links carry the filters).
"""

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.urls import reverse
from django.utils import timezone, translation

from core.admin.changelist import PageFirstMixin
from core.admin.rows import page_results
from orders.models import OrderStatus
from tests.crawl_support import SUPERUSER, crawl_world, crawler


def changelists(client, urls: list[str]):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.context["cl"]


def every_list() -> list[str]:
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv"])
def test_every_lists_rows_are_djangos_cells(client, language):
    crawl_world()
    client.force_login(crawler(SUPERUSER))
    orders = reverse("admin:orders_order_changelist")
    urls = [*every_list(), f"{orders}?status={OrderStatus.PENDING}&q=a", f"{orders}?on_hold=true"]
    compared = set()
    with translation.override(language):
        for url, changelist in changelists(client, urls):
            ours = [list(row) for row in page_results(changelist)]
            djangos = [list(row) for row in admin_list.results(changelist)]
            assert ours == djangos, url
            if ours:
                compared.add(type(changelist.model_admin))
    page_first = {type(a) for a in admin.site._registry.values() if isinstance(a, PageFirstMixin)}
    assert page_first <= compared  # the orders, shipments and payments lists had rows
    assert len(compared) > 10, compared


@pytest.mark.django_db
def test_the_page_first_lists_draw_their_rows_with_page_results(client, monkeypatch):
    crawl_world()
    client.force_login(crawler(SUPERUSER))
    drawn = []
    monkeypatch.setattr(
        "core.admin.rows.page_results",
        lambda changelist: drawn.append(changelist.model) or [],
    )
    monkeypatch.setattr(admin_list, "results", lambda changelist: pytest.fail("Django's rows"))
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, PageFirstMixin):
            opts = model_admin.model._meta
            response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
            assert response.status_code == 200
    assert len(drawn) == 3, drawn


class EveryKindOfColumn(PageFirstMixin, admin.ModelAdmin):
    """Columns no list of ours has yet: a date, a yes/no, an empty text, a missing row,
    a model attribute, a lambda, a related field's id."""

    list_display = [
        "number",
        "placed_day",
        "paid",
        "blank",
        "missing",
        "get_status_display",
        lambda order: order.market,
        "on_hold",
        "placed_at",
    ]
    list_display_links = ["placed_day"]

    @admin.display(description="placed day")
    def placed_day(self, order):
        return order.placed_at.date() if order.placed_at else None

    @admin.display(boolean=True, description="paid")
    def paid(self, order):
        return order.number % 2 == 0

    @admin.display(description="blank", empty_value="(none)")
    def blank(self, order):
        return "  "

    @admin.display(description="missing", empty_value="(not there)")
    def missing(self, order):
        raise order.DoesNotExist


@pytest.mark.django_db
def test_every_kind_of_column_is_drawn_as_django_draws_it(rf):
    from orders.models import Order
    from tests.factories import OrderFactory

    OrderFactory.create_batch(3, status=OrderStatus.PENDING, placed_at=timezone.now())
    OrderFactory(placed_at=None)
    request = rf.get("/admin/orders/order/")
    request.user = crawler(SUPERUSER)
    changelist = EveryKindOfColumn(Order, admin.site).get_changelist_instance(request)
    changelist.formset = None
    ours = [list(row) for row in page_results(changelist)]
    assert ours == [list(row) for row in admin_list.results(changelist)]
    cells = [cell for row in ours for cell in row]
    assert len(ours) == 4
    assert sum('class="field-placed_day nowrap"' in cell for cell in cells) == 3
    assert sum(cell == '<td class="field-missing">—</td>' for cell in cells) == 4
