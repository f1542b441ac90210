"""A job's selection kept as a query at the click and read by the worker.

"Select all 500,000" must queue in constant time, so the request does not read
the selection's ids: it stores the selection's own SQL and parameters
(`stored_selection`), and the worker reads the ids into the job with one UPDATE
inside the database when it starts the job (`freeze`, the same statement the
request ran before).

Why SQL and parameters, and not something else:

- The admin's filters and search are the admin's code (list filters, a
  FilterSet, a UNION of id subqueries); the worker never imports an admin (see
  pyproject.toml), so it cannot rebuild the queryset from the list's query
  string. The compiled query is exactly what the list selected, in its order.
- Pickling a queryset would tie the job to the code and classes of the release
  that queued it, and unpickling is code execution: no.
- The parameters are kept as JSON: ints, booleans, strings and None as
  themselves; Decimals, dates, datetimes, times and UUIDs as their text
  (ISO 8601 for dates and times, microseconds kept). psycopg sends a Python str
  as a literal of unknown type, so PostgreSQL reads the text as the type of
  what it is compared with (numeric, timestamptz, date, uuid), the same value
  the typed parameter was; tests/test_step_jobs_selection.py checks the orders
  list's filters (status, date drill-down, grand total range, search) give the
  same ids. A parameter of any other type (a timedelta, bytes, a list) is not
  guessed at: such a selection is frozen at the click, as before.

The query is bounded by the model's highest id at the click (`pk <= highest`):
objects created after the click are not in the selection. An object whose
transaction was still open at the click may have a lower id and be included;
like every other object, its step checks its own conditions when taken.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import QuerySet

from backoffice.models import StepJob

# The primary keys whose values only grow: "pk <= the highest at the click" means
# "existed at the click".
AUTO_IDS = (models.AutoField, models.BigAutoField, models.SmallAutoField)


class NotStorable(Exception):
    """The selection cannot be kept as a query; its ids are frozen at the click."""


def stored_selection(queryset: QuerySet) -> tuple[str, list]:
    """The selection's SQL and JSON parameters, in its order, bounded by the
    highest id now (one index lookup).

    Raises NotStorable for a model without an auto-incremented id (nothing
    says which of its objects are newer than the click), a sliced or combined
    queryset (it cannot be filtered) or a parameter type `as_json` does not
    know; EmptyResultSet for a selection Django knows is empty, or an empty table.
    """
    model = queryset.model
    if not isinstance(model._meta.pk, AUTO_IDS):
        raise NotStorable(f"{model._meta.label}'s primary key is not auto-incremented")
    if queryset.query.is_sliced or queryset.query.combinator:
        raise NotStorable("a sliced or combined queryset cannot be bounded by the highest id")
    highest = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    if highest is None:
        raise EmptyResultSet
    sql, params = _ordered(queryset.filter(pk__lte=highest)).values("pk").query.sql_with_params()
    return sql, [as_json(param) for param in params]


def as_json(value):
    """A query parameter as JSON that psycopg sends back as the same value."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)  # psycopg's Int4 and friends are ints
    if isinstance(value, float):
        return value
    if isinstance(value, datetime.date | datetime.time):  # datetime too
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    raise NotStorable(f"a query parameter of type {type(value).__name__}")


def freeze(job: StepJob, queryset: QuerySet) -> None:
    """Freeze the ids of `queryset` into `job` now (inside the database)."""
    try:
        sql, params = _ordered(queryset).values("pk").query.sql_with_params()
    except EmptyResultSet:  # a selection Django knows is empty: the job stays empty
        StepJob.objects.filter(pk=job.pk).update(total=0)
        return
    freeze_sql(job, sql, list(params))


def freeze_sql(job: StepJob, sql: str, params: list, *, claim=None) -> int:
    """Read the ids the selection's `sql` finds now into the job's row, in its
    order; returns how many rows were updated (0: the job was frozen already,
    or `claim` is no longer the job's).

    The ids are aggregated from the selection sorted in its own order: the
    idiom PostgreSQL's manual gives for an ordered aggregate ("supplying the
    input values from a sorted subquery"), without a second sort of every id.
    """
    table = connection.ops.quote_name(StepJob._meta.db_table)
    mine = [job.pk]
    condition = f"{table}.id = %s AND {table}.total IS NULL"
    if claim is not None:
        condition += f" AND {table}.claim = %s"
        mine.append(claim)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET object_ids = frozen.ids, total = frozen.n "
            "FROM (SELECT to_jsonb(coalesce(array_agg(chosen.pk), '{}')) AS ids, count(*) AS n "
            f"FROM ({sql}) AS chosen(pk)) AS frozen WHERE {condition}",
            [*params, *mine],
        )
        return cursor.rowcount


def _ordered(queryset: QuerySet) -> QuerySet:
    return queryset if queryset.ordered else queryset.order_by("pk")
