"""A background job shown on the page of the work it does (an import's report): its state and
kind, a <progress> bar while it is queued or running (the page refreshes itself every 3 s) and
the retry of a failed or interrupted one. The page includes templates/admin/jobs/job_card.html
with `job_card(...)` in its context; its retry view (POST, after its own scoping) calls
`job_card_retry`. Every import with background jobs (roster, registrations, finance) shows its
job this way."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.services import ACTIVE, RETRYABLE, job_retry


def job_active(job: Job | None) -> bool:
    """Whether `job` is still to run or running."""
    return job is not None and job.state in ACTIVE


def job_card(job: Job | None, *, retry_url: str) -> dict[str, Any]:
    """The card's context: `job` (None: no card), whether it is active (the page refreshes
    itself) or may be retried, and where its retry button posts."""
    return {
        "job": job,
        "job_active": job_active(job),
        "job_retryable": job is not None and job.state in RETRYABLE,
        "job_retry_url": retry_url,
    }


def job_card_retry(request: HttpRequest, job: Job | None, *, back_url: str) -> HttpResponse:
    """Queue `job` again if it failed or was interrupted (its kind is idempotent), say so,
    and go back to its page."""
    if job is not None and job_retry(job=job):
        messages.success(request, _("The background job is queued again."))
    else:
        messages.warning(request, _("The background job was not failed or interrupted; it is "
                                    "left as it is."))  # fmt: skip
    return HttpResponseRedirect(back_url)
