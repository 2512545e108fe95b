import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from devdata.demo import DemoRegionsMissing, demo_load, demo_snapshots_backfill
from devdata.demo_data import DEMO_USERS


class Command(BaseCommand):
    help = (
        "Load the demo data set on real regions (run load_regions --province 33 --province 35 "
        "--province 36 first): offices, targets, village profiles, rosters, memberships and "
        "demo logins. Deterministic and idempotent: a second run creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The day paid-until dates are drawn around. Default: today.",
        )

    def handle(self, *args, today=None, **options):
        started = time.monotonic()
        try:
            result = demo_load(today=today, stdout=self.stdout)
        except DemoRegionsMissing as exc:
            raise CommandError(str(exc)) from exc
        for name, count in result.rows():
            self.stdout.write(f"{name:<18} {_('created')} {count:>7}")
        if result.total == 0:
            self.stdout.write(_("Nothing new: the demo was already loaded."))
        written = demo_snapshots_backfill(today or timezone.localdate())
        self.stdout.write(
            _("Trend: %(rows)d monthly snapshot rows (12 months).") % {"rows": written}
        )
        self.stdout.write("\n" + _("Demo logins (local use only):"))
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<20} {user.password:<24} {user.label}")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(_("Done in %(s).1f s.") % {"s": elapsed}))
