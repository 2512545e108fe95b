"""A job's page on the site, for the user who asked for it (a large export): its state and a
progress bar, refreshed every few seconds while it runs, then the link to its file; a retry
when it failed or was interrupted. Head office and superusers may open every job's page.

Access: logged in (anonymous users are sent to log in); a job of someone else is a 404, the
same as an unknown one; a file is handed out only once its job has succeeded.
"""

from __future__ import annotations

from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jobs.files import job_file_exists, job_file_open
from jobs.models import Job
from jobs.registry import KINDS
from jobs.services import job_retry

# Seconds between two refreshes of the page of a job that is not finished.
REFRESH_SECONDS = 3
FINISHED = (Job.State.SUCCEEDED, Job.State.FAILED, Job.State.INTERRUPTED)


def _job(request: HttpRequest, pk: int) -> tuple[Job, str]:
    """The job if the user may open it and it writes a file, with its download name."""
    job = get_object_or_404(Job.objects.files_visible_to(request.user), pk=pk)
    kind = KINDS.get(job.kind)
    if kind is None or kind.download_name is None:
        raise Http404(_("This job has no file."))
    return job, kind.download_name(job.arguments)


def _suffix(name: str) -> str:
    return PurePath(name).suffix


@login_required
@require_GET
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job, name = _job(request, pk)
    ready = job.state == Job.State.SUCCEEDED and job_file_exists(job.pk, _suffix(name))
    ctx = {
        "job": job,
        "filename": name,
        "ready": ready,
        "percent": job.done * 100 // job.total if job.total else None,
        "refresh": REFRESH_SECONDS if job.state not in FINISHED else None,
        "retriable": job.state in (Job.State.FAILED, Job.State.INTERRUPTED),
    }
    return render(request, "jobs/job.html", ctx)


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job, name = _job(request, pk)
    if job.state != Job.State.SUCCEEDED:
        raise Http404(_("The file is not ready yet."))
    try:
        handle = job_file_open(job.pk, _suffix(name))
    except FileNotFoundError as missing:
        raise Http404(_("The file is not ready yet.")) from missing
    return FileResponse(handle, as_attachment=True, filename=name)


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a failed or interrupted job again (its kind is idempotent), then its page."""
    job, _name = _job(request, pk)
    job_retry(job=job)
    return redirect("jobs:job", pk=job.pk)
