import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from jobs.services import jobs_interrupted_mark, periodic_jobs_enqueue

logger = logging.getLogger("jobs")


class Command(BaseCommand):
    help = (
        "Queue the periodic jobs when they are due (the calendar is the PeriodicJob table, "
        "kept in the admin), and mark the jobs whose worker died as interrupted, so that they "
        "may be retried; every --interval seconds, or --once. Several schedulers may run at "
        "once (one per machine): each time of a schedule is queued exactly once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Look once, then exit.")
        parser.add_argument(
            "--interval", type=float, default=30, help="Seconds between looks (default 30)."
        )

    def handle(self, *args, once=False, interval=30.0, **options):
        if once:
            self.tick()
            return
        try:
            while True:
                self.look()
                time.sleep(interval)
        except KeyboardInterrupt:
            return  # Ctrl-C: a look under way rolled back

    def look(self) -> None:
        try:
            self.tick()
        except Exception:
            # A database restart, a lost connection: the next look tries again.
            logger.exception("The scheduler's look failed")
        finally:
            close_old_connections()  # as after a request: a broken or old one is closed

    def tick(self) -> None:
        interrupted = jobs_interrupted_mark()
        if interrupted:
            self.stdout.write(f"{interrupted} job(s) interrupted: their worker is gone.")
        for job in periodic_jobs_enqueue():
            due = f"{timezone.localtime(job.due_at):%d/%m/%Y %H:%M}"
            self.stdout.write(f"Job #{job.pk} queued: {job.periodic_job} (due {due}).")
