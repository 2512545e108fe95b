"""Admin changelists at national scale (4.8 M persons, 11.6 M memberships).

Two things Django's changelist does read the whole list on every page: the paginator's
COUNT(*) and the date hierarchy's SELECT DISTINCT of years. `EstimatedCountPaginator` answers
the count of an unfiltered table from PostgreSQL's statistics; `light_date_hierarchy` offers
the drill-down from the first and last date alone (see villages/templatetags/admin_scale.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from typing import Any

from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, QuerySet
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


def table_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of the rows in the table behind an unfiltered `queryset`.

    None — count exactly — unless `queryset` is a plain, whole table on PostgreSQL: any filter,
    search or scope (a WHERE), DISTINCT, GROUP BY, UNION or slice makes the estimate wrong.
    `reltuples` is kept by ANALYZE (autovacuum), VACUUM and CREATE INDEX; -1 means never.
    """
    if not isinstance(queryset, QuerySet):
        return None
    query = queryset.query
    if query.where or query.distinct or query.group_by or query.combinator or query.is_sliced:
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    return planner_rows(connection, queryset.model._meta.db_table)


def planner_rows(connection, table: str) -> int | None:
    """`pg_class.reltuples` of `table`: None when the table was never analyzed (-1)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(table)],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None


def query_estimate(queryset) -> int | None:
    """PostgreSQL's planner estimate of the rows `queryset` returns (EXPLAIN, about a
    millisecond), or None on another database."""
    if not isinstance(queryset, QuerySet):
        return None
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A paginator that counts a big list from PostgreSQL's estimates instead of COUNT(*).

    COUNT(*) over 11.6 M memberships took 250-500 ms of every head-office first page, and over
    a province's 1.2 M (a regional office's scope) 1.5 s. A whole, unfiltered table is counted
    from the table statistics (`table_estimate`); a filtered, searched or scoped list from the
    planner's estimate of the query (`query_estimate`) when that is at least `estimate_from`
    rows. Anything smaller is counted exactly, so a search that finds a few dozen shows just
    them. `estimated` tells the template to show the count as approximate.
    """

    # Below this many rows COUNT(*) is cheap, and exact is better.
    estimate_from = 100_000
    estimated = False

    @cached_property
    def count(self) -> int:
        estimate = table_estimate(self.object_list)
        if estimate is None:
            estimate = query_estimate(self.object_list)
        if estimate is not None and estimate >= self.estimate_from:
            self.estimated = True
            return estimate
        return super().count


def light_date_hierarchy(cl) -> dict[str, Any] | None:
    """The context of Django's date hierarchy, without its scans of the whole list.

    Django asks the database which years, months and days hold rows: a SELECT DISTINCT
    DATE_TRUNC over the filtered list, 1.1 s over 11.6 M memberships. Here only the first and
    last date of the whole table are read — the two ends of the index on the field, at no cost
    whatever the user's scope, filters or search. Every year between them is offered, then
    every month of the year and every day of the month; a choice with no rows (in the table or
    in the user's scope) gives an empty list. The query string is Django's, so its filtering
    (and the scope) applies unchanged. The dates say nothing of any row a user may not see.
    """
    field = cl.date_hierarchy
    names = {part: f"{field}__{part}" for part in ("year", "month", "day")}
    year, month, day = (cl.params.get(names[part]) for part in ("year", "month", "day"))
    if year and month and day:
        return date_hierarchy(cl)  # Django's own: this level runs no query

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field}__"])

    if not year:
        # The whole table's first and last date (two ends of the field's index), not the
        # user's list's: over a province's 1.2 M memberships those took 1.6 s. A year with
        # nothing in the user's scope gives an empty list.
        span = cl.model._default_manager.aggregate(first=Min(field), last=Max(field))
        first, last = _local(span["first"]), _local(span["last"])
        if not (first and last and first.year == last.year and not (month or day)):
            years = range(first.year, last.year + 1) if first and last else ()
            choices = [{"link": link({names["year"]: str(y)}), "title": str(y)} for y in years]
            return {"show": True, "choices": choices}
        # All in one year (and maybe one month): start lower, as Django does.
        year = first.year
        month = first.month if first.month == last.month else None
    year = int(year)
    if month:
        month = int(month)
        days = calendar.monthrange(year, month)[1]
        return {
            "show": True,
            "back": {"link": link({names["year"]: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({names["year"]: year, names["month"]: month, names["day"]: d}),
                    "title": capfirst(
                        formats.date_format(dt.date(year, month, d), "MONTH_DAY_FORMAT")
                    ),
                }
                for d in range(1, days + 1)
            ],
        }
    return {
        "show": True,
        "back": {"link": link({}), "title": _("All dates")},
        "choices": [
            {
                "link": link({names["year"]: year, names["month"]: m}),
                "title": capfirst(formats.date_format(dt.date(year, m, 1), "YEAR_MONTH_FORMAT")),
            }
            for m in range(1, 13)
        ],
    }


def _local(value):
    """A datetime in the current time zone (as Django's hierarchy shows it); a date as is."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value
