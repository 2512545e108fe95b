"""The coverage's long work as background jobs (jobs.registry): the figures of the day, the
monthly snapshot, and the exports of large areas (the Desa Sadar list of a province or the
country). The commands `roll_coverage_day` and `snapshot_coverage` run the same
services inline, or queue these with `--queue`; the periodic jobs queue them by the calendar.
The roster import's kinds are in enrollment.import_jobs, registered by importing it here.

All are idempotent and all or nothing: each writes in one transaction (a killed worker
leaves nothing of it), and a retry writes the same rows; an export's file appears whole or
not at all (jobs.files), and a retry writes it again under the same name. After writing,
the first two refresh the planner's statistics of the tables they wrote, even when a run
finds the work done (a run killed after its commit and before the ANALYZE)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connections, transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment import (
    exports,
    import_jobs,  # noqa: F401 - registers the roster import's kinds
)
from enrollment.models import (
    AreaSnapshot,
    AreaVillagesSnapshot,
    CoverageDay,
    CoverageSnapshot,
    VillageDay,
)
from enrollment.selectors import ListQuery, desa_sadar_stream
from enrollment.services import coverage_snapshot
from enrollment.summary import day_in_store, roll_day
from jobs.files import job_file_write
from jobs.progress import report_progress
from jobs.registry import Arguments, job_kind
from jobs.services import statistics_refresh
from villages.routers import read_db
from villages.selectors import area_get


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


# --- Large exports --------------------------------------------------------------------------

# Progress is written once per so many villages (a row of its own connection each time).
PROGRESS_EVERY = 2000


def candidates_download_name(arguments: Arguments) -> str:
    """The name of the direct download of the same list (exports.export_filename)."""
    code = arguments["area"] or "indonesia"
    return f"cakupan-{code}-candidates-{arguments['as_of']}.{arguments['fmt']}"


@job_kind(
    "export_candidates",
    label=gettext_lazy("Desa Sadar list export"),
    download_name=candidates_download_name,
)
def export_candidates(
    *,
    area: str,
    as_of: str,
    fmt: str,
    status: str = "",
    max_people: int | None = None,
    sort: str = "gap",
    language: str = "",
) -> str:
    """Write the Desa Sadar list of `area` ("" the country) on `as_of` (YYYY-MM-DD), with the
    filters of its page, as the job's CSV or XLSX file (jobs.files), headers and labels in
    `language` (the requester's; default the site's). The file appears whole or not at all;
    a retry writes it again under the same name."""
    place = area_get(code=area)
    if place is None or fmt not in ("csv", "xlsx"):
        raise ValueError(f"cannot export area {area!r} as {fmt!r}")
    query = ListQuery(status=status, max_people=max_people, sort=sort)
    report_progress(0, None, _("Reading the villages"))
    writing = _("Writing the villages")  # the job's messages in the site's language
    # One transaction: the list is one consistent read, its rows fetched as they are written.
    with (
        transaction.atomic(using=read_db()),
        job_file_write(f".{fmt}") as out,
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        _plan_for_every_row(read_db())
        total, villages = desa_sadar_stream(
            area=place, as_of=dt.date.fromisoformat(as_of), query=query
        )
        counted = _counting(villages, total, writing)
        columns, rows = exports.candidates_columns(), exports.candidate_rows(counted)
        if fmt == "csv":
            exports.rows_csv_write(out, columns, rows)
        else:
            exports.rows_xlsx_write(out, "candidates", columns, rows)
    return _("%(villages)s villages written.") % {
        "villages": formats.number_format(counted.done, force_grouping=True)
    }


def _plan_for_every_row(alias: str) -> None:
    """PostgreSQL plans a cursor's query for its first tenth of rows (cursor_tuple_fraction):
    nested loops that made the country's list take 126 s instead of 22. This transaction
    reads every row."""
    target = connections[alias]
    if target.vendor == "postgresql":
        with target.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")


class _counting:
    """The villages, reporting the job's progress every PROGRESS_EVERY of them."""

    def __init__(self, villages, total: int, message: str):
        self.villages, self.total, self.message, self.done = villages, total, message, 0

    def __iter__(self):
        report_progress(0, self.total, self.message)
        for village in self.villages:
            yield village
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                # A row written since the count was taken: never more done than the total.
                report_progress(self.done, max(self.total, self.done), self.message)
        report_progress(self.done, max(self.total, self.done), self.message)
