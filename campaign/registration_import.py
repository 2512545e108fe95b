"""The residents' registrations import service: one engine behind the admin (upload, preview,
confirm) and the `import_registrations` command, with the roster import's file handling, limits,
rejected-rows file and history of imports (enrollment.ImportRecord, kind "registrations").

All or nothing by default; `skip_invalid` writes the valid rows. A confirm writes only the plan
its preview showed: the plan's digest covers the file, the options and every stored
registration the plan was made from, and a confirm whose digest differs writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaign.models import Registration
from campaign.registration_plan import RegistrationPlan, plan_registrations
from enrollment.imports.engine import (
    RowsProgress,
    import_locked,
    import_refuse,
    imports_expire,
    queued_write,
    rows_progress,
    user_scope,
)
from enrollment.imports.planner import Progress
from enrollment.imports.reader import FileRefused, read_table
from enrollment.imports.report import SHOWN, rejected_csv
from enrollment.imports.writes import (
    FILE_FIELDS,
    create_with_history,
    load_file,
    plain_fields,
    save_with_files,
    update_with_history,
)
from enrollment.models import ImportRecord

KIND = ImportRecord.Kind.REGISTRATIONS
# pg_advisory_xact_lock(key, sub): registrations imports that write never overlap.
WRITE_LOCK = (4245, 14)
CREATED_FIELDS = ("date", "village_id", "channel", "agent_id", "count", "contributions",
                  "import_record_id")  # fmt: skip
UPDATED_FIELDS = ["count", "contributions", "import_record_id"]
logger = logging.getLogger(__name__)


@dataclass
class RegistrationResult:
    """What a run did or would do. `refused` is a file-level error (nothing read or written)."""

    plan: RegistrationPlan | None = None
    refused: str = ""
    stale: bool = False
    written: bool = False
    digest: str = ""
    record: ImportRecord | None = None
    rejected: bytes = b""
    report: dict[str, Any] = field(default_factory=dict)


def registrations_import(
    *,
    data: bytes,
    file_name: str,
    user: User | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    origin: str = ImportRecord.Origin.COMMAND,
    record: ImportRecord | None = None,
    expected_digest: str = "",
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> RegistrationResult:
    """Import a registrations file: all or nothing, or (`skip_invalid`) the valid rows only.
    A dry run writes nothing. With `expected_digest`, writes only if the plan is still the one
    previewed (else `stale`, with the new plan and its digest). `today` (Asia/Jakarta's by
    default) is the last day a row may have. `progress` is told the rows planned."""
    today = today or timezone.localdate()
    if dry_run:
        return _planned(data, file_name, user, skip_invalid, today, progress)
    with transaction.atomic():
        _write_lock()
        result = _planned(data, file_name, user, skip_invalid, today, progress)
        plan = result.plan
        if result.refused or plan is None:  # a plan unless refused
            return result
        if expected_digest and expected_digest != result.digest:
            result.stale = True
            return result
        if plan.counts.invalid and not skip_invalid:
            return result
        try:
            result.record = _write(plan, result, data, file_name, user, skip_invalid, origin,
                                   record)  # fmt: skip
        except IntegrityError:
            logger.exception("Registrations import of %s refused by the database", file_name)
            result.refused = _(
                "The database refused the import, so nothing was written; the error is logged "
                "for the administrator."
            )
            return result
    result.written = True
    return result


def _write_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(WRITE_LOCK))


def _planned(
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    today: dt.date,
    progress: Progress | None = None,
) -> RegistrationResult:
    """The file read and planned against the stored registrations, not written."""
    try:
        table = read_table(data, file_name)
        plan = plan_registrations(table, scope=user_scope(user), today=today, progress=progress)
        rejected = rejected_csv(table, plan)
    except FileRefused as refusal:
        return RegistrationResult(refused=str(refusal))
    return RegistrationResult(
        plan=plan,
        report=report_data(plan),
        rejected=rejected,
        digest=plan_digest(plan, data=data, skip_invalid=skip_invalid, user=user),
    )


def _write(
    plan: RegistrationPlan,
    result: RegistrationResult,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
    origin: str,
    record: ImportRecord | None,
) -> ImportRecord:
    with transaction.atomic():
        record = record or ImportRecord(origin=origin, kind=KIND)
        _fill_record(record, plan, data, file_name, user, skip_invalid)
        record.status, record.imported_at = ImportRecord.Status.IMPORTED, timezone.now()
        save_with_files(record, upload=b"", rejected=result.rejected)  # the file is not kept
        apply_plan(plan, record=record, user=user, file_name=file_name)
    return record


def apply_plan(plan: RegistrationPlan, *, record: ImportRecord, user: Any, file_name: str) -> None:
    """Write the plan in bulk, each registration's history with it: the importing user, and
    as the reason the import's reference and file ("Impor IMP-000123: pendaftaran.csv", in the
    site's language, as the roster import writes it). A stored registration without history
    (written by a bulk load) first gets a row of its stored state. Call inside a transaction."""
    reference = record.reference
    with translation.override(settings.LANGUAGE_CODE):
        reason = _("Import %(reference)s: %(file)s") % {"reference": reference, "file": file_name}
        before = _("Stored state before import %(reference)s") % {"reference": reference}
    history = {
        "default_user": user,
        "default_change_reason": reason[:100],
        "default_date": timezone.now(),
    }
    created = (
        dict(zip(CREATED_FIELDS, (*row.key, row.count, row.contributions, record.pk), strict=True))
        for row in plan.created()
    )
    create_with_history(Registration, CREATED_FIELDS, created, history=history)
    updated = (
        {"id": row.id, **dict(zip(CREATED_FIELDS, (*row.key, row.count, row.contributions,
                                                    record.pk), strict=True))}
        for row in plan.updated()
    )  # fmt: skip
    update_with_history(Registration, updated, UPDATED_FIELDS, history=history, baseline=before)


def _fill_record(
    record: ImportRecord,
    plan: RegistrationPlan,
    data: bytes,
    file_name: str,
    user: User | None,
    skip_invalid: bool,
) -> None:
    counts = plan.counts
    record.kind = KIND
    record.user = user
    record.file_name = file_name[:255]
    record.file_size = len(data)
    record.file_sha256 = hashlib.sha256(data).hexdigest()
    record.skip_invalid = skip_invalid
    record.rows, record.created, record.updated = counts.rows, counts.created, counts.updated
    record.unchanged, record.invalid = counts.unchanged, counts.invalid
    record.warnings, record.replacements = len(plan.warnings), 0
    record.report = report_data(plan, limit=SHOWN)


# --- Report -----------------------------------------------------------------------------------


def report_data(plan: RegistrationPlan, limit: int | None = SHOWN) -> dict[str, Any]:
    """The report as JSON-ready data, in the roster report's shape; lists cut at `limit`."""
    counts = plan.counts
    return {
        "counts": {
            "rows": counts.rows,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "invalid": counts.invalid,
            "errors": len(plan.errors),
            "warnings": len(plan.warnings),
            "replacements": 0,
        },
        "errors": [[e.row, e.column, e.found, e.expected] for e in plan.errors[:limit]],
        "warnings": [[w.row, w.message] for w in plan.warnings[:limit]],
        "replacements": [],
    }


def report_text(report: dict[str, Any]) -> list[str]:
    """The report as lines of text, for the command."""
    c = report["counts"]
    lines = [
        _("Rows: %(rows)d (blank rows not counted)") % c,
        _(
            "Created: %(created)d  Updated: %(updated)d  Unchanged: %(unchanged)d  "
            "Invalid: %(invalid)d"
        )
        % c,
    ]
    if report["warnings"]:
        lines.append(_("Warnings:"))
        lines += [
            "  " + (_("file") if row == 0 else _("row %(row)d") % {"row": row}) + f": {message}"
            for row, message in report["warnings"]
        ]
    if report["errors"]:
        lines.append(_("Errors:"))
        lines += [
            "  "
            + _("row %(row)d, column %(column)s: found “%(found)s”, expected %(expected)s")
            % {"row": row, "column": column, "found": found, "expected": expected}
            for row, column, found, expected in report["errors"]
        ]
    return lines


# --- Preview and confirm (the admin) ----------------------------------------------------------


def registrations_preview(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool
) -> RegistrationResult:
    """A dry run whose file and digest are kept in an ImportRecord until it is confirmed. A
    refused file leaves no record."""
    imports_expire()  # previews of every kind older than a day
    result = registrations_import(
        data=data, file_name=file_name, user=user, dry_run=True, skip_invalid=skip_invalid
    )
    if result.refused or result.plan is None:  # a plan unless refused
        return result
    with transaction.atomic():
        record = ImportRecord(
            kind=KIND, origin=ImportRecord.Origin.ADMIN, status=ImportRecord.Status.PREVIEWED
        )
        _fill_record(record, result.plan, data, file_name, user, skip_invalid)
        record.plan_digest = result.digest
        save_with_files(record, upload=data, rejected=result.rejected)
    result.record = record
    return result


@transaction.atomic
def registrations_confirm(
    *, record: ImportRecord, user: User | None, progress: Progress | None = None
) -> RegistrationResult:
    """Write what the preview showed, or nothing when the registrations changed since (a new
    preview is stored on the record and `stale` is set). The record stays locked meanwhile: a
    second confirm of the same preview waits, then finds it imported."""
    imports_expire()  # previews of every kind older than a day
    record = ImportRecord.objects.select_for_update().defer(*FILE_FIELDS).get(pk=record.pk)
    previewed = record.status == ImportRecord.Status.PREVIEWED and record.kind == KIND
    data = load_file(record, "upload") if previewed else b""
    if not data:
        return RegistrationResult(refused=_("This preview has expired or was already imported."))
    result = registrations_import(
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
        save_with_files(record, rejected=result.rejected)
    return result


# --- A file kept for a background job (campaign.jobs) ------------------------------------------


@transaction.atomic
def registrations_preview_queued(
    *, record: ImportRecord, progress: RowsProgress | None = None
) -> RegistrationResult | None:
    """Preview a QUEUED record's file, as `registrations_preview` does within a request. None,
    and nothing done, when the record is not waiting (a job run again). A refused file leaves
    the record REFUSED, its file dropped and the reason in its report."""
    record = import_locked(record)
    if record.status != ImportRecord.Status.QUEUED:
        return None
    data, user, skip_invalid = load_file(record, "upload"), record.user, record.skip_invalid
    result = registrations_import(data=data, file_name=record.file_name, user=user, dry_run=True,
                                  skip_invalid=skip_invalid,
                                  progress=rows_progress(data, progress))  # fmt: skip
    result.record = record
    if result.refused or result.plan is None:  # a plan unless refused
        result.refused = result.refused or _("The file cannot be read.")
        import_refuse(record, result.refused)
        return result
    record.status = ImportRecord.Status.PREVIEWED
    _fill_record(record, result.plan, data, record.file_name, user, skip_invalid)
    record.plan_digest = result.digest
    save_with_files(record, rejected=result.rejected)
    return result


@transaction.atomic
def registrations_queued_write(
    *, record: ImportRecord, progress: RowsProgress | None = None
) -> RegistrationResult | None:
    """Import a QUEUED record's file at once (the command's --queue). None, and nothing done,
    when the record is not waiting (a job run again after its write committed). A refused
    file, or invalid rows in an all-or-nothing import, leave the record REFUSED with the
    reason (and the rows) in its report."""
    return queued_write(record, progress, run=registrations_import, fill=_fill_record)


def plan_digest(
    plan: RegistrationPlan, *, data: bytes, skip_invalid: bool, user: User | None
) -> str:
    """A hash of the file, the options, the stored registrations the plan was made from and
    every write it would make: equal digests mean equal writes from the same records."""
    digest = hashlib.sha256()
    head = (hashlib.sha256(data).hexdigest(), skip_invalid, plan.today, getattr(user, "pk", None),
            plan.counts, [(e.row, e.column, e.found) for e in plan.errors])  # fmt: skip
    digest.update(repr(head).encode())
    for row in plan.rows:
        digest.update(repr((row.key, row.count, row.contributions, row.id, row.was)).encode())
    return digest.hexdigest()
