"""Import contributions and claims (CSV or XLSX) as shared/spec/finance-import.md describes."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from enrollment.imports.limits import MAX_BYTES
from finance.jobs import finance_file_queue
from finance.permissions import finance_may_edit
from finance.services import FinanceImportResult, finance_import
from villages.access import Scope, scope_for


class Command(BaseCommand):
    help = (
        "Import contributions and claims per regency or province and year. All or nothing; "
        "--dry-run writes nothing. Exits 1 when a row is invalid, 2 when the file is refused. "
        "--queue leaves it to a background worker and prints the job's id (with --dry-run, the "
        "job previews it for the admin's confirm)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv or .xlsx file.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Import as this user, within their area (default: a system import, no limit).",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue it as a background job for a worker (manage.py db_worker).",
        )

    def handle(
        self,
        *args: Any,
        file: str,
        dry_run: bool,
        user: str | None,
        queue: bool = False,
        **options: Any,
    ) -> None:
        path = Path(file)
        importer = _user(user) if user else None
        scope = scope_for(importer) if importer else Scope(everything=True)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=2)
        if path.stat().st_size > MAX_BYTES:  # refused before reading it into memory
            size = path.stat().st_size / 1024 / 1024
            raise CommandError(
                _("%(path)s is %(size).1f MB; the limit is 20 MB.") % {"path": path, "size": size},
                returncode=2,
            )
        if queue:
            record = finance_file_queue(
                data=path.read_bytes(), file_name=path.name, user=importer, dry_run=dry_run
            )
            self.stdout.write(
                _("Job #%(job)s queued: %(file)s.") % {"job": record.job_id, "file": path.name}
            )
            return
        result = finance_import(
            data=path.read_bytes(), file_name=path.name, scope=scope, dry_run=dry_run
        )
        if result.refused:
            raise CommandError(result.refused, returncode=2)
        for error in result.errors:
            self.stdout.write(str(error))
        if result.error_count:
            raise CommandError(
                _("%(count)d invalid rows; nothing was written.") % {"count": result.error_count}
            )
        self.stdout.write(_counts(result))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written."))


def _counts(result: FinanceImportResult) -> str:
    return _("%(rows)d rows: %(created)d new, %(updated)d replaced, %(unchanged)d unchanged.") % {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user %(name)s.") % {"name": username}, returncode=2)
    if not finance_may_edit(user):
        raise CommandError(
            _("%(name)s may not import contributions and claims.") % {"name": username},
            returncode=2,
        )
    return user
