import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from enrollment.jobs import snapshot_months
from enrollment.models import AreaSnapshot, AreaVillagesSnapshot, CoverageSnapshot
from enrollment.services import coverage_snapshot
from jobs.services import job_enqueue, statistics_refresh


class Command(BaseCommand):
    help = (
        "Write each village's coverage figures for the current month (idempotent within a "
        "month), for the trend chart. --months N also rewrites the N-1 months before it; "
        "all the months in one transaction. --queue leaves it to a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month to write, as YYYY-MM (default: this month).")
        parser.add_argument(
            "--months", type=int, default=1, help="How many months, back from --month."
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue it as a background job for a worker (manage.py db_worker).",
        )

    def handle(self, *args, month=None, months=1, queue=False, **options):
        try:
            first = dt.date.fromisoformat(f"{month}-01") if month else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--month must look like 2026-11, not {month!r}.") from exc
        if months < 1:
            raise CommandError("--months must be at least 1.")
        if queue:
            arguments = {"month": f"{first:%Y-%m}", "months": months}
            job = job_enqueue(kind="snapshot_coverage", arguments=arguments)
            what = f"the snapshot of {first:%Y-%m}, {months} month(s)"
            self.stdout.write(f"Job #{job.pk} queued: {what}.")
            return
        with transaction.atomic():
            for target in snapshot_months(month=first, months=months):
                written = coverage_snapshot(month=target)
                self.stdout.write(f"{target:%Y-%m}: {written} rows")
        statistics_refresh(CoverageSnapshot, AreaSnapshot, AreaVillagesSnapshot)
