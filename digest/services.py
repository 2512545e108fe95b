"""Sending the weekly work-list mails, and a user's choice to receive them.

Exactly once per user and ISO week: each mail is sent inside the transaction that writes its
`DigestSent(user, week_start)` row, whose unique constraint decides. A second run of the week
skips those already sent; a run at the same time waits on the first's uncommitted row and
then skips it (PostgreSQL's unique index makes the second insert wait for the first
transaction); a send that fails rolls its row back, so a re-run after an error or a crash
sends only the missing mails. The one gap no database can close: a mail the server accepted
just before the process died, uncommitted, is sent again by the re-run (one mail at most per
crash). Run it outside a transaction: inside one, no row commits before the end.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from digest.mail import digest_message
from digest.models import DigestPreference, DigestSent
from digest.selectors import digest_recipients, work_digest
from enrollment.selectors.standings import RulesInForce

# Mails sent on one connection to the mail server (many servers cap a session near 100).
BATCH_SIZE = 50

Progress = Callable[[int, int], None]


@dataclass
class DigestReport:
    """What a run did, by username: mailed now (in a dry run: would be), nobody to call (no
    mail), sent meanwhile by another run, refused by the mail server (with its answer)."""

    week_start: dt.date
    day: dt.date  # the day the work lists are of
    dry_run: bool = False
    earlier: int = 0  # sent by earlier runs of the week, not considered again
    sent: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The users this run considered."""
        return len(self.sent) + len(self.empty) + len(self.already) + len(self.failed)


class DigestNotSent(Exception):
    """The mail backend accepted no message (it failed silently)."""


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def send_work_digests(
    *, week: dt.date | None = None, dry_run: bool = False, progress: Progress | None = None
) -> DigestReport:
    """Mail each recipient (digest.selectors.digest_recipients) their work list, once in the
    ISO week of `week` (any day of it; default: this week). The lists are of today, or of the
    week's Sunday for a past week; a week not yet begun is a ValueError. `progress(done,
    total)` is called at the start and after each batch. A mail server that cannot be reached
    stops the run with its error: the mails sent so far stay sent, a re-run sends the rest.
    The lists are written in the site's language, whatever language the calling thread is in
    (post names are translated as the lists are built)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _send_work_digests(week=week, dry_run=dry_run, progress=progress)


def _send_work_digests(
    *, week: dt.date | None, dry_run: bool, progress: Progress | None
) -> DigestReport:
    today = timezone.localdate()
    week_start = week_start_of(week or today)
    if week_start > today:
        raise ValueError(
            _("The week of %(day)s has not begun.") % {"day": f"{week_start:%d/%m/%Y}"}
        )
    report = DigestReport(
        week_start=week_start,
        day=min(today, week_start + dt.timedelta(days=6)),
        dry_run=dry_run,
        earlier=DigestSent.objects.filter(week_start=week_start).count(),
    )
    recipients = list(digest_recipients(week_start=week_start))
    rules: dict[tuple[str, int], RulesInForce] = {}
    _tell(progress, 0, len(recipients))
    for start in range(0, len(recipients), BATCH_SIZE):
        batch = recipients[start : start + BATCH_SIZE]
        messages = _messages(batch, report, rules)
        if dry_run:
            report.sent += [user.username for user, _people, _message in messages]
        elif messages:
            _send(messages, report)
        _tell(progress, start + len(batch), len(recipients))
    return report


def _tell(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _messages(
    users: list[User], report: DigestReport, rules: dict[tuple[str, int], RulesInForce]
) -> list[tuple[User, int, EmailMessage]]:
    """(user, people listed, mail) for the users with someone to call; the others are
    reported as empty."""
    messages: list[tuple[User, int, EmailMessage]] = []
    for user in users:
        digest = work_digest(user=user, day=report.day, rules=rules)
        if not digest.areas:
            report.empty.append(user.username)
            continue
        message = digest_message(user=user, digest=digest, week_start=report.week_start)
        messages.append((user, digest.total, message))
    return messages


def _send(messages: list[tuple[User, int, EmailMessage]], report: DigestReport) -> None:
    """One connection for the batch; each mail in its own transaction with its row."""
    with mail.get_connection() as connection:
        for user, people, message in messages:
            try:
                sent = _claim_and_send(connection, user, people, message, report.week_start)
            except (smtplib.SMTPException, OSError, DigestNotSent) as error:
                report.failed.append((user.username, str(error) or type(error).__name__))
                continue
            (report.sent if sent else report.already).append(user.username)


def _claim_and_send(
    connection: BaseEmailBackend,
    user: User,
    people: int,
    message: EmailMessage,
    week_start: dt.date,
) -> bool:
    """Send `message` if this run writes the user's row of the week: True; False when
    another run has (this one waited for it to commit). An error of the mail server rolls
    the row back and propagates."""
    try:
        with transaction.atomic():
            DigestSent.objects.create(user=user, week_start=week_start, people=people)
            if connection.send_messages([message]) != 1:
                raise DigestNotSent(_("The mail backend sent nothing."))
    except IntegrityError:
        return False
    return True


@transaction.atomic
def digest_preference_set(*, user: User, subscribed: bool, reason: str) -> DigestPreference:
    """Start or stop `user`'s weekly mail; `reason` (how: the mail's link, the settings
    page) goes into the preference's history with the change. No change, no history."""
    preference, created = DigestPreference.objects.select_for_update().get_or_create(
        user=user, defaults={"subscribed": subscribed}
    )
    if not created:
        if preference.subscribed == subscribed:
            return preference
        preference.subscribed = subscribed
        preference.save(update_fields=["subscribed", "changed_at"])
    update_change_reason(preference, reason)
    return preference
