"""Who receives the weekly work-list e-mail, and which weeks each user has been sent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DigestPreference(models.Model):
    """Whether a user receives the weekly work-list e-mail; without a row, they do."""

    user = models.OneToOneField(
        "auth.User",
        on_delete=models.CASCADE,
        related_name="digest_preference",
        verbose_name=_("user"),
    )
    subscribed = models.BooleanField(_("receives the weekly e-mail"), default=True)
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    # Who stopped or resumed the mail, when and how (the e-mail's link or the settings page).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self) -> str:
        return f"{self.user} — {'on' if self.subscribed else 'off'}"


class DigestSent(models.Model):
    """The weekly work-list e-mail of one ISO week, sent to one user. The row is written in
    the transaction that sends the mail: the unique constraint makes a second run of the
    week (or a concurrent one) skip the user, and a failed send leaves no row."""

    user = models.ForeignKey(
        "auth.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    week_start = models.DateField(_("week (Monday)"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    people = models.PositiveIntegerField(_("people listed"), default=0)

    class Meta:
        verbose_name = _("weekly e-mail sent")
        verbose_name_plural = _("weekly e-mails sent")
        ordering = ["-week_start", "user_id"]
        constraints = [
            # Its index, week first, also finds the users a week's run has already sent.
            models.UniqueConstraint(
                fields=["week_start", "user"],
                name="%(app_label)s_%(class)s_once_a_week",
                violation_error_message=_("This user has been sent this week's e-mail."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.week_start:%Y-%m-%d}"
