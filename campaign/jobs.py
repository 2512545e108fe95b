"""The residents' registrations import as background jobs (jobs.registry), for files of more
data rows than `settings.IMPORT_JOB_THRESHOLD_ROWS`: the preview of an admin upload, the write
of a confirmed preview, and `import_registrations --queue`. The same jobs as the roster's
(enrollment.import_jobs): idempotent, all or nothing, progress in rows.

The campaign's rollups (campaign.rollups) and the villages' self-enrolled totals
(campaign.self_enrolled) are kept by triggers inside the write's transaction, so a job's write
moves them with the registrations or (a failed or killed job) not at all; after a write the
planner's statistics of the registrations and of those tables are refreshed."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy

from campaign.models import (
    AgentDay,
    AgentMonth,
    ProvinceDay,
    Registration,
    RegistrationDay,
    RegistrationMonth,
    VillageSelfEnrolled,
)
from campaign.registration_import import (
    registrations_confirm,
    registrations_preview_queued,
    registrations_queued_write,
)
from enrollment.import_jobs import (
    ImportEngine,
    import_confirm_queue,
    import_file_queue,
    import_job_confirm,
    import_job_import,
    import_job_preview,
)
from enrollment.models import ImportRecord
from jobs.models import Job
from jobs.registry import job_kind

REGISTRATIONS = ImportEngine(
    record_kind=ImportRecord.Kind.REGISTRATIONS,
    preview_queued=registrations_preview_queued,
    queued_write=registrations_queued_write,
    confirm=registrations_confirm,
    tables=(
        Registration,
        RegistrationDay,
        RegistrationMonth,
        ProvinceDay,
        AgentDay,
        AgentMonth,
        VillageSelfEnrolled,
    ),
)


def registrations_preview_queue(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool, origin: str
) -> ImportRecord:
    """Keep the file in a QUEUED record and queue the job that previews it."""
    return import_file_queue(job_kind="registrations_preview",
                             record_kind=REGISTRATIONS.record_kind, data=data,
                             file_name=file_name, user=user, skip_invalid=skip_invalid,
                             origin=origin)  # fmt: skip


def registrations_import_queue(
    *, data: bytes, file_name: str, user: User | None, skip_invalid: bool
) -> ImportRecord:
    """Keep the file in a QUEUED record and queue the job that imports it without a preview
    (the command's --queue)."""
    return import_file_queue(job_kind="registrations_import",
                             record_kind=REGISTRATIONS.record_kind, data=data,
                             file_name=file_name, user=user, skip_invalid=skip_invalid,
                             origin=ImportRecord.Origin.COMMAND)  # fmt: skip


def registrations_confirm_queue(*, record: ImportRecord, user: User) -> Job:
    """Queue the write of `record`'s preview as `user` (or find the job doing it)."""
    return import_confirm_queue(job_kind="registrations_confirm", record=record, user=user)


@job_kind("registrations_preview", label=gettext_lazy("Registrations import: preview"))
def registrations_preview_run(*, record: int) -> str:
    """Read and check the rows of the QUEUED registrations import `record`; store its
    preview."""
    return import_job_preview(REGISTRATIONS, record)


@job_kind("registrations_confirm", label=gettext_lazy("Registrations import: write"))
def registrations_confirm_run(*, record: int, user: int | None = None) -> str:
    """Write the previewed registrations import `record` as the user `user` confirmed it."""
    return import_job_confirm(REGISTRATIONS, record, user)


@job_kind("registrations_import", label=gettext_lazy("Registrations import (command line)"))
def registrations_import_run(*, record: int) -> str:
    """Import the QUEUED file of `record` at once: `import_registrations --queue`."""
    return import_job_import(REGISTRATIONS, record)
