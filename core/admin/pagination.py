"""A paginator for tables of millions of rows: no COUNT(*) over the table."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Counts with PostgreSQL's estimates where an exact count would be a scan.

    Unfiltered, the count is `pg_class.reltuples`. Filtered (the default list
    hides archived orders), the planner's row estimate is asked first and used
    when it is large, since counting hundreds of thousands of rows exactly takes
    seconds and a back-office user only needs "about 960,000"; small results are
    counted exactly. A table that was never analyzed, or is small, is always
    counted exactly, as is everything on SQLite.
    """

    estimate_above = 10_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.estimated = False

    @cached_property
    def count(self) -> int:
        estimate = self._estimate()
        if estimate is not None and estimate >= self.estimate_above:
            self.estimated = True
            return estimate
        return super().count

    def _estimate(self) -> int | None:
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
                return row[0]
            sql, params = queryset.order_by().query.sql_with_params()
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])
