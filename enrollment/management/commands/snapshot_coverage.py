import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enrollment.services import coverage_snapshot


class Command(BaseCommand):
    help = (
        "Write each village's coverage figures for the current month (idempotent within a "
        "month), for the trend chart. --months N also rewrites the N-1 months before it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month to write, as YYYY-MM (default: this month).")
        parser.add_argument(
            "--months", type=int, default=1, help="How many months, back from --month."
        )

    def handle(self, *args, month=None, months=1, **options):
        try:
            first = dt.date.fromisoformat(f"{month}-01") if month else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--month must look like 2026-11, not {month!r}.") from exc
        if months < 1:
            raise CommandError("--months must be at least 1.")
        for back in reversed(range(months)):
            target = (first - relativedelta(months=back)).replace(day=1)
            written = coverage_snapshot(month=target)
            self.stdout.write(f"{target:%Y-%m}: {written} rows")
