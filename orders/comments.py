"""Staff comments on an order's timeline ("customer called, wants delivery after the 12th").

A comment is an `OrderEvent` of subject "comment", in the same timeline as the
transitions. Whoever may view an order may comment on it, in every status
(Completed, Archived and Cancelled too) and on hold: a comment changes nothing
about the order, not even its `updated_at`, so no state rule applies to it.

Only its author edits or deletes a comment, and each edit and delete is an
event of its own that keeps the text before, so the timeline still says what
was said and by whom. Like every service: keyword-only arguments, one
transaction, the order row locked first (so a comment never lands on an order
being deleted), and a refusal is a `DomainError` that changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor
from core.errors import DomainError
from orders.events import record_event
from orders.locks import lock_order, lock_with_order
from orders.models import Order, OrderEvent

COMMENT = "comment"
EDIT = "edit_comment"
DELETE = "delete_comment"
MAX_LENGTH = 2000
# Commenting needs nothing beyond seeing the order.
PERMISSION = "orders.view_order"
# Why someone else's comment is refused, one whole sentence per verb.
ONLY_THE_AUTHOR = {
    "edit": gettext_lazy("Only its author can edit a comment."),
    "delete": gettext_lazy("Only its author can delete a comment."),
}


def may_comment(by: Actor) -> bool:
    """Processes may (an integration's note); a user needs to be able to view orders."""
    return isinstance(by, str) or (by.is_active and by.has_perm(PERMISSION))


def is_author(comment: OrderEvent, by: Actor) -> bool:
    if isinstance(by, str):
        return comment.user_id is None and comment.actor == by
    return by.is_authenticated and comment.user_id == by.pk


def add_comment(*, order_id: int, by: Actor, text: str) -> OrderEvent:
    text = _checked_text(text)
    _ensure_may_comment(by)
    with transaction.atomic():
        order = lock_order(order_id)
        return record_event(
            order=order,
            by=by,
            transition=COMMENT,
            publishes=None,  # staff's notes stay in the back office
            subject=OrderEvent.Subject.COMMENT,
            message=text,
        )


def edit_comment(*, comment_id: int, by: Actor, text: str) -> OrderEvent:
    """Change a comment's text in place, and log the text it had (an event of its own)."""
    text = _checked_text(text)
    _ensure_may_comment(by)
    with transaction.atomic():
        comment = _locked_own_comment(comment_id, by, "edit")
        if comment.message == text:
            return comment
        before = comment.message
        comment.message = text
        comment.data = {**comment.data, "edited_at": timezone.now().isoformat()}
        comment.save(update_fields=["message", "data"])
        record_event(
            order=comment.order,
            by=by,
            transition=EDIT,
            publishes=None,
            subject=OrderEvent.Subject.COMMENT,
            subject_ref=str(comment.pk),
            message=_("Edited the comment of %(when)s.") % {"when": _when(comment)},
            data={"comment_id": comment.pk, "before": before},
        )
    return comment


def delete_comment(*, comment_id: int, by: Actor) -> OrderEvent:
    """Remove a comment from the timeline; the event logging it keeps what it said."""
    _ensure_may_comment(by)
    with transaction.atomic():
        comment = _locked_own_comment(comment_id, by, "delete")
        logged = record_event(
            order=comment.order,
            by=by,
            transition=DELETE,
            publishes=None,
            subject=OrderEvent.Subject.COMMENT,
            subject_ref=str(comment.pk),
            message=_("Deleted the comment of %(when)s.") % {"when": _when(comment)},
            data={
                "comment_id": comment.pk,
                "text": comment.message,
                "written_at": comment.created_at.isoformat(),
            },
        )
        comment.delete()
    return logged


def with_comment_count(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Annotate `comment_count`: one correlated subquery on the events' order index,
    evaluated only for the rows a page shows (no query per row)."""
    comments = (
        OrderEvent.objects.filter(
            order=OuterRef("pk"), subject=OrderEvent.Subject.COMMENT, transition=COMMENT
        )
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        comment_count=Coalesce(Subquery(comments, output_field=IntegerField()), Value(0))
    )


def _checked_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write something in the comment first."))
    if len(text) > MAX_LENGTH:
        raise DomainError(
            _("A comment can be at most %(count)s characters long.") % {"count": MAX_LENGTH}
        )
    return text


def _ensure_may_comment(by: Actor) -> None:
    if not may_comment(by):
        raise DomainError(_("You do not have permission to comment on orders."))


def _locked_own_comment(comment_id: int, by: Actor, verb: str) -> OrderEvent:
    """The comment, its order locked first (the one lock order), then its own row."""
    comment = lock_with_order(
        OrderEvent.objects.filter(subject=OrderEvent.Subject.COMMENT, transition=COMMENT),
        pk=comment_id,
        gone=_("That comment does not exist (it may have been deleted)."),
    )
    if not is_author(comment, by):
        raise DomainError(ONLY_THE_AUTHOR[verb])
    return comment


def _when(comment: OrderEvent) -> str:
    return date_format(timezone.localtime(comment.created_at), "j M Y H:i")
