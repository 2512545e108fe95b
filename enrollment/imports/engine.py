"""The roster import service: one engine behind the admin (upload, preview, confirm) and the
`import_roster` command.

A run reads the file, plans it against the stored state (`plan.py`) and, unless it is a dry run
or refused, writes the plan in bulk with history. The plan's digest covers everything it would
write and every stored record it was planned from (`Stored.basis`): a confirm whose digest
differs from its preview's writes nothing and asks for a new preview.

Runs that write take one lock for their whole transaction and plan inside it, so two of them
never overlap: the second plans from what the first wrote, and a confirm then finds that its
records changed since its preview instead of overwriting the first import's changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.imports.apply import apply_plan, changed_memberships
from enrollment.imports.plan import Plan
from enrollment.imports.planner import Progress, plan_import
from enrollment.imports.reader import FileRefused, read_table, rows_at_most
from enrollment.imports.report import SHOWN, rejected_csv, report_data
from enrollment.imports.writes import FILE_FIELDS, load_file, plain_fields, save_with_files
from enrollment.models import ImportRecord
from villages.access import Scope, scope_for
from villages.locks import coverage_write_lock

# Told the rows planned so far and the most the file can have (a background job's progress).
RowsProgress = Callable[[int, int], None]
# An unconfirmed preview keeps the uploaded file (personal data) no longer than this.
PREVIEW_LIFETIME = dt.timedelta(hours=24)
logger = logging.getLogger(__name__)


@dataclass
class ImportResult:
    """What a run did or would do. `refused` is a file-level error (nothing read or written)."""

    plan: Plan | None = None
    refused: str = ""
    stale: bool = False
    written: bool = False
    digest: str = ""
    record: ImportRecord | None = None
    rejected: bytes = b""
    report: dict[str, Any] = field(default_factory=dict)


def user_scope(user: User | None) -> Scope:
    """A system import (no user) has no scope limit."""
    return Scope(everything=True, role="system") if user is None else scope_for(user)


def roster_import(
    *,
    data: bytes,
    file_name: str,
    user: User | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    origin: str = ImportRecord.Origin.COMMAND,
    record: ImportRecord | None = None,
    expected_digest: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Import a roster file: all or nothing, or (`skip_invalid`) the valid rows only. A dry run
    writes nothing. With `expected_digest`, writes only if the plan is still the one previewed
    (else `stale`, with the new plan and its digest). `progress` is told the rows planned."""
    if dry_run:
        return _planned(data, file_name, user, skip_invalid, digest=True, progress=progress)
    with transaction.atomic():
        # The summary's write lock, first: imports that write never overlap (the second plans
        # from what the first wrote), and one that holds no row lock yet cannot deadlock.
        coverage_write_lock()
        result = _planned(
            data, file_name, user, skip_invalid, digest=bool(expected_digest), progress=progress
        )
        plan = result.plan
        if result.refused or plan is None:  # a plan unless refused
            return result
        if expected_digest and expected_digest != result.digest:
            result.stale = True
            return result
        if plan.counts.invalid and not skip_invalid:
            return result
        try:
            result.record = _write(plan, result.rejected, data, file_name, user, skip_invalid,
                                   origin, record)  # fmt: skip
        except IntegrityError:
            return _not_written(result, plan, data, file_name, user, skip_invalid,
                                expected_digest)  # fmt: skip
    result.written = True
    return result


def _planned(
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    *,
    digest: bool,
    progress: Progress | None = None,
) -> ImportResult:
    """The file read and planned against the stored state: an ImportResult, not written."""
    try:
        table = read_table(data, file_name)
        today = timezone.localdate()
        plan = plan_import(table, scope=user_scope(user), today=today, progress=progress)
        rejected = rejected_csv(table, plan)
    except FileRefused as refusal:
        return ImportResult(refused=str(refusal))
    result = ImportResult(plan=plan, report=report_data(plan), rejected=rejected)
    if digest:
        result.digest = plan_digest(plan, data=data, skip_invalid=skip_invalid, user=user)
    return result


def _not_written(
    result: ImportResult,
    plan: Plan,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    expected_digest: str,
) -> ImportResult:
    """The database refused a write the plan allowed. When a record the plan was made from
    changed meanwhile (a writer outside the imports: a person with the same NIK saved in the
    admin), the plan is stale: the new one is returned. Otherwise the plan itself is wrong:
    refused, and logged."""
    fresh = _planned(data, file_name, user, skip_invalid, digest=bool(expected_digest))
    basis = plan.stored.basis.digest()
    if fresh.plan is not None and fresh.plan.stored.basis.digest() != basis:
        fresh.stale = True
        return fresh
    logger.exception("Roster import of %s refused by the database", file_name)
    result.refused = _(
        "The database refused the import, so nothing was written; the error is logged for the "
        "administrator."
    )
    return result


def _write(
    plan: Plan,
    rejected: bytes,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    origin: str,
    record: ImportRecord | None,
) -> ImportRecord:
    with transaction.atomic():
        record = record or ImportRecord(origin=origin)
        _fill_record(record, plan, data, file_name, user, skip_invalid)
        record.status, record.imported_at = ImportRecord.Status.IMPORTED, timezone.now()
        # The file is not kept; the list of changes is (the import's own record of them).
        save_with_files(record, upload=b"", rejected=rejected, changes=plan.changes.blob())
        apply_plan(plan, user=user, reference=record.reference, file_name=file_name)
    return record


def _fill_record(
    record: ImportRecord,
    plan: Plan,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
) -> None:
    counts = plan.counts
    record.user = user
    record.file_name = file_name[:255]
    record.file_size = len(data)
    record.file_sha256 = hashlib.sha256(data).hexdigest()
    record.skip_invalid = skip_invalid
    record.rows, record.created, record.updated = counts.rows, counts.created, counts.updated
    record.unchanged, record.invalid = counts.unchanged, counts.invalid
    record.warnings, record.replacements = len(plan.warnings), len(plan.replacements)
    record.report = report_data(plan, limit=SHOWN)


# --- Preview and confirm (the admin) ----------------------------------------------------------


def import_preview(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool
) -> ImportResult:
    """A dry run whose file and digest are kept in an ImportRecord until it is confirmed. The
    file is stored before the plan is made: the buffers of its write (40 MB for 20 MB) do not
    add to the plan's memory. A refused file leaves no record."""
    imports_expire()
    with transaction.atomic():
        record = ImportRecord(
            origin=ImportRecord.Origin.ADMIN,
            status=ImportRecord.Status.PREVIEWED,
            user=user,
            file_name=file_name[:255],
        )
        save_with_files(record, upload=data)
        result = _preview_into(record, data, skip_invalid)
        if result.refused:
            transaction.set_rollback(True)
            return result
    result.record = record
    return result


def _preview_into(
    record: ImportRecord, data: bytes, skip_invalid: bool, progress: Progress | None = None
) -> ImportResult:
    """Plan `data` as `record`'s user and store the preview on `record` (PREVIEWED); a
    refused file is left to the caller."""
    user, file_name = record.user, record.file_name
    result = roster_import(data=data, file_name=file_name, user=user, dry_run=True,
                           skip_invalid=skip_invalid, progress=progress)  # fmt: skip
    if result.refused or result.plan is None:  # a plan unless refused
        result.refused = result.refused or _("The file cannot be read.")
        return result
    record.status = ImportRecord.Status.PREVIEWED
    _fill_record(record, result.plan, data, file_name, user, skip_invalid)
    record.plan_digest = result.digest
    save_with_files(record, rejected=result.rejected, changes=result.plan.changes.blob())
    return result


def import_queued(
    *,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    origin: str = ImportRecord.Origin.ADMIN,
    kind: str = ImportRecord.Kind.ROSTER,
) -> ImportRecord:
    """A record of `kind` keeping the file for the background job that previews (or, from
    the command, imports) it: QUEUED, nothing planned yet."""
    imports_expire()
    record = ImportRecord(
        kind=kind,
        origin=origin,
        status=ImportRecord.Status.QUEUED,
        user=user,
        file_name=file_name[:255],
        file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(),
        skip_invalid=skip_invalid,
    )
    save_with_files(record, upload=data)
    return record


@transaction.atomic
def import_preview_queued(
    *, record: ImportRecord, progress: RowsProgress | None = None
) -> ImportResult | None:
    """Preview a QUEUED record's file, as `import_preview` does within a request. None, and
    nothing done, when the record is not waiting (previewed already: a job run again). A
    refused file leaves the record REFUSED, its file dropped and the reason in its report."""
    record = import_locked(record)
    if record.status != ImportRecord.Status.QUEUED:
        return None
    data = load_file(record, "upload")
    planned = rows_progress(data, progress)
    result = _preview_into(record, data, record.skip_invalid, planned)
    if result.refused:
        import_refuse(record, result.refused)
    result.record = record
    return result


@transaction.atomic
def import_queued_write(
    *, record: ImportRecord, progress: RowsProgress | None = None
) -> ImportResult | None:
    """Import a QUEUED record's file at once (no preview to confirm), as `roster_import`
    does for the command. None, and nothing done, when the record is not waiting (a job run
    again after its write committed). A refused file, or invalid rows in an all-or-nothing
    import, leave the record REFUSED with the reason (and the rows) in its report."""
    return queued_write(record, progress, run=roster_import, fill=_fill_record)


def queued_write(
    record: ImportRecord,
    progress: RowsProgress | None,
    *,
    run: Callable[..., Any],
    fill: Callable[..., None],
) -> Any:
    """What the queued writes of the roster and of the registrations share: lock the record,
    leave it alone unless QUEUED, run the import `run` (roster_import, registrations_import)
    on its file, and on a refusal or invalid rows leave it REFUSED with the reason, its
    report filled by `fill` (the import's `_fill_record`)."""
    record = import_locked(record)
    if record.status != ImportRecord.Status.QUEUED:
        return None
    data, user, skip_invalid = load_file(record, "upload"), record.user, record.skip_invalid
    result = run(data=data, file_name=record.file_name, user=user, skip_invalid=skip_invalid,
                 origin=record.origin, record=record,
                 progress=rows_progress(data, progress))  # fmt: skip
    if result.written:
        return result
    if result.refused or result.plan is None:  # a plan unless refused
        import_refuse(record, result.refused or _("The file cannot be read."))
        return result
    fill(record, result.plan, data, record.file_name, user, skip_invalid)
    import_refuse(record, _("%(count)d invalid rows; nothing was written.")
                  % {"count": result.plan.counts.invalid}, rejected=result.rejected)  # fmt: skip
    return result


def import_locked(record: ImportRecord) -> ImportRecord:
    return ImportRecord.objects.select_for_update().defer(*FILE_FIELDS).get(pk=record.pk)


def rows_progress(data: bytes, progress: RowsProgress | None) -> Progress | None:
    """The planner's count of rows, told with the most rows the file can have."""
    if progress is None:
        return None
    most = rows_at_most(data)
    progress(0, most)
    return lambda done: progress(done, max(done, most))


def import_refuse(record: ImportRecord, reason: str, rejected: bytes = b"") -> None:
    """The record's file refused (or its rows, all or nothing): REFUSED, the file dropped."""
    record.status = ImportRecord.Status.REFUSED
    record.report = {**(record.report or {}), "refused": reason}
    save_with_files(record, upload=b"", rejected=rejected, changes=b"")


@transaction.atomic
def import_confirm(
    *, record: ImportRecord, user: User | None, progress: Progress | None = None
) -> ImportResult:
    """Write what the preview showed, or nothing when the data changed since (a new preview
    is stored on the record and `stale` is set). The record stays locked meanwhile: a second
    confirm of the same preview waits, then finds it imported."""
    imports_expire()  # a preview older than a day is not confirmed, whoever asks
    record = ImportRecord.objects.select_for_update().defer(*FILE_FIELDS).get(pk=record.pk)
    previewed = record.status == ImportRecord.Status.PREVIEWED
    data = load_file(record, "upload") if previewed and record.kind == record.Kind.ROSTER else b""
    if not data:
        return ImportResult(refused=_("This preview has expired or was already imported."))
    result = roster_import(
        data=data,
        file_name=record.file_name,
        user=user,
        skip_invalid=record.skip_invalid,
        origin=ImportRecord.Origin.ADMIN,
        record=record,
        expected_digest=record.plan_digest,
        progress=progress,
    )
    if result.stale and result.plan is not None:
        record.refresh_from_db(fields=plain_fields(record))  # as stored: the write rolled back
        _fill_record(record, result.plan, data, record.file_name, user, record.skip_invalid)
        record.plan_digest = result.digest
        save_with_files(record, rejected=result.rejected, changes=result.plan.changes.blob())
    return result


def imports_expire() -> int:
    """Drop the uploaded files and change lists of previews older than a day (they hold
    personal data), and of files whose background job has not previewed them in a day (no
    worker ran)."""
    cutoff = timezone.now() - PREVIEW_LIFETIME
    waiting = [ImportRecord.Status.PREVIEWED, ImportRecord.Status.QUEUED]
    return ImportRecord.objects.filter(status__in=waiting, created_at__lt=cutoff).update(
        status=ImportRecord.Status.EXPIRED, upload=b"", changes=b""
    )


# --- The digest -------------------------------------------------------------------------------


def plan_digest(plan: Plan, *, data: bytes, skip_invalid: bool, user: User | None) -> str:
    """A hash of the file, the options, every stored record the plan was made from and every
    write it would make: equal digests mean equal writes from the same records."""
    digest = hashlib.sha256()

    def add(*values: object) -> None:
        digest.update(repr(values).encode())
        digest.update(b"\n")

    add(hashlib.sha256(data).hexdigest(), skip_invalid, plan.today, getattr(user, "pk", None))
    add(plan.stored.basis.hexdigest())
    # Where the errors and warnings are, not their wording: it follows the user's language.
    add(plan.counts, [(e.row, e.column, e.found) for e in plan.errors],
        [w.row for w in plan.warnings], plan.replacements)  # fmt: skip
    for person in plan.persons.values():
        if person.id is None or person.changed:
            add("person", person.values())
    for post in plan.changed_posts.values():
        add("post", post.values())
    for new_post in plan.new_posts:
        add("new post", new_post.number, new_post.nik, new_post.village, new_post.code,
            new_post.unit, new_post.term_start, new_post.term_end)  # fmt: skip
    for new in plan.new_memberships:
        add("new memberships", new.person.nik, new.programs, new.coverage.values())
    for values in changed_memberships(plan):
        add("membership", values)
    return digest.hexdigest()
