"""Comments on the order timeline: who may write, edit and delete them, in every
status, and that they never change the order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.admin.orders import OrderAdmin
from core.errors import DomainError
from core.roles import CUSTOMER_SERVICE, DEFAULT_GROUPS, FINANCE, WAREHOUSE
from orders import comments
from orders.models import Order, OrderEvent, OrderStatus
from tests.admin_support import NO_PERMISSIONS, ORDERS_URL, messages_of, role_user
from tests.factories import OrderFactory
from tests.helpers import snapshot

S = OrderStatus
pytestmark = pytest.mark.django_db

# Every status, and on hold where an order can be held.
STATES = [(status, False) for status in S] + [
    (status, True) for status in (S.PENDING, S.CONFIRMED, S.PROCESSING)
]


def add_url(order) -> str:
    return f"{ORDERS_URL}{order.pk}/comments/add/"


def comment_url(comment) -> str:
    return f"{ORDERS_URL}{comment.order_id}/comments/{comment.pk}/"


def the_order_alone(order) -> dict:
    """The order's snapshot without the event count (a comment is an event)."""
    state = snapshot(order)
    del state["events"]
    return state


def comments_of(order):
    return list(
        OrderEvent.objects.filter(order=order, subject=OrderEvent.Subject.COMMENT).order_by("pk")
    )


@pytest.mark.postgres(
    "a role × status matrix, left to the whole suite on PostgreSQL to keep SQLite runs short"
)
@pytest.mark.parametrize(("status", "on_hold"), STATES, ids=lambda v: str(v))
def test_every_role_comments_in_every_status_and_hold_and_the_order_never_changes(
    client, status, on_hold
):
    order = OrderFactory(status=status, on_hold=on_hold)
    before = the_order_alone(order)
    events_before = OrderEvent.objects.filter(order=order).count()
    for role in DEFAULT_GROUPS:
        user = role_user(role)
        client.force_login(user)
        page = client.get(f"{ORDERS_URL}{order.pk}/change/")
        assert page.status_code == 200
        assert 'data-action="add-comment"' in page.content.decode()
        response = client.post(add_url(order), {"text": f"Called the customer ({role})."})
        assert response.status_code == 302
        assert response["Location"].endswith(f"/{order.pk}/change/#comments")
        assert messages_of(response) == [f"Comment added to {order}."]
        comment = comments_of(order)[-1]
        assert (comment.user, comment.actor, comment.message) == (
            user,
            user.username,
            f"Called the customer ({role}).",
        )
    assert the_order_alone(order) == before
    assert OrderEvent.objects.filter(order=order).count() == events_before + len(DEFAULT_GROUPS)


def test_a_user_without_view_permission_cannot_comment(client):
    order = OrderFactory(status=S.CONFIRMED)
    before = snapshot(order)
    user = role_user(NO_PERMISSIONS)
    client.force_login(user)
    assert client.get(f"{ORDERS_URL}{order.pk}/change/").status_code == 403
    assert client.post(add_url(order), {"text": "Let me in"}).status_code == 403
    with pytest.raises(DomainError, match="You do not have permission to comment on orders"):
        comments.add_comment(order_id=order.pk, by=user, text="Let me in")
    assert snapshot(order) == before


def test_an_empty_or_too_long_comment_is_refused_in_one_sentence_and_nothing_changes(client):
    order = OrderFactory(status=S.PENDING)
    before = snapshot(order)
    client.force_login(role_user(WAREHOUSE))
    response = client.post(add_url(order), {"text": "   "})
    assert messages_of(response) == ["Write something in the comment first."]
    response = client.post(add_url(order), {"text": "x" * (comments.MAX_LENGTH + 1)})
    assert messages_of(response) == [
        f"Ensure this value has at most {comments.MAX_LENGTH} characters (it has "
        f"{comments.MAX_LENGTH + 1})."
    ]
    with pytest.raises(DomainError, match="Write something in the comment first"):
        comments.add_comment(order_id=order.pk, by="integration:shop", text="")
    assert snapshot(order) == before


def test_the_author_edits_and_deletes_and_both_are_logged_with_the_text_before(client):
    order = OrderFactory(status=S.COMPLETED)
    before = the_order_alone(order)
    author = role_user(FINANCE)
    client.force_login(author)
    client.post(add_url(order), {"text": "Refund promised"})
    (comment,) = comments_of(order)

    page = client.get(comment_url(comment))
    assert page.status_code == 200 and "Refund promised" in page.content.decode()
    response = client.post(comment_url(comment), {"text": "Refund promised by phone", "_save": 1})
    assert messages_of(response) == ["Comment saved."]
    comment.refresh_from_db()
    assert comment.message == "Refund promised by phone" and comment.data["edited_at"]
    edit = OrderEvent.objects.get(order=order, transition=comments.EDIT)
    assert (edit.user, edit.data) == (
        author,
        {"comment_id": comment.pk, "before": "Refund promised"},
    )

    response = client.post(comment_url(comment), {"text": "", "_delete": 1})
    assert messages_of(response) == ["Comment deleted."]
    assert not OrderEvent.objects.filter(pk=comment.pk).exists()
    deleted = OrderEvent.objects.get(order=order, transition=comments.DELETE)
    assert deleted.user == author and deleted.data["text"] == "Refund promised by phone"
    assert the_order_alone(order) == before


def test_only_the_author_may_edit_or_delete_a_comment(client):
    order = OrderFactory(status=S.CANCELLED)
    author = role_user(FINANCE)
    comment = comments.add_comment(order_id=order.pk, by=author, text="Mine")
    other = role_user(CUSTOMER_SERVICE)
    before = snapshot(order)

    client.force_login(other)
    page = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()
    assert "centra-comment-edit" not in page
    response = client.post(comment_url(comment), {"text": "Yours now", "_save": 1})
    assert messages_of(response) == ["You can only edit your own comments."]
    client.post(comment_url(comment), {"_delete": 1})
    for attempt in (
        lambda: comments.edit_comment(comment_id=comment.pk, by=other, text="Yours now"),
        lambda: comments.delete_comment(comment_id=comment.pk, by=other),
    ):
        with pytest.raises(DomainError, match="Only its author can"):
            attempt()
    assert snapshot(order) == before
    assert OrderEvent.objects.get(pk=comment.pk).message == "Mine"

    client.force_login(author)
    assert "centra-comment-edit" in client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()


def test_a_transition_event_is_not_a_comment_and_cannot_be_edited():
    order = OrderFactory(status=S.PENDING)
    checkout = OrderEvent.objects.get(order=order, transition="checkout")
    with pytest.raises(DomainError, match="That comment does not exist"):
        comments.edit_comment(comment_id=checkout.pk, by="factory", text="rewritten")


def test_the_list_marks_orders_with_comments_without_a_query_per_row(
    client, django_assert_max_num_queries, monkeypatch
):
    client.force_login(role_user(CUSTOMER_SERVICE))
    orders = [OrderFactory(status=S.CONFIRMED) for _ in range(30)]
    for order in orders[:10]:
        comments.add_comment(order_id=order.pk, by="integration:shop", text="One")
        comments.add_comment(order_id=order.pk, by="integration:shop", text="Two")
    page = client.get(ORDERS_URL).content.decode()
    assert page.count('title="2 comments"') == 10
    counts = {}
    for per_page in (10, 30):
        monkeypatch.setattr(OrderAdmin, "list_per_page", per_page)
        with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as queries:
            client.get(ORDERS_URL)
        counts[per_page] = len(queries)
    assert counts[10] == counts[30]


def test_a_comment_leaves_the_order_updated_at_and_row_alone():
    order = OrderFactory(status=S.ARCHIVED)
    updated_at = Order.objects.get(pk=order.pk).updated_at
    comments.add_comment(order_id=order.pk, by="integration:crm", text="=HYPERLINK()")
    assert Order.objects.get(pk=order.pk).updated_at == updated_at
