"""Database settings the national figures rely on, on PostgreSQL."""

import datetime as dt

import pytest
from django.db import connection

from enrollment.models import VillageDay

postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


@postgresql
def test_jit_is_off_for_the_applications_connections(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


@postgresql
def test_an_areas_figures_of_the_day_are_read_through_the_unique_index(db):
    """The area filter is LIKE 'code.%' on a varchar: only an index with the pattern operator
    class serves it (the planner is kept off a sequential scan of the empty test table)."""
    rows = VillageDay.objects.filter(day=dt.date(2026, 11, 23), village__code__startswith="33.02.")
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "enrollment_villageday_unique" in plan
    assert "~>=~ '33.02.'" in plan  # the prefix became an index range
