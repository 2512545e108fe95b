"""bench/bench_import.py empties the roster tables between runs with TRUNCATE, which fires no
row trigger: it rebuilds the coverage summary and the day's rows after it, so the dashboards
of a bench database do not go on counting the posts it removed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bench.bench_import import roster_truncate
from enrollment.models import CoverageSummary, SharedHolderPost, VillageDay
from enrollment.summary import roll_day
from enrollment.summary_check import summary_drift
from tests.factories import PostFactory, covered
from villages.models import Post

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL: TRUNCATE ... CASCADE, statistics"
)

DAY = dt.date(2026, 11, 22)


def _day_posts() -> int:
    """The posts the day's rows count, of every category."""
    columns = [f.name for f in VillageDay._meta.fields if f.name.endswith("_posts")]
    return sum(sum(row) for row in VillageDay.objects.filter(day=DAY).values_list(*columns))


def test_emptying_the_roster_leaves_no_figures_behind(db):
    for code in ("33.02.03.2001", "33.02.03.2003"):
        covered(PostFactory(code="KEPALA_DESA", village_id=code).person)
        PostFactory(code="KAUR", village_id=code)
    roll_day(DAY)
    assert (Post.objects.count(), _day_posts()) == (4, 4)

    roster_truncate()

    assert Post.objects.count() == 0
    assert CoverageSummary.objects.count() == 0
    assert SharedHolderPost.objects.count() == 0
    assert _day_posts() == 0
    assert set(summary_drift().values()) == {0}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = 'enrollment_coveragesummary'"
        )
        assert cursor.fetchone()[0] == 0
