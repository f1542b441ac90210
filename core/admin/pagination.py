"""A paginator for tables of millions of rows: no COUNT(*) over the table, and no
query run twice to count a list and then show it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


@dataclass(frozen=True)
class Plan:
    """What PostgreSQL's planner expects of a list's query, before running it."""

    rows: int
    # The planner's cost of producing every row (its own units: about 0.01 ms
    # each on this project's benchmark machine, with the data in memory).
    cost: float


class EstimatedCountPaginator(Paginator):
    """Counts with PostgreSQL's estimates where an exact count would be a scan.

    Unfiltered, the count is `pg_class.reltuples`. Filtered (the default list
    hides archived orders), the planner is asked first. A result it expects to be
    small and cheap to read is counted exactly; a large one, or one whose every
    row would have to be joined or read from the heap to be counted (a search
    for a best-selling SKU: thousands of orders, each looked up), takes the
    planner's estimate, since a back-office user only needs "about 8,600" and the
    page itself reads only its own rows (a result the planner expects to fit on
    one page is read exactly: the page would cost the same). A table that was never analyzed, or is
    small, is always counted exactly, as is everything on SQLite.

    With `read_ids`, an exact count is not a COUNT(*) but the list's ids in its
    order (at most `estimate_above`): the count is their number and every page
    is a slice of them (`page_ids`), so the list's query runs once, not once to
    count and again for the page.
    """

    estimate_above = 10_000
    # Above this planner cost the exact count is skipped (about 40 ms of reading).
    count_cost_above = 4_000

    def __init__(self, *args, read_ids: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.estimated = False
        self.read_ids = read_ids
        self.ids: list | None = None

    @cached_property
    def count(self) -> int:
        plan = self._plan()
        if plan is not None and (
            plan.rows >= self.estimate_above
            # Costly to count, and more than a page: the page itself stops early.
            or (plan.cost > self.count_cost_above and plan.rows > self.per_page)
        ):
            self.estimated = True
            return plan.rows
        if not self.read_ids:
            return super().count
        ids = list(self.object_list.values_list("pk", flat=True)[: self.estimate_above + 1])
        if len(ids) > self.estimate_above:
            # The planner expected fewer: count as it would have for a large result.
            self.estimated = True
            return max(plan.rows if plan else 0, len(ids))
        self.ids = ids
        return len(ids)

    def settle(self, exact: int) -> None:
        """The count is known exactly after all (a page came back short): it
        replaces the estimate and what was derived from it."""
        self.__dict__["count"] = exact
        self.__dict__.pop("num_pages", None)
        self.estimated = False

    def page_ids(self, number) -> list | None:
        """The ids of page `number` when the count read them all; else None."""
        if self.ids is None:
            return None
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self.ids[bottom : bottom + self.per_page]

    def _plan(self) -> Plan | None:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [queryset.model._meta.db_table],
            )
            row = cursor.fetchone()
            # -1 (PostgreSQL 14+) or 0 means never analyzed; a small table is
            # cheap to count.
            if row is None or row[0] < self.estimate_above:
                return None
            if not queryset.query.where:
                return Plan(rows=row[0], cost=float("inf"))
            sql, params = queryset.order_by().query.sql_with_params()
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        return Plan(rows=int(plan["Plan Rows"]), cost=float(plan["Total Cost"]))
