"""The board's tiles: one kind of waiting work each, counted in one indexed query.

A tile is data: the rows (`rows`, a queryset for the user), the field that dates
them (the oldest's age), the list that shows exactly those rows (`model` and
`query`, the changelist's own filter parameters), and whose work it is (`may`,
from the step's permission). `tests/test_board.py` follows every tile's link and
compares the list's count with the tile's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from backoffice.models import StepJob
from backoffice.steps import step_of
from orders.models import HoldKind, Order, OrderStatus
from outbox.models import OutboxMessage
from payments.models import Payment
from payments.selectors import authorizations_lapsing
from returns.models import Return, ReturnStatus
from shipments.models import Shipment, ShipmentStatus


def may_take(model: type[models.Model], step_name: str) -> Callable[[object], bool]:
    """Whether a user may take the back office's step `step_name` of `model`: its
    permission (a permission decided per object counts as yes: the list says)."""

    def check(user) -> bool:
        permission = step_of(model, step_name).permission(model)
        return not isinstance(permission, str) or user.has_perm(permission)

    return check


def may_run(function) -> Callable[[object], bool]:
    """Whether a user has the permission of a transition (a return's complete, refund)."""

    def check(user) -> bool:
        transitions = function._django_fsm.transitions.values()
        permission = next(iter(transitions)).permission
        return not isinstance(permission, str) or user.has_perm(permission)

    return check


def may(permission: str) -> Callable[[object], bool]:
    return lambda user: user.has_perm(permission)


@dataclass(frozen=True)
class Tile:
    key: str
    title: str
    model: type[models.Model]
    # The changelist's query string that lists exactly `rows`.
    query: str
    rows: Callable[[object], models.QuerySet]
    dated_by: str
    may: Callable[[object], bool]
    # What the user does next, under the count.
    hint: str = ""
    # `dated_by` is a deadline ahead (an authorization's expiry), not a start.
    due: bool = False

    def url(self) -> str:
        opts = self.model._meta
        return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?{self.query}"


@dataclass(frozen=True)
class Shown:
    """A tile as the board shows it: its count and oldest row's date."""

    tile: Tile
    count: int
    oldest: datetime | None

    @property
    def url(self) -> str:
        return self.tile.url()

    @property
    def age(self) -> str:
        """The oldest row's age, or for a deadline how soon the first one falls."""
        if not self.oldest:
            return ""
        now = timezone.now()
        if not self.tile.due:
            return gettext("oldest %(age)s") % {"age": age(self.oldest, now)}
        if self.oldest <= now:
            return gettext("first lapsed %(age)s ago") % {"age": age(self.oldest, now)}
        return gettext("first lapses in %(age)s") % {"age": age(now, self.oldest)}


def age(moment: datetime, now: datetime | None = None) -> str:
    """How long ago, in the largest whole unit: "5 min", "3 h", "2 days"."""
    seconds = max(0, int(((now or timezone.now()) - moment).total_seconds()))
    if seconds < 60:
        return gettext("under a minute")
    if seconds < 3600:
        return gettext("%(count)s min") % {"count": seconds // 60}
    if seconds < 86400:
        return gettext("%(count)s h") % {"count": seconds // 3600}
    days = seconds // 86400
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def _held_title(kind: HoldKind) -> str:
    return gettext("On hold: %(kind)s") % {"kind": kind.label.lower()}


# The hold tiles' titles are made at import time and read in the user's language.
held_title = lazy(_held_title, str)


def not_archived(queryset):
    # The orders list leaves archived orders out unless a status is asked for.
    return queryset.exclude(status=OrderStatus.ARCHIVED)


ORDER_TILES = [
    Tile(
        "to_confirm",
        _("Waiting for confirmation"),
        Order,
        f"status={OrderStatus.PENDING.value}",
        lambda user: Order.objects.filter(status=OrderStatus.PENDING),
        "placed_at",
        may_take(Order, "confirm"),
        hint=_("Confirm, or hold with a reason"),
    ),
]

# One tile per hold kind, counted together in one query (`held_tiles`).
HOLD_TILES = [
    Tile(
        f"held_{kind.value}",
        held_title(kind),
        Order,
        f"on_hold=true&hold_kind={kind.value}",
        lambda user, kind=kind: not_archived(Order.objects.filter(on_hold=True, hold_kind=kind)),
        "held_at",
        may_take(Order, "resume"),
        hint=_("Resume once settled"),
    )
    for kind in HoldKind
]

SHIPMENT_TILES = [
    Tile(
        "to_capture",
        _("Good-to-go, to capture"),
        Shipment,
        f"status__exact={ShipmentStatus.GOOD_TO_GO.value}",
        lambda user: Shipment.objects.filter(status=ShipmentStatus.GOOD_TO_GO),
        "good_to_go_at",
        may_take(Shipment, "capture"),
        hint=_("Capture the payment, then ship"),
    ),
    Tile(
        "to_ship",
        _("Paid, not shipped"),
        Shipment,
        f"status__exact={ShipmentStatus.PAID.value}",
        lambda user: Shipment.objects.filter(status=ShipmentStatus.PAID),
        "paid_at",
        may_take(Shipment, "complete"),
        hint=_("Pack, then complete with tracking"),
    ),
    Tile(
        "capture_requested",
        _("Capture requested, not settled"),
        Shipment,
        f"status__exact={ShipmentStatus.CAPTURE_REQUESTED.value}",
        lambda user: Shipment.objects.filter(status=ShipmentStatus.CAPTURE_REQUESTED),
        "good_to_go_at",
        may_take(Shipment, "capture"),
        hint=_("Waiting for the provider's notification"),
    ),
]

PAYMENT_TILES = [
    Tile(
        "authorization_expiring",
        _("Authorizations lapsing within 3 days"),
        Payment,
        "expires_within=3",
        lambda user: authorizations_lapsing(timedelta(days=3)),
        "authorization_expires_at",
        may("payments.capture_payment"),
        hint=_("Capture, or authorize again"),
        due=True,
    ),
]

RETURN_TILES = [
    Tile(
        "return_goods",
        _("Returns waiting for the goods"),
        Return,
        "waiting=goods",
        lambda user: Return.objects.exclude(status=ReturnStatus.COMPLETED),
        "created_at",
        may_run(Return.complete),
        hint=_("Receive them: complete the return"),
    ),
    Tile(
        "return_refund",
        _("Returns waiting for a refund"),
        Return,
        "waiting=refund",
        lambda user: Return.objects.filter(refunded_at__isnull=True),
        "created_at",
        may_run(Return.refund),
        hint=_("Refund the customer"),
    ),
]

OTHER_TILES = [
    Tile(
        "webhooks_failed",
        _("Webhooks failed"),
        OutboxMessage,
        f"state=failed&channel__exact={OutboxMessage.Channel.WEBHOOK.value}",
        lambda user: OutboxMessage.objects.filter(
            delivered_at__isnull=True,
            failed_at__isnull=False,
            channel=OutboxMessage.Channel.WEBHOOK,
        ),
        "failed_at",
        may("outbox.change_outboxmessage"),
        hint=_("Fix the receiver, then redeliver"),
    ),
    Tile(
        "my_jobs",
        _("My background steps"),
        StepJob,
        "state=unfinished&whose=mine",
        lambda user: StepJob.objects.filter(created_by=user, finished_at__isnull=True),
        "created_at",
        lambda user: user.is_staff,
        hint=_("Queued or running"),
    ),
]

TILES = [
    *ORDER_TILES,
    *HOLD_TILES,
    *SHIPMENT_TILES,
    *PAYMENT_TILES,
    *RETURN_TILES,
    *OTHER_TILES,
]


def count(tile: Tile, user) -> Shown:
    """One query: how many rows, and the oldest's date."""
    found = tile.rows(user).aggregate(count=Count("*"), oldest=Min(tile.dated_by))
    return Shown(tile, found["count"], found["oldest"])


def held_tiles(user) -> list[Shown]:
    """The hold tiles, counted in one query grouped by kind (the on-hold index)."""
    tiles = [tile for tile in HOLD_TILES if tile.may(user)]
    if not tiles:
        return []
    rows = (
        not_archived(Order.objects.filter(on_hold=True))
        .values("hold_kind")
        .annotate(count=Count("pk"), oldest=Min("held_at"))
        .order_by()
    )
    found = {row["hold_kind"]: row for row in rows}
    shown = []
    for tile in tiles:
        row = found.get(tile.key.removeprefix("held_"), {})
        shown.append(Shown(tile, row.get("count", 0), row.get("oldest")))
    return shown


def tiles_for(user, may_open: Callable[[type[models.Model]], bool]) -> list[Shown]:
    """The tiles the user's role works on and whose list they may open, counted."""
    shown = []
    for tile in TILES:
        if tile in HOLD_TILES:
            if tile is HOLD_TILES[0] and may_open(Order):
                shown += held_tiles(user)
            continue
        if tile.may(user) and may_open(tile.model):
            shown.append(count(tile, user))
    return shown


__all__ = ["TILES", "Shown", "Tile", "age", "tiles_for"]
