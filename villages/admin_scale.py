"""Admin changelists at national scale (4.8 M persons, 11.6 M memberships).

Two things Django's changelist does read the whole list on every page: the paginator's
COUNT(*) and the date hierarchy's SELECT DISTINCT of years. `EstimatedCountPaginator` answers
the count of an unfiltered table from PostgreSQL's statistics; `light_date_hierarchy` offers
the drill-down from the first and last date alone (see villages/templatetags/admin_scale.py).
"""

from __future__ import annotations

import calendar
import datetime as dt

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


class EstimatedCountPaginator(Paginator):
    """A paginator that takes the planner's row estimate for a whole, unfiltered big table.

    COUNT(*) over 11.6 M memberships took 250-500 ms of every head-office first page. With a
    filter, a search or a user's scope the count is exact, as is any table under
    `estimate_from` rows. `estimated` tells the template to show the count as approximate.
    """

    # Below this many rows COUNT(*) is cheap, and exact is better.
    estimate_from = 100_000
    estimated = False

    @cached_property
    def count(self) -> int:
        estimate = table_estimate(self.object_list)
        if estimate is not None and estimate >= self.estimate_from:
            self.estimated = True
            return estimate
        return super().count


def light_date_hierarchy(cl) -> dict:
    """The context of Django's date hierarchy, without its scans of the whole list.

    Django asks the database which years, months and days hold rows: a SELECT DISTINCT
    DATE_TRUNC over the filtered list, 1.1 s over 11.6 M memberships. Here only the first and
    last date of the user's whole list are read, before filters and search (`root_queryset`,
    still scoped): for head office the two ends of the index on the field, at no cost however
    many rows a search matches. Every year between them is offered, then every month of the
    year and every day of the month; a choice with no rows gives an empty list. The query
    string is Django's, so its filtering applies unchanged.
    """
    field = cl.date_hierarchy
    names = {part: f"{field}__{part}" for part in ("year", "month", "day")}
    year, month, day = (cl.params.get(names[part]) for part in ("year", "month", "day"))
    if year and month and day:
        return date_hierarchy(cl)  # Django's own: this level runs no query

    def link(filters: dict) -> str:
        return cl.get_query_string(filters, [f"{field}__"])

    if not year:
        span = cl.root_queryset.aggregate(first=Min(field), last=Max(field))
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
