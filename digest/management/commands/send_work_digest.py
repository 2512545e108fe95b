"""Send the week's work-list mails (digest.services.send_work_digests)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from digest.services import DigestReport, send_work_digests


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("Give the week as a date, YYYY-MM-DD.")) from error


class Command(BaseCommand):
    help = (
        "Mail branch staff and village secretaries their work list, once a week each: a "
        "re-run sends only the mails not yet sent. Exits 1 when the mail server refused one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--week",
            metavar="YYYY-MM-DD",
            help="Any day of the week to send (default: this week). A past week's lists are "
            "of its Sunday.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Make the mails; send and record none."
        )

    def handle(self, *args: Any, week: str | None, dry_run: bool, **options: Any) -> None:
        try:
            report = send_work_digests(week=_day(week) if week else None, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in _lines(report, verbose=options["verbosity"] > 1):
            self.stdout.write(line)
        if report.failed:
            count = len(report.failed)
            raise CommandError(
                ngettext(
                    "%(count)s mail was refused; run again to send it.",
                    "%(count)s mails were refused; run again to send them.",
                    count,
                )
                % {"count": _n(count)}
            )


def _n(value: int) -> str:
    """3.379 in Indonesian, 3,379 in English."""
    return formats.number_format(value, force_grouping=True)


def _lines(report: DigestReport, *, verbose: bool) -> list[str]:
    sent, empty = len(report.sent), len(report.empty)
    if report.dry_run:
        sent_line = ngettext(
            "%(count)s mail would be sent.", "%(count)s mails would be sent.", sent
        )
    else:
        sent_line = ngettext("%(count)s mail sent.", "%(count)s mails sent.", sent)
    lines = [
        _("Week of %(week)s, work lists as of %(day)s.")
        % {"week": f"{report.week_start:%d/%m/%Y}", "day": f"{report.day:%d/%m/%Y}"},
        sent_line % {"count": _n(sent)},
        ngettext(
            "%(count)s user has nobody to call: no mail.",
            "%(count)s users have nobody to call: no mail.",
            empty,
        )
        % {"count": _n(empty)},
        _("%(count)s sent earlier this week, %(meanwhile)s by another run meanwhile.")
        % {"count": _n(report.earlier), "meanwhile": _n(len(report.already))},
    ]
    lines += [
        _("Refused: %(user)s: %(error)s") % {"user": user, "error": error}
        for user, error in report.failed
    ]
    if verbose:
        lines += [_("Mail to %(user)s") % {"user": user} for user in report.sent]
        lines += [_("Nobody to call: %(user)s") % {"user": user} for user in report.empty]
    if report.dry_run:
        lines.append(_("Dry run: nothing was sent or recorded."))
    return lines
