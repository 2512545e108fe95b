import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enrollment.models import CoverageDay, VillageDay
from enrollment.summary import day_in_store, roll_day
from jobs.services import job_enqueue, statistics_refresh


class Command(BaseCommand):
    help = (
        "Make today (Asia/Jakarta) the day whose per-village figures the dashboards read, "
        "from the coverage summary. The scheduler queues it just after midnight (the periodic "
        "job 'Angka harian'): until it runs, today's dashboards are summed from the "
        "summary (exact, slower at national scale); pages never roll the day themselves. "
        "Does nothing when the day is already kept. --queue leaves it to a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="Another day, as YYYY-MM-DD (default: today).")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue it as a background job for a worker (manage.py db_worker).",
        )

    def handle(self, *args, day=None, queue=False, **options):
        try:
            target = dt.date.fromisoformat(day) if day else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--day must look like 2026-11-23, not {day!r}.") from exc
        if queue:
            job = job_enqueue(kind="roll_coverage_day", arguments={"day": target.isoformat()})
            self.stdout.write(f"Job #{job.pk} queued: the figures of {target:%d/%m/%Y}.")
            return
        previous = day_in_store()
        started = time.perf_counter()
        if not roll_day(target):
            self.stdout.write(f"{target:%d/%m/%Y} is already the day kept.")
            return
        statistics_refresh(VillageDay, CoverageDay)
        seconds = time.perf_counter() - started
        was = f"{previous:%d/%m/%Y}" if previous else "none"
        self.stdout.write(
            f"{target:%d/%m/%Y}: figures of the day made in {seconds:.1f} s (was {was})."
        )
