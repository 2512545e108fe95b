import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from devdata import loadgen
from devdata.loadgen.campaign import generate_campaign
from devdata.loadgen.finance import generate_finance
from enrollment import summary
from enrollment.models import Membership
from villages.models import Person, Post


class Command(BaseCommand):
    help = (
        "Generate a synthetic, deterministic roster for benchmarks on the loaded regions: "
        "regency (Banyumas 33.02), province (Jawa Tengah 33) or country (every village; about "
        "5 million posts and 12 million memberships, PostgreSQL only). The campaign's rows "
        "(Perisai agents, outreach events, two years of daily registrations) and the "
        "contributions and claims of its regencies (2019-2025) are replaced by those of the "
        "scale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(loadgen.SCALES), required=True)
        parser.add_argument("--seed", type=int, default=loadgen.DEFAULT_SEED)
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="The day paid-until dates and terms are drawn around. Default: today.",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--force",
            action="store_true",
            help="Delete every person, post and membership first (their history stays).",
        )
        mode.add_argument(
            "--append",
            action="store_true",
            help="Add to the posts already there (NIK serials from 5001 to avoid clashes).",
        )
        mode.add_argument(
            "--campaign-only",
            action="store_true",
            help="Leave the roster; only replace the campaign's agents, events and registrations.",
        )
        mode.add_argument(
            "--finance-only",
            action="store_true",
            help="Leave the roster and the campaign; only replace the contributions and claims.",
        )

    def handle(
        self, *args, scale, seed, today, force, append, campaign_only, finance_only, **options
    ):
        if not loadgen.villages_for(scale):
            raise CommandError("No villages for this scale: run manage.py load_regions first.")
        if campaign_only:
            return self._campaign(scale, seed, today or timezone.localdate())
        if finance_only:
            return self._finance(scale, seed)
        if Post.objects.exists() and not (force or append):
            raise CommandError(
                "This database already has posts. Use --force to delete every person, post "
                "and membership first, or --append to add to them."
            )
        if force:
            self._wipe()
        try:
            counts = loadgen.generate(
                scale=scale, seed=seed, today=today or timezone.localdate(), append=append
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"villages {counts.villages:>10,}\npersons  {counts.persons:>10,}\n"
            f"posts    {counts.posts:>10,}\nmemberships {counts.memberships:>7,}"
        )
        self.stdout.write(
            "seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in counts.seconds.items())
        )
        self._campaign(scale, seed, today or timezone.localdate())
        self._finance(scale, seed)

    def _finance(self, scale: str, seed: int) -> None:
        counts = generate_finance(scale=scale, seed=seed)
        self.stdout.write(
            f"finance: {counts.records:,} rows for {counts.regencies:,} regencies and "
            f"{counts.provinces:,} provinces, {counts.seconds['finance']:.1f} s"
        )

    def _campaign(self, scale: str, seed: int, today: dt.date) -> None:
        counts = generate_campaign(villages=loadgen.villages_for(scale), seed=seed, today=today)
        self.stdout.write(
            f"campaign: {counts.active_villages:,} of {counts.villages:,} villages registering, "
            f"{counts.agents:,} agents, {counts.events:,} events, "
            f"{counts.registrations:,} registrations ({counts.residents:,} residents), "
            f"{counts.rows_per_second:,.0f} rows/s"
        )
        self.stdout.write(
            "seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in counts.seconds.items())
        )

    def _wipe(self) -> None:
        tables = [
            Membership._meta.db_table,
            Post._meta.db_table,
            Person._meta.db_table,
            summary.TABLE,
            summary.HOLDERS,
        ]
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {', '.join(tables)}")
                return
            with summary.triggers_off():
                Membership.objects.all().delete()
                Post.objects.all().delete()
                Person.objects.all().delete()
                summary.rebuild_summary()
