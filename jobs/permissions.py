"""Who may see and do what with the background jobs, by role (villages.access gives the
role): head office and superusers see every job and keep the schedule; the other staff roles
see the jobs they asked for (an import, an export); nobody but a superuser deletes."""

from __future__ import annotations

from villages.access import scope_for
from villages.models import Role

EVERY_JOB = {"superuser", Role.Kind.HEAD_OFFICE}
OWN_JOBS = {Role.Kind.REGIONAL_OFFICE, Role.Kind.BRANCH_STAFF, Role.Kind.MANAGER}


def _role(user) -> str:
    if not user.is_authenticated or not user.is_staff:
        return ""
    return scope_for(user).role


def jobs_see_all(user) -> bool:
    return _role(user) in EVERY_JOB


def jobs_see_own(user) -> bool:
    return _role(user) in OWN_JOBS


def job_files_see_all(user) -> bool:
    """Open every job's page and file (an export), not only one's own: head office and
    superusers, on the site as in the admin."""
    return user.is_authenticated and scope_for(user).role in EVERY_JOB


def jobs_may_read(user) -> bool:
    """See the jobs list (all, or one's own) and retry the failed jobs one sees."""
    return _role(user) in EVERY_JOB | OWN_JOBS


def schedule_may_edit(user) -> bool:
    """See, add and change the periodic jobs."""
    return _role(user) in EVERY_JOB
