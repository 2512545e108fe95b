"""The weekly work-list e-mail as a background job (jobs.registry). The calendar queues it
every day: `send_work_digests` mails each user once per ISO week, so Monday's run sends the
week's mails and the later ones only what a failure left unsent. Each mail is sent in the
transaction that records it, so a killed worker loses nothing and a retry sends only the
rest."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digest.services import send_work_digests
from jobs.progress import report_progress
from jobs.registry import Arguments, job_kind


def _the_week(arguments: Arguments, day: dt.date) -> Arguments:
    return {"week": day.isoformat(), **arguments}


def _progress(done: int, total: int) -> None:
    report_progress(done, total, _("Sending the work lists"))


@job_kind("send_work_digest", label=gettext_lazy("Weekly work-list e-mail"), complete=_the_week)
def send_work_digest(*, week: str) -> str:
    """Mail the work list of the ISO week of `week` (YYYY-MM-DD) to whoever has not had it."""
    report = send_work_digests(week=dt.date.fromisoformat(week), progress=_progress)
    message = _(
        "Week of %(week)s: %(sent)s sent, %(already)s already sent, %(empty)s with an empty "
        "list, %(failed)s refused."
    ) % {
        "week": f"{report.week_start:%d/%m/%Y}",
        "sent": len(report.sent),
        "already": len(report.already) + report.earlier,
        "empty": len(report.empty),
        "failed": len(report.failed),
    }
    if report.failed:
        # A failed job can be retried; the mails already sent are not sent again.
        raise RuntimeError(message)
    return message
