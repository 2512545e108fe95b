"""Writes with side effects for coverage: monthly snapshots for the trend chart."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from enrollment.models import CoverageSnapshot, Membership
from enrollment.selectors import figures_by_village, rules_in_force
from villages.selectors import area_get


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@transaction.atomic
def coverage_snapshot(*, month: dt.date | None = None) -> int:
    """Write every village's posts and covered posts per category for `month` (default: this
    month), judged at the month's end, or today for the running month. Re-running within a
    month replaces that month's rows. Returns the number of rows written."""
    today = timezone.localdate()
    month = (month or today).replace(day=1)
    as_of = min(month_end(month), today)
    country = area_get(code="")
    assert country is not None
    figures = figures_by_village(
        area=country, day=as_of, rules=rules_in_force(area=country, year=as_of.year)
    )
    CoverageSnapshot.objects.filter(month=month).delete()
    rows = [
        CoverageSnapshot(
            village_id=village, month=month, category=category, posts=f.posts, covered=f.covered
        )
        for village, categories in figures.items()
        for category, f in categories.items()
    ]
    CoverageSnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def memberships_verify(*, memberships, day: dt.date, source: str, user) -> int:
    """Record that `memberships` were checked on `day` against `source`, with history."""
    rows = list(memberships)
    for membership in rows:
        membership.verified_on, membership.verified_source = day, source
    bulk_update_with_history(
        rows,
        Membership,
        ["verified_on", "verified_source"],
        default_user=user,
        default_change_reason=f"verified ({source})",
    )
    return len(rows)
