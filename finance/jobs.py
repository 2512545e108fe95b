"""The contributions and claims import as background jobs (jobs.registry), for files of more
data rows than `settings.IMPORT_JOB_THRESHOLD_ROWS`: the preview of an admin upload, the write
of a confirmed preview, and `import_finance --queue`. The file waits in its FinanceImport (the
worker may run on another machine), which names its latest job for its page.

A file has one row per year, area, group and program: a branch's few regencies stay far below
the threshold, but head office's file for the whole country is about 9,900 rows a year
(514 regencies and 38 provinces × 3 groups × 6 programs) and may hold several years, each row
saved one by one with its history; so the admin's upload and confirm go through these jobs
above the threshold, as the other imports do.

Each kind is idempotent and all or nothing: it locks its FinanceImport and works in one
transaction, and does nothing when the import no longer waits for it (a retry, or a run after
its commit). Progress is counted in rows: read, then written (twice the rows; a preview
writes them too, then rolls back)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports.reader import rows_at_most
from finance.models import FinanceImport, FinanceRecord
from finance.services import FinanceImportResult, finance_import
from jobs.models import Job
from jobs.progress import report_progress
from jobs.registry import job_kind
from jobs.services import job_enqueue, statistics_refresh
from villages.access import Scope, scope_for

# --- Queueing ---------------------------------------------------------------------------------


def finance_file_queue(
    *, data: bytes, file_name: str, user: User | None, dry_run: bool
) -> FinanceImport:
    """Keep the file in a QUEUED import and queue the job that previews it (`dry_run`: the
    admin's upload, `import_finance --queue --dry-run`) or imports it (the command)."""
    with transaction.atomic():
        record = FinanceImport.objects.create(
            user=user,
            file_name=file_name[:255],
            data=data,
            status=FinanceImport.Status.QUEUED,
        )
        kind = "finance_preview" if dry_run else "finance_import"
        _attach(record, job_enqueue(kind=kind, arguments={"record": record.pk}, user=user))
    return record


def finance_confirm_queue(*, record: FinanceImport, user: User) -> Job:
    """Queue the write of `record`'s preview as `user`; the job already queued or running for
    it, if there is one (a second click)."""
    with transaction.atomic():
        locked = FinanceImport.objects.select_for_update().get(pk=record.pk)
        if locked.job is not None and locked.job.state in (Job.State.QUEUED, Job.State.RUNNING):
            return locked.job
        arguments = {"record": locked.pk, "user": user.pk}
        job = job_enqueue(kind="finance_confirm", arguments=arguments, user=user)
        _attach(locked, job)
    return job


def _attach(record: FinanceImport, job: Job) -> None:
    record.job = job
    record.save(update_fields=["job"])


# --- The kinds --------------------------------------------------------------------------------


@job_kind("finance_preview", label=gettext_lazy("Contributions and claims import: preview"))
@transaction.atomic
def finance_preview_run(*, record: int) -> str:
    """Read and check the QUEUED file of `record` and store its preview."""
    found = _locked(record, FinanceImport.Status.QUEUED)
    if not isinstance(found, FinanceImport):
        return found
    data = bytes(found.data)
    result = finance_import(data=data, file_name=found.file_name, scope=_scope(found.user),
                            dry_run=True, progress=_told)  # fmt: skip
    if result.refused:
        _store(found, result, FinanceImport.Status.REFUSED)
        return _("%(file)s: the file is refused: %(reason)s") % {
            "file": found.file_name,
            "reason": result.refused,
        }
    _store(found, result, FinanceImport.Status.PREVIEWED)
    # Told again: the dry run's rollback took back what it told on the job's own connection.
    total = 2 * rows_at_most(data)
    report_progress(total, total, _("Preview ready"))
    if result.error_count:
        return _("%(file)s: %(count)d invalid rows; nothing can be imported.") % {
            "file": found.file_name,
            "count": result.error_count,
        }
    return _("%(file)s: preview of %(rows)d rows ready; confirm it on the import's page.") % {
        "file": found.file_name,
        "rows": result.rows,
    }


@job_kind("finance_confirm", label=gettext_lazy("Contributions and claims import: write"))
@transaction.atomic
def finance_confirm_run(*, record: int, user: int | None = None) -> str:
    """Write the previewed import `record` as the user `user` confirmed it."""
    found = _locked(record, FinanceImport.Status.PREVIEWED)
    if not isinstance(found, FinanceImport):
        return found
    importer = None
    if user is not None and (importer := User.objects.filter(pk=user).first()) is None:
        raise ValueError(_("The user who confirmed the import no longer exists."))
    return _write(found, importer, FinanceImport.Status.PREVIEWED)


@job_kind("finance_import", label=gettext_lazy("Contributions and claims import (command line)"))
@transaction.atomic
def finance_import_run(*, record: int) -> str:
    """Import the QUEUED file of `record` at once: the command's `import_finance --queue`."""
    found = _locked(record, FinanceImport.Status.QUEUED)
    if not isinstance(found, FinanceImport):
        return found
    return _write(found, found.user, FinanceImport.Status.REFUSED)


def _write(record: FinanceImport, user: User | None, not_written: str) -> str:
    """Write the file as `user`; a file that no longer passes its checks leaves `record` in
    `not_written` with the report saying why, and nothing written."""
    result = finance_import(data=bytes(record.data), file_name=record.file_name,
                            scope=_scope(user), dry_run=False, progress=_told)  # fmt: skip
    if not result.written:
        _store(record, result, not_written)
        reason = result.refused or _("%(count)d invalid rows; nothing was written.") % {
            "count": result.error_count
        }
        return _("%(file)s: %(reason)s") % {"file": record.file_name, "reason": reason}
    _store(record, result, FinanceImport.Status.IMPORTED)
    statistics_refresh(FinanceRecord)
    return _("%(file)s imported: %(created)d new, %(updated)d replaced, %(unchanged)d "
             "unchanged.") % {
        "file": record.file_name, "created": result.created, "updated": result.updated,
        "unchanged": result.unchanged,
    }  # fmt: skip


def _locked(pk: int, waiting: str) -> FinanceImport | str:
    """The import `pk`, locked, if it is `waiting`; else the job's message."""
    found = FinanceImport.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        return _("Import %(pk)s no longer exists; nothing to do.") % {"pk": pk}
    if found.status != waiting:
        return _("%(file)s is %(status)s; nothing to do.") % {
            "file": found.file_name,
            "status": found.get_status_display(),
        }
    return found


def _store(record: FinanceImport, result: FinanceImportResult, status: str) -> None:
    record.report, record.status = result.report(), status
    record.save(update_fields=["report", "status"])


def _scope(user: User | None) -> Scope:
    return scope_for(user) if user is not None else Scope(everything=True)


def _told(done: int, total: int) -> None:
    message = _("Checking the rows") if done < total / 2 else _("Writing the changes")
    report_progress(done, total, message)


# The budget planner's jobs (large downloads, the province page) live beside it; importing
# them here registers them, as the jobs app imports each app's `jobs` module.
from finance import budget_jobs  # noqa: E402, F401
