"""The budget planner's long work as background jobs (jobs.registry): the downloads of an
area with more than EXPORT_JOB_MIN_VILLAGES villages (a province: 16 s for its CSV, 34 s for
its XLSX at country scale, docs/performance.md "Money (issue 15)").

`export_budget` writes the file of the direct download (finance.views.budget_export) of the
same area, day and choices: the same rows, from the same code (finance.budget_exports), into
the job's file (jobs.files), which appears whole or not at all; a retry writes it again
under the same name. Its progress counts the villages written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance import budget_exports
from finance.budget import (
    DEFAULT_INCOME,
    DEFAULT_PAYER,
    DEFAULT_RISK_CLASS,
    DEFAULT_SCHEME,
    Choices,
    village_budgets,
)
from jobs.files import job_file_write
from jobs.progress import report_progress
from jobs.registry import Arguments, job_kind
from villages.routers import read_db
from villages.selectors import area_get

# Progress is written once per so many villages (a row of its own connection each time).
PROGRESS_EVERY = 500


def budget_download_name(arguments: Arguments) -> str:
    """The name of the direct download of the same budget (finance.views.budget_export)."""
    return f"anggaran-{arguments['area']}-{arguments['day']}.{arguments['fmt']}"


def choices_arguments(choices: Choices) -> Arguments:
    """The page's choices as a job's arguments (JSON)."""
    return {
        "income": choices.income,
        "programs": list(choices.programs) if choices.programs else None,
        "payer": choices.default_payer,
        "scheme": choices.scheme,
        "risk_class": choices.risk_class,
    }


def choices_from(arguments: Arguments) -> Choices:
    programs = arguments.get("programs")
    return Choices(
        income=arguments.get("income", DEFAULT_INCOME),
        programs=tuple(programs) if programs else None,
        default_payer=arguments.get("payer") or DEFAULT_PAYER,
        scheme=arguments.get("scheme") or DEFAULT_SCHEME,
        risk_class=arguments.get("risk_class") or DEFAULT_RISK_CLASS,
    )


@job_kind(
    "export_budget",
    label=gettext_lazy("Budget planner export"),
    download_name=budget_download_name,
)
def export_budget(*, area: str, day: str, fmt: str, language: str = "", **choices) -> str:
    """Write the budget of the villages of `area` (a district, regency or province) on `day`
    (YYYY-MM-DD, the day of the request) with the page's `choices` as the job's CSV or XLSX
    file, headers in `language` (the requester's; default the site's)."""
    place = area_get(code=area)
    if place is None or place.level == "village" or fmt not in ("csv", "xlsx"):
        raise ValueError(f"cannot export the budget of area {area!r} as {fmt!r}")
    report_progress(0, None, _("Reading the villages"))
    writing = _("Writing the villages")  # the job's messages in the site's language
    # One transaction: the budgets are one consistent read.
    with (
        transaction.atomic(using=read_db()),
        job_file_write(f".{fmt}") as out,
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        budgets = village_budgets(
            area=place, day=dt.date.fromisoformat(day), choices=choices_from(choices)
        )
        table = budget_exports.villages_table(budgets)
        counted = _Counting(table.rows, table.size, writing)
        table.rows = counted
        if fmt == "csv":
            for chunk in budget_exports.table_csv(table):
                out.write(chunk)
        else:
            budget_exports.table_xlsx_write(out, table)
    return _("%(villages)s villages written.") % {
        "villages": formats.number_format(counted.done, force_grouping=True)
    }


class _Counting:
    """Rows, reporting the job's progress every PROGRESS_EVERY of them."""

    def __init__(self, rows: Iterable[list], total: int, message: str):
        self.rows, self.total, self.message, self.done = rows, total, message, 0

    def __iter__(self) -> Iterator[list]:
        report_progress(0, self.total, self.message)
        for row in self.rows:
            yield row
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                report_progress(self.done, self.total, self.message)
        report_progress(self.done, self.total, self.message)
