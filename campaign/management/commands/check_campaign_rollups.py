from django.core.management.base import BaseCommand, CommandError

from campaign.rollups import rebuild_rollups, rollup_drift


class Command(BaseCommand):
    help = (
        "Compare the campaign's rollups (registrations per regency, province and agent, by day "
        "and by month) with a rebuild from the registrations, changing nothing; exits non-zero "
        "when any row differs. --rebuild fills them afresh instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Rebuild the rollups from the registrations (after writes without triggers).",
        )

    def handle(self, *args, rebuild, **options):
        if rebuild:
            rebuild_rollups()
            self.stdout.write("Rollups rebuilt.")
            return
        drift = rollup_drift()
        for table, rows in drift.items():
            self.stdout.write(f"{table}: {rows} rows differ")
        if any(drift.values()):
            raise CommandError("The campaign rollups differ from a rebuild.")
