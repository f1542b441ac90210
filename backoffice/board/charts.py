"""The board's charts: the flow's last 30 days, read in a few queries and drawn
as SVG geometry here (the template only writes the numbers out: no script, no
style attribute, nothing from another site, so the page keeps its CSP).

- orders placed, shipments shipped and returns created per day (one query each,
  on the placed, shipment-completed and return-created indexes);
- the share of confirmed orders shipped in full (completed) within 1, 2 and 3
  days of confirmation (one query), over orders placed 33 to 3 days ago, so
  every order counted has had its three days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from orders.models import Order
from returns.models import Return
from shipments.models import Shipment

DAYS = 30
WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 24, 12, 28
WITHIN_DAYS = (1, 2, 3)


@dataclass
class Series:
    key: str
    label: str
    counts: list[int]
    points: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class Tick:
    x: float
    y: float
    label: str


@dataclass
class FlowChart:
    days: list[date]
    series: list[Series]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    x_ticks: list[Tick] | None = None
    y_ticks: list[Tick] | None = None

    @property
    def rows(self) -> list[tuple[date, list[int]]]:
        """The chart's numbers as a table: one row per day, newest first."""
        return [
            (day, [s.counts[i] for s in self.series])
            for i, day in reversed(list(enumerate(self.days)))
        ]


@dataclass
class Bar:
    days: int
    orders: int
    total: int
    width: float = 0

    @property
    def percent(self) -> int:
        return round(100 * self.orders / self.total) if self.total else 0


def per_day(queryset, field: str, start: datetime, days: list[date]) -> list[int]:
    """How many rows per local day since `start`, one query grouped by day."""
    zone = timezone.get_current_timezone()
    rows = (
        queryset.filter(**{f"{field}__gte": start})
        .annotate(day=TruncDate(field, tzinfo=zone))
        .values("day")
        # COUNT(*): the date index alone answers it (an index-only scan).
        .annotate(n=Count("*"))
        .order_by()
    )
    found = {row["day"]: row["n"] for row in rows}
    return [found.get(day, 0) for day in days]


def flow_chart(today: date | None = None) -> FlowChart:
    today = today or timezone.localdate()
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    zone = timezone.get_current_timezone()
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=zone)
    series = [
        Series("placed", _("Orders placed"), per_day(Order.objects, "placed_at", start, days)),
        Series(
            "shipped",
            _("Shipments shipped"),
            per_day(Shipment.objects, "completed_at", start, days),
        ),
        Series(
            "returned", _("Returns created"), per_day(Return.objects, "created_at", start, days)
        ),
    ]
    return draw(days, series)


def nice_top(value: int) -> int:
    """The y axis's top: 1, 2 or 5 times a power of ten, at least `value`."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def draw(days: list[date], series: list[Series]) -> FlowChart:
    top = nice_top(max([1, *(max(s.counts) for s in series)]))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(days) - 1)

    def y_of(n: int) -> float:
        return round(TOP + inner_h - inner_h * n / top, 1)

    for s in series:
        s.points = " ".join(
            f"{round(LEFT + i * step, 1)},{y_of(n)}" for i, n in enumerate(s.counts)
        )
    # "7 Dec", the day and month as the numbers' table below the chart writes them.
    x_ticks = [
        Tick(round(LEFT + i * step, 1), HEIGHT - 8, date_format(day, "j M"))
        for i, day in enumerate(days)
        if i % 7 == (len(days) - 1) % 7
    ]
    y_ticks = [
        Tick(LEFT - 6, y_of(n), number_format(n, force_grouping=True))
        for n in (0, top // 2, top)
        if n or top
    ]
    return FlowChart(days, series, x_ticks=x_ticks, y_ticks=y_ticks)


def shipped_within(now: datetime | None = None) -> list[Bar]:
    """Of the orders placed 33 to 3 days ago and confirmed, how many were shipped
    in full (completed: every line shipped or cancelled) within 1, 2 and 3 days of
    confirmation. One query on the placed index, reading the order's own dates
    (a subquery per order for its first shipment took 300 ms at a million)."""
    now = now or timezone.now()
    within = {
        # Every row counted has a placed date (the range asks it); COUNT(*) takes no filter.
        f"within_{n}": Count(
            "placed_at",
            filter=Q(completed_at__isnull=False)
            & Q(completed_at__lte=F("confirmed_at") + timedelta(days=n)),
        )
        for n in WITHIN_DAYS
    }
    found = Order.objects.filter(
        placed_at__gte=now - timedelta(days=DAYS + WITHIN_DAYS[-1]),
        placed_at__lt=now - timedelta(days=WITHIN_DAYS[-1]),
        confirmed_at__isnull=False,
    ).aggregate(total=Count("*"), **within)
    bars = [Bar(n, found[f"within_{n}"], found["total"]) for n in WITHIN_DAYS]
    for bar in bars:
        bar.width = round(3 * bar.percent, 1)  # 300 px is 100 %
    return bars
