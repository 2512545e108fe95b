"""Import a residents' registrations file (CSV or XLSX) as the registrations import contract
describes."""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaign.jobs import registrations_import_queue, registrations_preview_queue
from campaign.registration_import import (
    RegistrationResult,
    registrations_import,
    report_data,
    report_text,
)
from campaign.registration_plan import RegistrationPlan
from enrollment.imports.reader import MAX_BYTES
from enrollment.models import ImportRecord

IMPORT_PERMISSION = "campaign.add_registration"


class Command(BaseCommand):
    help = (
        "Import a residents' registrations file. All or nothing by default; --skip-invalid "
        "writes the valid rows and FILE.rejected.csv; --dry-run writes nothing. Exits 1 when a "
        "row is invalid (unless the valid rows were written), 2 when the file is refused. "
        "--queue leaves it to a background worker and prints the job's id (with --dry-run, the "
        "job previews it for the admin's confirm)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv or .xlsx registrations file.")
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Write the valid rows, reject the others."
        )
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
        skip_invalid: bool,
        user: str | None,
        queue: bool = False,
        **options: Any,
    ) -> None:
        path = Path(file)
        importer = _user(user) if user else None
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path}, returncode=2)
        if path.stat().st_size > MAX_BYTES:  # refused before reading it into memory
            size = path.stat().st_size / 1024 / 1024
            raise CommandError(
                _("%(path)s is %(size).1f MB; the limit is 20 MB.") % {"path": path, "size": size},
                returncode=2,
            )
        if queue:
            self._queue(path, importer, dry_run=dry_run, skip_invalid=skip_invalid)
            return
        result = registrations_import(
            data=path.read_bytes(),
            file_name=path.name,
            user=importer,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        )
        plan = result.plan
        if result.refused or plan is None:  # a plan unless refused
            raise CommandError(result.refused, returncode=2)
        self.stdout.write("\n".join(report_text(report_data(plan, limit=None))))
        self._finish(path, result, plan, dry_run)

    def _queue(self, path: Path, user: User | None, *, dry_run: bool, skip_invalid: bool) -> None:
        data = path.read_bytes()
        if dry_run:
            record = registrations_preview_queue(data=data, file_name=path.name, user=user,
                                                 skip_invalid=skip_invalid,
                                                 origin=ImportRecord.Origin.COMMAND)  # fmt: skip
        else:
            record = registrations_import_queue(data=data, file_name=path.name, user=user,
                                                skip_invalid=skip_invalid)  # fmt: skip
        self.stdout.write(
            _("Job #%(job)s queued: %(reference)s, %(file)s.")
            % {"job": record.job_id, "reference": record.reference, "file": path.name}
        )

    def _finish(
        self, path: Path, result: RegistrationResult, plan: RegistrationPlan, dry_run: bool
    ) -> None:
        invalid = plan.counts.invalid
        if result.written and result.record is not None:
            self.stdout.write(_("Imported as %(ref)s.") % {"ref": result.record.reference})
            if result.rejected:
                rejected = path.with_name(f"{path.name}.rejected.csv")
                rejected.write_bytes(result.rejected)
                self.stdout.write(_("Rejected rows: %(path)s") % {"path": rejected})
        elif dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        if invalid and not result.written:
            raise CommandError(
                _("%(count)d invalid rows; nothing was written.") % {"count": invalid}
            )
        if result.written and plan.counts.rows == invalid:
            raise CommandError(_("Every row is invalid; nothing was imported."))


def _user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user %(name)s.") % {"name": username}, returncode=2)
    if not user.has_perm(IMPORT_PERMISSION):
        raise CommandError(
            _("%(name)s may not import registrations (%(perm)s).")
            % {"name": username, "perm": IMPORT_PERMISSION},
            returncode=2,
        )
    return user
