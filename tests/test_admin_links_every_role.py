"""No role sees a link it cannot open.

For each group, a user without permissions and a superuser: start at /admin/,
follow breadth-first every admin link (href) of every page that answered 200,
and check that each link opens for that user — no 403, no 404, no 500, no
detour to the login page, no "does not exist" bounce to the index, and no step
page that sends the user back with a refusal. All failures are collected and
reported at once, as "page → link: what happened".

The crawl and its data: tests/crawl_support.py.
"""

from __future__ import annotations

import time

import pytest

from backoffice.jobs import queue_step_job
from backoffice.jobs.worker import run_due_jobs
from backoffice.steps import ORDER_STEPS
from core.roles import BACKOFFICE_ADMIN
from orders import services
from orders.comments import add_comment, may_comment
from orders.models import DeletedOrder, Order, OrderStatus
from tests.admin_support import ROLES
from tests.crawl_support import (
    AFTER_ORDERS_VIEWER,
    ORDERS_VIEWER,
    SUPERUSER,
    crawl,
    crawl_world,
    crawler,
    link_path,
)
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def data():
    return crawl_world()


@pytest.mark.parametrize("role", [*ROLES, ORDERS_VIEWER, AFTER_ORDERS_VIEWER, SUPERUSER])
def test_no_role_sees_a_link_it_cannot_open(client, data, role):
    user = crawler(role)
    if may_comment(user):  # their own comment, which they may edit
        add_comment(order_id=data[0].pk, by=user, text="Called the customer back.")
    if user.has_perm("orders.confirm_order"):  # a finished background step of theirs
        confirm = next(step for step in ORDER_STEPS if step.name == "confirm")
        queue_step_job(
            by=user, model=Order, step=confirm, object_ids=[o.pk for o in data], params={}
        )
        while run_due_jobs():
            pass
    client.force_login(user)
    began = time.monotonic()
    failures, size = crawl(client)
    print(
        f"{role}: {size['pages']} pages visited, {size['links']} links checked "
        f"in {time.monotonic() - began:.1f} s"
    )
    assert failures == [], "\n".join(["links that do not open:", *failures])
    if role == SUPERUSER:
        # The crawl reaches what it is meant to: every order's page and each admin.
        orders = {link_path(url) for url in size["kinds"]["/admin/orders/order/<id>/change/"]}
        assert orders == {f"/admin/orders/order/{o.pk}/change/" for o in data}


def test_who_deleted_an_order_is_named_as_text_unless_users_open(client):
    purger = UserFactory(username="purger", groups=[BACKOFFICE_ADMIN])
    order = OrderFactory(status=S.CANCELLED)
    services.delete_order_permanently(order_id=order.pk, by=purger, reason="Erasure")
    page = f"/admin/orders/deletedorder/{DeletedOrder.objects.get().pk}/change/"
    user_url = f"/admin/auth/user/{purger.pk}/change/"
    client.force_login(purger)
    html = client.get(page).content.decode()
    assert '<div class="readonly">purger</div>' in html
    assert user_url not in html
    client.force_login(crawler(SUPERUSER))
    assert f'<a href="{user_url}">purger</a>' in client.get(page).content.decode()
