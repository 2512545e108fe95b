from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign.self_enrolled import TABLE, drift, rebuild


class Command(BaseCommand):
    help = (
        "Compare the residents registered since each village's old figure, which database "
        "triggers keep (campaign_villageselfenrolled), with a rebuild from the registrations, "
        "changing nothing; exits non-zero when any village differs. With --rebuild, rebuild "
        "them instead (after a bulk write that ran without triggers)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="Rebuild the kept totals from the rows."
        )

    def handle(self, *args, **options):
        if options["rebuild"]:
            with transaction.atomic():
                rebuild()
            self.stdout.write(f"{TABLE}: rebuilt")
            return
        differ = drift()
        self.stdout.write(f"{TABLE}: {differ} rows differ")
        if differ:
            raise CommandError("The kept totals differ from a rebuild.")
