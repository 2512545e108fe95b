"""The roster import as background jobs (jobs.registry), for files of more data rows than
`settings.IMPORT_JOB_THRESHOLD_ROWS`: the preview of an upload, the write of a confirmed
preview, and the command's import with --queue. The file waits in its ImportRecord (the
worker may run on another machine), and the record names its latest job, whose state and
progress the import's report shows.

Each kind is idempotent and all or nothing: it locks its record and works in one transaction
(the engine's), and does nothing when the record no longer waits for it: a retry or a second
run after its commit finds the preview made or the rows written (`import_confirm` writes only
a PREVIEWED record, and its write drops the file). A worker killed mid-way rolls everything
back, the record stays as it was, and the retried job completes. Progress is counted in rows:
read and checked (the preview), then checked and written (the write: twice the rows)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports.engine import (
    ImportResult,
    import_confirm,
    import_preview_queued,
    import_queued,
    import_queued_write,
)
from enrollment.imports.writes import FILE_FIELDS
from enrollment.models import CoverageSummary, ImportRecord, Membership, VillageDay
from jobs.models import Job
from jobs.progress import report_progress
from jobs.registry import job_kind
from jobs.services import job_enqueue, statistics_refresh
from villages.models import Person, Post

ACTIVE = (Job.State.QUEUED, Job.State.RUNNING)


def import_job_wanted(rows: int) -> bool:
    """Whether an import of `rows` data rows runs as a background job."""
    return rows > settings.IMPORT_JOB_THRESHOLD_ROWS


def import_job_active(record: ImportRecord) -> bool:
    """Whether the record's latest job is still to run or running."""
    return record.job is not None and record.job.state in ACTIVE


# --- Queueing ---------------------------------------------------------------------------------


def roster_preview_queue(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool, origin: str
) -> ImportRecord:
    """Keep the file in a QUEUED record and queue the job that previews it."""
    with transaction.atomic():
        record = import_queued(
            data=data, file_name=file_name, user=user, skip_invalid=skip_invalid, origin=origin
        )
        arguments = {"record": record.pk}
        _attach(record, job_enqueue(kind="roster_preview", arguments=arguments, user=user))
    return record


def roster_import_queue(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool
) -> ImportRecord:
    """Keep the file in a QUEUED record and queue the job that imports it without a preview
    (the command's --queue)."""
    with transaction.atomic():
        record = import_queued(
            data=data,
            file_name=file_name,
            user=user,
            skip_invalid=skip_invalid,
            origin=ImportRecord.Origin.COMMAND,
        )
        arguments = {"record": record.pk}
        _attach(record, job_enqueue(kind="roster_import", arguments=arguments, user=user))
    return record


def roster_confirm_queue(*, record: ImportRecord, user: User) -> Job:
    """Queue the write of `record`'s preview as `user`; the job already queued or running
    for it, if there is one (a second click)."""
    with transaction.atomic():
        locked = ImportRecord.objects.select_for_update().defer(*FILE_FIELDS).get(pk=record.pk)
        if locked.job is not None and import_job_active(locked):
            return locked.job
        arguments = {"record": locked.pk, "user": user.pk}
        job = job_enqueue(kind="roster_confirm", arguments=arguments, user=user)
        _attach(locked, job)
    return job


def _attach(record: ImportRecord, job: Job) -> None:
    record.job = job
    record.save(update_fields=["job"])


# --- The kinds --------------------------------------------------------------------------------


@job_kind("roster_preview", label=gettext_lazy("Roster import: preview"))
def roster_preview(*, record: int) -> str:
    """Read and check the rows of the QUEUED import `record` and store its preview."""
    found = _record(record)
    if found is None:
        return _gone(record)
    result = import_preview_queued(record=found, progress=_checking)
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


@job_kind("roster_confirm", label=gettext_lazy("Roster import: write"))
def roster_confirm(*, record: int, user: int | None = None) -> str:
    """Write the previewed import `record` as the user `user` confirmed it."""
    found = _record(record)
    if found is None:
        return _gone(record)
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
    result = import_confirm(record=found, user=importer, progress=checked)
    return _written(found, result, 2 * rows)


@job_kind("roster_import", label=gettext_lazy("Roster import (command line)"))
def roster_import_run(*, record: int) -> str:
    """Import the QUEUED file of `record` at once: the command's `import_roster --queue`."""
    found = _record(record)
    if found is None:
        return _gone(record)

    def checked(done: int, most: int) -> None:
        # Once the most rows the file can have are checked, the write begins (a CSV's line
        # breaks count its rows exactly; an XLSX's blank rows keep "checking" a little longer).
        message = _("Writing the changes") if done >= most else _("Checking the rows")
        report_progress(done, 2 * most, message)

    result = import_queued_write(record=found, progress=checked)
    if result is None:
        return _nothing_to_do(found)
    if not result.written:
        found.refresh_from_db(fields=["report"])
        return _("%(reference)s: %(reason)s") % {
            "reference": found.reference,
            "reason": found.report.get("refused", ""),
        }
    rows = result.plan.counts.rows if result.plan else 0
    return _written(found, result, 2 * rows)


def _written(record: ImportRecord, result: ImportResult, total: int) -> str:
    """The message of a write job; the planner's statistics refreshed after a write."""
    if result.refused:
        raise RuntimeError(result.refused)  # the database refused it: logged; retry or report
    if result.stale or result.plan is None:
        return _("%(reference)s: the records changed since the preview, so nothing was "
                 "written. Check the new preview and confirm again.") % {
            "reference": record.reference
        }  # fmt: skip
    report_progress(total, total, _("Refreshing the planner's statistics"))
    statistics_refresh(Person, Post, Membership, CoverageSummary, VillageDay)
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


def _record(pk: int) -> ImportRecord | None:
    records = ImportRecord.objects.defer(*FILE_FIELDS)
    return records.filter(pk=pk, kind=ImportRecord.Kind.ROSTER).first()


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
