"""Export the current roster of a village or an area in the roster import format."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from enrollment.imports.export import area_visible, roster_csv, roster_rows, roster_xlsx
from enrollment.management.commands.import_roster import _user
from villages.selectors import area_get


class Command(BaseCommand):
    help = (
        "Export the roster of a village or an area (CSV or XLSX) in the import format. "
        "Without --user: a system export with full identifiers."
    )

    def add_arguments(self, parser):
        parser.add_argument("area", help="A village, district, regency or province code.")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--user", metavar="USERNAME", help="Export as this user.")

    def handle(self, *args, area, format, output, user, **options):
        found = area_get(code=area)
        if found is None or found.level == "country":
            raise CommandError(f"No village, district, regency or province has the code {area}.")
        exporter = _user(user) if user else None
        if exporter is not None and not area_visible(exporter, found.code):
            raise CommandError(f"{found.code} is outside the area of {user}.")
        rows = roster_rows(area=found, user=exporter)
        if format == "xlsx":
            if not output:
                raise CommandError("--output is required for XLSX.")
            Path(output).write_bytes(roster_xlsx(rows))
        elif output:
            with Path(output).open("wb") as out:
                out.writelines(roster_csv(rows))
        else:
            for chunk in roster_csv(rows):
                sys.stdout.buffer.write(chunk)
        if output:
            self.stdout.write(f"Wrote {output}")
