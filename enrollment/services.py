"""Writes with side effects for coverage: monthly snapshots for the trend chart, and a
village's coverage shown with its full identifiers logged."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, F, FilteredRelation, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from enrollment.models import (
    AreaSnapshot,
    AreaVillagesSnapshot,
    CoverageSnapshot,
    Declaration,
    Membership,
)
from enrollment.selectors import (
    Eligibility,
    coverage_for_village,
    figures_by_village,
    rules_in_force,
)
from enrollment.selectors.results import PERANGKAT
from villages.access import access_log, may_see_full_nik
from villages.dates import month_end
from villages.models import Village
from villages.selectors import CHILD_CODE_LENGTH, Area, area_get


def village_coverage_shown(*, user, area: Area, as_of: dt.date, action: str, what: str):
    """A village's coverage as `user` may see it (full NIK only with the permission); showing
    full identifiers is written to the access log (`action`, `what`), as the law asks."""
    full_nik = may_see_full_nik(user)
    coverage = coverage_for_village(area=area, as_of=as_of, full_nik=full_nik)
    rows = len(coverage.roster) if full_nik else 0
    full_identifiers_shown(user=user, area_code=area.code, rows=rows, action=action, what=what)
    return coverage


def full_identifiers_shown(*, user, area_code: str, rows: int, action: str, what: str) -> None:
    """Write to the access log that `rows` persons' full identifiers were shown to `user`
    (nothing when none were: a masked roster, or an empty one)."""
    if rows:
        access_log(user=user, action=action, area_code=area_code, rows=rows, what=what)


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
    area_snapshots_sum(month=month)
    return len(rows)


def area_snapshots_sum(*, month: dt.date) -> int:
    """Sum the villages' snapshots of `month` for every area above them (the country,
    provinces, regencies, districts), replacing that month's area rows, and count their
    villages enrolled (`area_villages_sum`). Returns the number of coverage rows."""
    villages = CoverageSnapshot.objects.filter(month=month)
    AreaSnapshot.objects.filter(month=month).delete()
    rows = [
        AreaSnapshot(area_code="", month=month, **row)
        for row in villages.values("category").annotate(posts=Sum("posts"), covered=Sum("covered"))
    ]
    for length in sorted(set(CHILD_CODE_LENGTH.values()) - {13}):  # 2, 5, 8
        rows.extend(
            AreaSnapshot(month=month, **row)
            for row in villages.annotate(area_code=Substr("village_id", 1, length))
            .values("area_code", "category")
            .annotate(posts=Sum("posts"), covered=Sum("covered"))
            .order_by()
        )
    AreaSnapshot.objects.bulk_create(rows, batch_size=5000)
    area_villages_sum(month=month)
    return len(rows)


# The villages figures of an area, in the order of `AreaVillagesSnapshot`'s columns.
VILLAGES_FIGURES = ("villages", "villages_enrolled", "villages_officials_covered")


def area_villages_sum(*, month: dt.date) -> int:
    """Count the villages, the villages enrolled and those with every official covered in
    `month` for every area above the villages (the country "", provinces, regencies,
    districts), replacing that month's rows. Returns their number.

    A village is enrolled in a month when its perangkat snapshot of the month has a covered
    post, and has every official covered when all its perangkat posts (one at least) are
    covered: `results.perangkat_counts`, the dashboard's definition for a day, applied to
    the month-end figures. Every village on the map counts among the villages, with a
    snapshot or not, as in the dashboard's "N of M villages enrolled". One query grouped by
    district, summed upward here (7,285 districts at national scale, whatever the number of
    villages), then the delete and the bulk insert."""
    per_district = _villages_by_district(month)
    totals: dict[str, list[int]] = {}
    for district, counts in per_district.items():
        for code in ("", district[:2], district[:5], district):
            area = totals.setdefault(code, [0] * len(VILLAGES_FIGURES))
            for i, count in enumerate(counts):
                area[i] += count
    AreaVillagesSnapshot.objects.filter(month=month).delete()
    rows = [
        AreaVillagesSnapshot(
            area_code=code, month=month, **dict(zip(VILLAGES_FIGURES, counts, strict=True))
        )
        for code, counts in sorted(totals.items())
    ]
    AreaVillagesSnapshot.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _villages_by_district(month: dt.date) -> dict[str, tuple[int, ...]]:
    """District → (villages, enrolled, every official covered) in `month`: the villages
    joined to their perangkat snapshot of the month, one row each at most (unique per
    village, month and category). One query."""
    perangkat = FilteredRelation(
        "snapshots", condition=Q(snapshots__month=month, snapshots__category=PERANGKAT)
    )
    rows = (
        Village.objects.annotate(perangkat=perangkat)
        .values("district_id")
        .annotate(
            villages=Count("pk"),
            villages_enrolled=Count("pk", filter=Q(perangkat__covered__gt=0)),
            villages_officials_covered=Count(
                "pk", filter=Q(perangkat__posts__gt=0, perangkat__covered=F("perangkat__posts"))
            ),
        )
        .order_by()
    )
    return {row["district_id"]: tuple(row[name] for name in VILLAGES_FIGURES) for row in rows}


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


@transaction.atomic
def declaration_save(*, declaration: Declaration, eligibility: Eligibility | None) -> Declaration:
    """Save a Desa Sadar declaration with how its village stood against its rule set on the
    day declared (`eligibility`, which the caller had confirmed when it fails); None keeps
    what was recorded, for an edit that moves neither the village nor the day."""
    if eligibility is not None:
        declaration.eligible_when_declared = eligibility.eligible
        declaration.rule_set_name = eligibility.rule_set
        declaration.failed_criteria = "\n".join(
            f"{criterion.label}: {criterion.detail}" for criterion in eligibility.failed
        )
    declaration.full_clean()
    declaration.save()
    return declaration
