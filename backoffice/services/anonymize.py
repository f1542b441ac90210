"""Erasing a customer (GDPR art. 17) without losing the books.

The orders stay: amounts, lines, SKUs, the payment ledger's money, stock,
shipments, the country and every event. What goes is what names the person:
the order's names, e-mail, addresses (all but the country), notes and gift
message; the text of staff comments and of return comments; and any copy of
the customer's name, e-mail or street in the rest of the order's world (event
messages and data, outbox messages, sent-mail records, the ledger's provider
messages), replaced by "[removed]". Each order gets one event, which says only
that it was anonymised, and publishes "order.anonymized".

Refused as a whole, changing nothing, while any selected order is open or has
a return that is not completed. Runs in keyset batches that claim their orders
with SELECT … FOR UPDATE SKIP LOCKED (as `orders.bulk`): at a million orders
each batch is a range scan of the e-mail's index (`order_email_id_idx`), and
two runs never take the same order. A keyed hash of the address is kept
(`orders.models.AnonymizedCustomer`) to answer a repeated request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.actors import Actor, actor_name, actor_user, has_full_rights
from core.errors import DomainError, NotPermitted
from orders.bulk import DEFAULT_BATCH_SIZE, Batch, BatchProgress, Progress, batch_of
from orders.comments import COMMENT, DELETE, EDIT
from orders.events import publish_for_orders
from orders.models import OPEN_STATUSES, AnonymizedCustomer, Order, OrderEvent
from orders.models.anonymized import email_hash, normalized_email
from outbox.event_types import EventType
from outbox.models import OutboxMessage
from payments.models import PaymentTransaction
from returns.models import Return, ReturnStatus

PERMISSION = "orders.anonymize_order"
TRANSITION = "anonymize"
# The timeline's words, saved in the language of whoever anonymised (str() then).
MESSAGE = gettext_lazy("Customer's personal data anonymised.")
# Put in place of the customer's data inside texts and payloads (outbox, ledger):
# a marker in data, kept as it is in every language.
REMOVED = "[removed]"
COMMENT_REMOVED = gettext_lazy("Comment removed when the customer was anonymised.")

# Blanked on the order. The country stays (tax and statistics), so do the
# market, language and every amount.
ERASED_FIELDS = (
    "customer_email",
    "customer_name",
    "billing_name",
    "billing_street",
    "billing_city",
    "billing_zipcode",
    "shipping_name",
    "shipping_street",
    "shipping_city",
    "shipping_zipcode",
    "notes",
    "gift_message",
    "hold_reason",
)
# Their values are searched for (and replaced) in the order's other texts.
IDENTIFYING_FIELDS = (
    "customer_email",
    "customer_name",
    "billing_name",
    "shipping_name",
    "billing_street",
    "shipping_street",
)
# Shorter values ("Al") would take words that are not the customer's with them.
MIN_IDENTIFYING_LENGTH = 3
# No column holds a phone number; staff write one into free text (a hold's or a
# refund's reason) in the international form. Dates, amounts and references
# never start with "+", so nothing else matches.
PHONE_NUMBER = r"\+\d[\d\s().-]{5,}\d"


class AlreadyAnonymised(DomainError):
    """Nothing has this e-mail any more, and the hash says it was erased: done before."""


def anonymize_customer(*, email: str, by: Actor) -> int:
    """Anonymise every order of the customer with this e-mail; returns how many."""
    return anonymize_orders(queryset=Order.objects.all(), email=email, by=by)


def anonymize_orders(
    *,
    queryset: models.QuerySet,
    email: str,
    by: Actor,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> int:
    """Anonymise the queryset's orders with this e-mail (the command narrows the
    queryset with the list's filters); returns how many were anonymised."""
    address = normalized_email(email)
    if not address:
        raise DomainError(_("Give the customer's e-mail address."))
    ensure_may_anonymize(by)
    selected = queryset.filter(customer_email=address)
    refuse_unless_closed(selected, address)
    if dry_run:
        return min(selected.count(), limit) if limit is not None else selected.count()
    total = _in_batches(selected, by=by, batch_size=batch_size, limit=limit, progress=progress)
    _remember(address, total, by=by)
    return total


def ensure_may_anonymize(by: Actor) -> None:
    if not has_full_rights(by) and not by.has_perm(PERMISSION):
        raise NotPermitted(_("You do not have permission to anonymise customers."))


def refuse_unless_closed(selected: models.QuerySet, address: str) -> None:
    """One sentence, and nothing changed, unless every selected order may be anonymised."""
    # Any one order is named, not the first by number: "ORDER BY number LIMIT 1"
    # would walk the number index past a million rows instead of the e-mail's.
    if not selected.exists():
        already = AnonymizedCustomer.objects.filter(email_hash=email_hash(address)).first()
        if already:
            raise AlreadyAnonymised(
                _(
                    "This customer was already anonymised on %(date)s; "
                    "no order has this e-mail address any more."
                )
                % {"date": f"{already.anonymized_at:%Y-%m-%d}"}
            )
        raise DomainError(_("No order has this e-mail address."))
    still_open = next(iter(selected.filter(status__in=OPEN_STATUSES).order_by()[:1]), None)
    if still_open:
        raise DomainError(_still_open(still_open))
    unfinished = next(
        iter(
            Return.objects.filter(order__in=selected.values("pk"))
            .exclude(status=ReturnStatus.COMPLETED)
            .select_related("order")
            .order_by()[:1]
        ),
        None,
    )
    if unfinished:
        raise DomainError(
            _(
                "Return %(return)s is %(status)s: a customer is "
                "anonymised only once every return is completed."
            )
            % {"return": unfinished.number, "status": unfinished.get_status_display()}
        )


def _still_open(order: Order) -> str:
    return _(
        "%(order)s is still %(state)s: a customer is anonymised only once "
        "every order is completed or cancelled."
    ) % {"order": order, "state": order.state_label}


def anonymizable(queryset: models.QuerySet) -> models.QuerySet:
    """The rule again on the claimed rows: a return is created under the order's
    lock, so a locked order that passes this cannot gain an unfinished one."""
    unfinished = Return.objects.filter(order=OuterRef("pk")).exclude(status=ReturnStatus.COMPLETED)
    return queryset.exclude(status__in=OPEN_STATUSES).filter(~Exists(unfinished))


def _in_batches(
    selected: models.QuerySet,
    *,
    by: Actor,
    batch_size: int,
    limit: int | None,
    progress: Progress | None,
) -> int:
    """Keyset batches by primary key, each one transaction holding its claimed rows.

    An order another transaction holds is skipped, not waited for: it keeps its
    e-mail, so running the request again finds it.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    eligible = anonymizable(selected).order_by("pk")
    total, batch, last_pk = 0, 0, 0
    while limit is None or total < limit:
        size = batch_size if limit is None else min(batch_size, limit - total)
        with transaction.atomic():
            claim = eligible.filter(pk__gt=last_pk).select_for_update(
                skip_locked=True, of=("self",)
            )
            done = _anonymize_batch(list(claim.values_list("pk", flat=True)[:size]), by=by)
        if not done.count:
            break
        batch, total, last_pk = batch + 1, total + done.count, done.last_pk
        if progress:
            progress(BatchProgress(batch=batch, count=done.count, total=total, last_pk=last_pk))
    return total


def _anonymize_batch(ids: list[int], *, by: Actor) -> Batch:
    if not ids:
        return batch_of(ids)
    orders = Order.objects.filter(pk__in=ids)
    pattern = identifying_pattern(orders.values_list(*IDENTIFYING_FIELDS))
    now = timezone.now()
    _redact_rows(orders, ["cancel_reason"], pattern)
    orders.update(**dict.fromkeys(ERASED_FIELDS, ""), anonymized_at=now, updated_at=now)
    _erase_comments(OrderEvent.objects.filter(order_id__in=ids))
    _redact_rows(OrderEvent.objects.filter(order_id__in=ids), ["message", "data"], pattern)
    _redact_rows(
        OutboxMessage.objects.filter(order_id__in=ids), ["data", "last_error", "note"], pattern
    )
    _redact_rows(
        PaymentTransaction.objects.filter(payment__order_id__in=ids),
        ["message", "raw_response", "reference"],
        pattern,
    )
    Return.objects.filter(order_id__in=ids).exclude(comment="").update(comment="")
    _record(orders, by=by, at=now)
    return batch_of(ids)


def identifying_pattern(rows: Iterable[tuple[str, ...]]) -> re.Pattern:
    """One case-insensitive pattern for every identifying value of the orders, and
    for phone numbers."""
    values = {
        value
        for row in rows
        for whole in row
        # Each word of a name too: staff write "Mrs Lindqvist called".
        for value in [whole.strip(), *(whole.split() if whole and "@" not in whole else [])]
        if len(value) >= MIN_IDENTIFYING_LENGTH
    }
    # Longest first, so "Anna Lind" is replaced whole rather than word by word;
    # whole words only, so "Ann" leaves "Annual" alone.
    alternatives = [
        rf"(?<!\w){re.escape(value)}(?!\w)" for value in sorted(values, key=len, reverse=True)
    ]
    return re.compile("|".join([*alternatives, PHONE_NUMBER]), re.IGNORECASE)


def redacted(value: Any, pattern: re.Pattern) -> Any:
    """The value with every match replaced, inside JSON's lists and objects too."""
    if isinstance(value, str):
        return pattern.sub(REMOVED, value)
    if isinstance(value, list):
        return [redacted(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: redacted(item, pattern) for key, item in value.items()}
    return value


def _redact_rows(queryset: models.QuerySet, fields: list[str], pattern: re.Pattern) -> None:
    """Rewrite the rows whose fields hold a match; the others are read, never written.

    Read as tuples, not model instances: an order's world is tens of rows each
    and a batch thousands of orders, almost none of whose rows change.
    """
    model, changed = queryset.model, []
    for pk, *before in queryset.values_list("pk", *fields).iterator(chunk_size=5000):
        after = [redacted(value, pattern) for value in before]
        if after != before:
            changed.append(model(pk=pk, **dict(zip(fields, after, strict=True))))
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=500)


def _erase_comments(events: models.QuerySet) -> None:
    """A comment's text, and the text its edit and deletion logged, whoever it names."""
    comments = events.filter(subject=OrderEvent.Subject.COMMENT)
    comments.filter(transition=COMMENT).update(message=str(COMMENT_REMOVED))
    changed = []
    for event in comments.filter(transition__in=[EDIT, DELETE]).only("pk", "data"):
        kept = {key: value for key, value in event.data.items() if key not in ("text", "before")}
        if kept != event.data:
            event.data = kept
            changed.append(event)
    OrderEvent.objects.bulk_update(changed, ["data"], batch_size=500)


def _record(orders: models.QuerySet, *, by: Actor, at) -> None:
    """One event per order, naming no one, and "order.anonymized" for the integrations."""
    user, actor, message = actor_user(by), actor_name(by), str(MESSAGE)
    events = OrderEvent.objects.bulk_create(
        OrderEvent(
            order_id=pk,
            created_at=at,
            user=user,
            actor=actor,
            transition=TRANSITION,
            from_state=str(status),
            to_state=str(status),
            message=message,
        )
        for pk, status in orders.values_list("pk", "status")
    )
    numbers = dict(orders.values_list("pk", "number"))
    publish_for_orders(
        EventType.ORDER_ANONYMIZED,
        [(event.pk, event.order_id, numbers[event.order_id]) for event in events],
        occurred_at=at,
    )


def _remember(address: str, count: int, *, by: Actor) -> None:
    """The keyed hash of the address, so a repeated request is answered without it."""
    if not count:
        return
    who = {"actor": actor_name(by), "user": actor_user(by), "anonymized_at": timezone.now()}
    with transaction.atomic():
        # get_or_create survives a second run creating the row at the same moment.
        AnonymizedCustomer.objects.get_or_create(email_hash=email_hash(address), defaults=who)
        AnonymizedCustomer.objects.filter(email_hash=email_hash(address)).update(
            orders_count=F("orders_count") + count, **who
        )


def anonymize_refusal(order: Order, by: Actor) -> str | None:
    """What the order page can tell without a query; the service checks the
    customer's other orders and returns when the step is taken."""
    if not has_full_rights(by) and not by.has_perm(PERMISSION):
        return _("You do not have permission to anonymise customers.")
    if order.anonymized_at is not None or not order.customer_email:
        return _("%(order)s has no customer data left to anonymise.") % {"order": order}
    if order.status in OPEN_STATUSES:
        return _still_open(order)
    return None


def anonymize_customer_of_order(*, order_id: int, by: Actor, email: str) -> int:
    """The order page's step: the customer's e-mail is typed again, as a confirmation."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise DomainError(
            _("Order #%(id)s does not exist (it may have been deleted).") % {"id": order_id}
        )
    if not order.customer_email or normalized_email(email) != order.customer_email:
        raise DomainError(
            _("The e-mail typed is not the customer e-mail of %(order)s.") % {"order": order}
        )
    return anonymize_customer(email=order.customer_email, by=by)
