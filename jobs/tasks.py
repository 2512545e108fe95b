"""The one task of the Tasks API that runs every job (jobs.runner); what it does is the job's
kind (jobs.registry). One task rather than one per kind: the queue's rows name a task by its
import path, so a job's kind is checked against the registry instead of any path a row could
name, and its state, progress and retries live in one table."""

from django_tasks import task

from jobs.runner import job_run


@task()
def run_job(job_id: int) -> str:
    return job_run(job_id=job_id)
