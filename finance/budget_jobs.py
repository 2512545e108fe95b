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
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment import page_cache
from finance import budget_exports
from finance.budget import (
    COSTS,
    DEFAULT_INCOME,
    DEFAULT_PAYER,
    DEFAULT_RISK_CLASS,
    DEFAULT_SCHEME,
    ROW_CODE_LENGTH,
    ROW_LEVEL,
    AreaBudget,
    Budget,
    Choices,
    Cost,
    child_names,
    village_budgets,
)
from jobs.files import job_file_write
from jobs.models import Job
from jobs.progress import current_job_id, report_progress
from jobs.registry import Arguments, job_kind
from jobs.services import job_enqueue
from villages.routers import read_db
from villages.selectors import Area, area_get

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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


# --- A province's page --------------------------------------------------------------------
#
# The page of an area with more than EXPORT_JOB_MIN_VILLAGES villages (a province: 14-17 s
# at country scale) shows its rows from the result of the job `budget_province`, stored on
# the job itself (`Job.result`): the rows, the amounts a person a month, and the data version
# the job read BEFORE any data (enrollment.page_cache.versions). The page shows a result
# only while the version it reads first is still that one (docs/architecture.md, "Many
# readers"), and only for the same area, day and choices (the job's arguments); otherwise
# it queues the job (or follows the one already queued or running for them, whoever asked).


def budget_arguments(*, area: Area, day: dt.date, choices: Choices) -> Arguments:
    """The key of a page's result: the area, the day (the rates' and the posts'), the choices."""
    return {"area": area.code, "day": day.isoformat(), **choices_arguments(choices)}


def version_key(version: tuple[str, ...]) -> str:
    return "|".join(version)


@job_kind("budget_province", label=gettext_lazy("Budget of a large area"))
def budget_province(*, area: str, day: str, **choices) -> str:
    """The budget of `area` (a regency or province) on `day` with the page's `choices`, one
    row per district or regency, stored as the job's result under the data version read
    first. Read child by child (a province: regency by regency), for its progress; each
    child's row is what the whole area's computation makes of it (the sum of its villages,
    `VillageBudgets.by_child`), the rows summed are the total."""
    version = page_cache.versions()  # FIRST: the rows are at least as new as this version
    place = area_get(code=area)
    if place is None or place.level not in ("district", "regency", "province") or not version:
        raise ValueError(f"cannot compute the budget of area {area!r}")
    level = ROW_LEVEL[place.level]
    names = child_names(area=place, level=level)
    the_day, chosen = dt.date.fromisoformat(day), choices_from(choices)
    message = _("Computing the budget, by area")
    rows: list[Budget] = []
    amounts: dict[str, int] = {}
    for done, (code, name) in enumerate(sorted(names.items())):
        report_progress(done, len(names), message)
        child = Area(code=code, name=name, level=level)
        budgets = village_budgets(area=child, day=the_day, choices=chosen)
        amounts = budgets.amounts
        rows += budgets.by_child(length=ROW_CODE_LENGTH[level], names=names)
    report_progress(len(names), len(names), message)
    job_id = current_job_id()
    if job_id is None:
        raise RuntimeError("a budget's result is stored by a running job")
    result = {
        "version": version_key(version),
        "amounts": amounts,
        "rows": [budget_json(row) for row in rows],
    }
    Job.objects.filter(pk=job_id).update(result=result)
    return _("%(rows)s areas computed.") % {"rows": len(rows)}


def budget_json(budget: Budget) -> dict:
    return {
        "code": budget.code,
        "name": budget.name,
        "people": budget.people,
        "vacant": budget.vacant,
        "min_programs": list(budget.min_programs),
        "costs": {
            name: [cost.by_program, cost.by_payer]
            for name, cost in zip(COSTS, budget.costs, strict=True)
        },
    }


def budget_from_json(data: dict) -> Budget:
    costs = {
        name: Cost(dict(by_program), dict(by_payer))
        for name, (by_program, by_payer) in data["costs"].items()
    }
    return Budget(
        code=data["code"],
        name=data["name"],
        people=data["people"],
        vacant=data["vacant"],
        min_programs=tuple(data["min_programs"]),
        **costs,
    )


def budget_result(
    *, area: Area, day: dt.date, choices: Choices, version: tuple[str, ...]
) -> AreaBudget | None:
    """The area's budget from a job's result computed under `version` for these arguments,
    or None when there is none. One query."""
    job = (
        Job.objects.filter(
            kind="budget_province",
            arguments=budget_arguments(area=area, day=day, choices=choices),
            state=Job.State.SUCCEEDED,
            result__version=version_key(version),
        )
        .order_by("-pk")
        .first()
    )
    if job is None or job.result is None:
        return None
    rows = [budget_from_json(row) for row in job.result["rows"]]
    total = Budget(area.code, area.name)
    for row in rows:
        total += row
    return AreaBudget(area, day, choices, dict(job.result["amounts"]), total, rows)


def budget_job(*, area: Area, day: dt.date, choices: Choices, user: User) -> Job:
    """The job that computes the area's budget for these arguments: the newest one when it is
    queued or running (whoever asked), or failed or interrupted (its page offers a retry),
    else a new one queued for `user` (none yet, or the newest one's result is of an older
    data version)."""
    arguments = budget_arguments(area=area, day=day, choices=choices)
    newest = Job.objects.filter(kind="budget_province", arguments=arguments).order_by("-pk").first()
    if newest is not None and newest.state != Job.State.SUCCEEDED:
        return newest
    return job_enqueue(kind="budget_province", arguments=arguments, user=user)
