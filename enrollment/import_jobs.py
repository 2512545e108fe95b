"""The imports as background jobs (jobs.registry), for files of more data rows than
`settings.IMPORT_JOB_THRESHOLD_ROWS`: the preview of an upload, the write of a confirmed
preview, and the command's import with --queue. The file waits in its ImportRecord (the
worker may run on another machine), and the record names its latest job, whose state and
progress the import's report shows.

Each kind is idempotent and all or nothing: it locks its record and works in one transaction
(the engine's), and does nothing when the record no longer waits for it: a retry or a second
run after its commit finds the preview made or the rows written (`import_confirm` writes only
a PREVIEWED record, and its write drops the file). A worker killed mid-way rolls everything
back, the record stays as it was, and the retried job completes. Progress is counted in rows:
read and checked (the preview), then checked and written (the write: twice the rows).

The queueing and the jobs are written once for every kind of ImportRecord (`ImportEngine`):
the roster's kinds are here, the residents' registrations' in campaign.jobs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports.engine import (
    import_confirm,
    import_preview_queued,
    import_queued,
    import_queued_write,
)
from enrollment.imports.writes import FILE_FIELDS
from enrollment.models import CoverageSummary, ImportRecord, Membership, VillageDay
from jobs.admin_card import job_active
from jobs.models import Job
from jobs.progress import report_progress
from jobs.registry import job_kind
from jobs.services import job_enqueue, statistics_refresh
from villages.models import Person, Post


def import_job_wanted(rows: int) -> bool:
    """Whether an import of `rows` data rows runs as a background job."""
    return rows > settings.IMPORT_JOB_THRESHOLD_ROWS


def import_job_active(record: ImportRecord) -> bool:
    """Whether the record's latest job is still to run or running."""
    return job_active(record.job)


# --- Queueing (every kind of ImportRecord: the roster's here, the registrations' in campaign) --


def import_file_queue(
    *,
    job_kind: str,
    record_kind: str,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    origin: str,
) -> ImportRecord:
    """Keep the file in a QUEUED record of `record_kind` and queue the job of `job_kind` that
    previews or imports it (its one argument: the record)."""
    with transaction.atomic():
        record = import_queued(data=data, file_name=file_name, user=user,
                               skip_invalid=skip_invalid, origin=origin,
                               kind=record_kind)  # fmt: skip
        arguments = {"record": record.pk}
        _attach(record, job_enqueue(kind=job_kind, arguments=arguments, user=user))
    return record


def import_confirm_queue(*, job_kind: str, record: ImportRecord, user: User) -> Job:
    """Queue the job of `job_kind` that writes `record`'s preview as `user`; the job already
    queued or running for it, if there is one (a second click)."""
    with transaction.atomic():
        locked = ImportRecord.objects.select_for_update().defer(*FILE_FIELDS).get(pk=record.pk)
        if locked.job is not None and import_job_active(locked):
            return locked.job
        arguments = {"record": locked.pk, "user": user.pk}
        job = job_enqueue(kind=job_kind, arguments=arguments, user=user)
        _attach(locked, job)
    return job


def roster_preview_queue(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool, origin: str
) -> ImportRecord:
    """Keep the file in a QUEUED record and queue the job that previews it."""
    return import_file_queue(job_kind="roster_preview", record_kind=ImportRecord.Kind.ROSTER,
                             data=data, file_name=file_name, user=user,
                             skip_invalid=skip_invalid, origin=origin)  # fmt: skip


def roster_import_queue(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool
) -> ImportRecord:
    """Keep the file in a QUEUED record and queue the job that imports it without a preview
    (the command's --queue)."""
    return import_file_queue(job_kind="roster_import", record_kind=ImportRecord.Kind.ROSTER,
                             data=data, file_name=file_name, user=user,
                             skip_invalid=skip_invalid,
                             origin=ImportRecord.Origin.COMMAND)  # fmt: skip


def roster_confirm_queue(*, record: ImportRecord, user: User) -> Job:
    """Queue the write of `record`'s preview as `user` (or find the job doing it)."""
    return import_confirm_queue(job_kind="roster_confirm", record=record, user=user)


def _attach(record: ImportRecord, job: Job) -> None:
    record.job = job
    record.save(update_fields=["job"])


# --- The jobs of an import, whatever its kind ------------------------------------------------


@dataclass(frozen=True)
class ImportEngine:
    """What the jobs of one kind of ImportRecord call. Their results have `refused`, `stale`,
    `written`, `record` and `plan.counts` (the roster's ImportResult, the registrations'
    RegistrationResult); the engine's functions are called with keywords:
    `preview_queued(record=, progress=)` and `queued_write(record=, progress=)` (None when
    the record is not QUEUED), `confirm(record=, user=, progress=)`."""

    record_kind: str
    preview_queued: Callable[..., Any]
    queued_write: Callable[..., Any]
    confirm: Callable[..., Any]
    # Analyzed after a write (jobs.services.statistics_refresh): the tables it fills.
    tables: tuple[type[models.Model], ...]


def import_job_preview(engine: ImportEngine, pk: int) -> str:
    """Read and check the rows of the QUEUED import `pk` and store its preview."""
    found = _record(engine, pk)
    if found is None:
        return _gone(pk)
    result = engine.preview_queued(record=found, progress=_checking)
    if result is None or result.record is None:
        return _nothing_to_do(found)
    if result.refused:
        return _("%(reference)s: the file is refused: %(reason)s") % {
            "reference": found.reference,
            "reason": result.refused,
        }
    rows = result.record.rows
    report_progress(rows, rows, _("Preview ready"))
    return _("%(reference)s: preview of %(rows)s rows ready; confirm it on the import's page.") % {
        "reference": found.reference,
        "rows": _number(rows),
    }


def import_job_confirm(engine: ImportEngine, pk: int, user: int | None) -> str:
    """Write the previewed import `pk` as the user `user` confirmed it."""
    found = _record(engine, pk)
    if found is None:
        return _gone(pk)
    if found.status != ImportRecord.Status.PREVIEWED:
        return _nothing_to_do(found)
    importer = None
    if user is not None and (importer := User.objects.filter(pk=user).first()) is None:
        raise ValueError(_("The user who confirmed the import no longer exists."))
    rows = found.rows

    def checked(done: int) -> None:
        # The preview counted the file's rows: once they are all checked, the write begins.
        message = _("Writing the changes") if done >= rows else _("Checking the rows")
        report_progress(min(done, rows), 2 * rows, message)

    report_progress(0, 2 * rows, _("Checking the rows"))
    result = engine.confirm(record=found, user=importer, progress=checked)
    return _written(engine, found, result, 2 * rows)


def import_job_import(engine: ImportEngine, pk: int) -> str:
    """Import the QUEUED file of `pk` at once, without a preview (a command's --queue)."""
    found = _record(engine, pk)
    if found is None:
        return _gone(pk)

    def checked(done: int, most: int) -> None:
        # Once the most rows the file can have are checked, the write begins (a CSV's line
        # breaks count its rows exactly; an XLSX's blank rows keep "checking" a little longer).
        message = _("Writing the changes") if done >= most else _("Checking the rows")
        report_progress(done, 2 * most, message)

    result = engine.queued_write(record=found, progress=checked)
    if result is None:
        return _nothing_to_do(found)
    if not result.written:
        found.refresh_from_db(fields=["report"])
        return _("%(reference)s: %(reason)s") % {
            "reference": found.reference,
            "reason": found.report.get("refused", ""),
        }
    rows = result.plan.counts.rows if result.plan else 0
    return _written(engine, found, result, 2 * rows)


def _written(engine: ImportEngine, record: ImportRecord, result: Any, total: int) -> str:
    """The message of a write job; the planner's statistics refreshed after a write."""
    if result.refused:
        raise RuntimeError(result.refused)  # the database refused it: logged; retry or report
    if result.stale or result.plan is None:
        return _("%(reference)s: the records changed since the preview, so nothing was "
                 "written. Check the new preview and confirm again.") % {
            "reference": record.reference
        }  # fmt: skip
    report_progress(total, total, _("Refreshing the planner's statistics"))
    statistics_refresh(*engine.tables)
    counts = result.plan.counts
    return _("%(reference)s imported: %(created)s created, %(updated)s updated, %(unchanged)s "
             "unchanged, %(invalid)s rejected.") % {
        "reference": record.reference,
        "created": _number(counts.created),
        "updated": _number(counts.updated),
        "unchanged": _number(counts.unchanged),
        "invalid": _number(counts.invalid),
    }  # fmt: skip


def _checking(done: int, most: int) -> None:
    report_progress(done, most, _("Checking the rows"))


def _record(engine: ImportEngine, pk: int) -> ImportRecord | None:
    records = ImportRecord.objects.defer(*FILE_FIELDS)
    return records.filter(pk=pk, kind=engine.record_kind).first()


def _gone(pk: int) -> str:
    return _("Import %(pk)s no longer exists; nothing to do.") % {"pk": pk}


def _nothing_to_do(record: ImportRecord) -> str:
    record.refresh_from_db(fields=["status"])
    return _("%(reference)s is %(status)s; nothing to do.") % {
        "reference": record.reference,
        "status": record.get_status_display(),
    }


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


# --- The roster's kinds -----------------------------------------------------------------------

ROSTER = ImportEngine(
    record_kind=ImportRecord.Kind.ROSTER,
    preview_queued=import_preview_queued,
    queued_write=import_queued_write,
    confirm=import_confirm,
    tables=(Person, Post, Membership, CoverageSummary, VillageDay),
)


@job_kind("roster_preview", label=gettext_lazy("Roster import: preview"))
def roster_preview(*, record: int) -> str:
    """Read and check the rows of the QUEUED roster import `record`; store its preview."""
    return import_job_preview(ROSTER, record)


@job_kind("roster_confirm", label=gettext_lazy("Roster import: write"))
def roster_confirm(*, record: int, user: int | None = None) -> str:
    """Write the previewed roster import `record` as the user `user` confirmed it."""
    return import_job_confirm(ROSTER, record, user)


@job_kind("roster_import", label=gettext_lazy("Roster import (command line)"))
def roster_import_run(*, record: int) -> str:
    """Import the QUEUED file of `record` at once: the command's `import_roster --queue`."""
    return import_job_import(ROSTER, record)
