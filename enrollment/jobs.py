"""The coverage's long work as background jobs (jobs.registry): the figures of the day and the
monthly snapshot. The commands `roll_coverage_day` and `snapshot_coverage` run the same
services inline, or queue these with `--queue`; the periodic jobs queue them by the calendar.
The roster import's kinds are in enrollment.import_jobs, registered by importing it here.

Both are idempotent and all or nothing: each writes in one transaction (a killed worker
leaves nothing of it), and a retry writes the same rows. After writing they refresh the
planner's statistics of the tables they wrote, even when a run finds the work done (a run
killed after its commit and before the ANALYZE)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment import import_jobs  # noqa: F401 - registers the roster import's kinds
from enrollment.models import (
    AreaSnapshot,
    AreaVillagesSnapshot,
    CoverageDay,
    CoverageSnapshot,
    VillageDay,
)
from enrollment.services import coverage_snapshot
from enrollment.summary import day_in_store, roll_day
from jobs.progress import report_progress
from jobs.registry import Arguments, job_kind
from jobs.services import statistics_refresh


def _the_day(arguments: Arguments, day: dt.date) -> Arguments:
    return {"day": day.isoformat(), **arguments}


def _the_month(arguments: Arguments, day: dt.date) -> Arguments:
    return {"month": f"{day:%Y-%m}", **arguments}


@job_kind("roll_coverage_day", label=gettext_lazy("Figures of the day"), complete=_the_day)
def roll_coverage_day(*, day: str) -> str:
    """Make `day` (YYYY-MM-DD) the day whose per-village figures the dashboards read, unless
    it or a later day is kept already."""
    target = dt.date.fromisoformat(day)
    report_progress(0, 2, _("Making the figures of the day"))
    previous = day_in_store()
    rolled = roll_day(target, forward_only=True)
    report_progress(1, 2, _("Refreshing the planner's statistics"))
    statistics_refresh(VillageDay, CoverageDay)
    report_progress(2, 2)
    if rolled:
        was = f"{previous:%d/%m/%Y}" if previous else "—"
        return _("%(day)s: figures of the day made (was %(was)s).") % {
            "day": f"{target:%d/%m/%Y}",
            "was": was,
        }
    return _("%(day)s: nothing to do; the day kept is %(kept)s.") % {
        "day": f"{target:%d/%m/%Y}",
        "kept": f"{day_in_store():%d/%m/%Y}",
    }


def snapshot_months(*, month: dt.date, months: int) -> list[dt.date]:
    """The first days of `months` months ending with `month`'s, oldest first."""
    first = month.replace(day=1)
    return [first - relativedelta(months=back) for back in reversed(range(months))]


@job_kind("snapshot_coverage", label=gettext_lazy("Monthly coverage snapshot"), complete=_the_month)
def snapshot_coverage(*, month: str, months: int = 1) -> str:
    """Write every village's and area's figures of `month` (YYYY-MM) and of the `months` - 1
    months before it, for the trend chart."""
    if months < 1:
        raise ValueError("months must be at least 1")
    targets = snapshot_months(month=dt.date.fromisoformat(f"{month}-01"), months=months)
    steps = len(targets) + 1
    rows = 0
    with transaction.atomic():
        for done, target in enumerate(targets):
            report_progress(done, steps, _("Month %(month)s") % {"month": f"{target:%m/%Y}"})
            rows += coverage_snapshot(month=target)
    report_progress(len(targets), steps, _("Refreshing the planner's statistics"))
    statistics_refresh(CoverageSnapshot, AreaSnapshot, AreaVillagesSnapshot)
    report_progress(steps, steps)
    return _("%(rows)s village rows written for %(first)s to %(last)s.") % {
        "rows": formats.number_format(rows, force_grouping=True),
        "first": f"{targets[0]:%m/%Y}",
        "last": f"{targets[-1]:%m/%Y}",
    }
