import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from villages.models import Role
from villages.roles import user_role_set


class Command(BaseCommand):
    help = (
        "Create or update a user with a role and its areas. The password comes from the "
        "ADD_USER_PASSWORD environment variable, or is asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.Kind.values)
        parser.add_argument(
            "--area",
            action="append",
            default=[],
            dest="areas",
            metavar="CODE",
            help="Kemendagri code of a province, regency, district or village (repeatable).",
        )
        parser.add_argument("--branch", help="Branch office name (branch staff).")
        parser.add_argument("--regional-office", help="Regional office name (regional office).")

    def handle(self, *args, username, role, areas, branch, regional_office, **options):
        password = os.environ.get("ADD_USER_PASSWORD") or self._ask_password()
        try:
            saved = user_role_set(
                username=username,
                kind=role,
                area_codes=areas,
                branch_name=branch,
                regional_office_name=regional_office,
                password=password,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        codes = ", ".join(saved.areas.values_list("code", flat=True)) or "—"
        self.stdout.write(
            self.style.SUCCESS(f"{username}: {saved.get_kind_display()}, areas {codes}")
        )

    def _ask_password(self) -> str | None:
        if not os.isatty(0):
            return None  # keep the current password (or none) when nobody can be asked
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords do not match.")
        return first
