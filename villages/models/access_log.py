"""The access log: who saw full identifiers or exported personal data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass



class AccessLog(models.Model):
    """A display of full identifiers or an export of personal data (UU 27/2022)."""

    class Action(models.TextChoices):
        FULL_IDENTIFIERS = "full_identifiers", _("Full identifiers shown")
        EXPORT = "export", _("Export")
        API = "api", _("API read with full identifiers")

    user = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("user"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    area_code = models.CharField(_("area"), max_length=13, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    what = models.CharField(_("what"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at"]
        indexes = [
            # "What did this user see?" and "who saw this area?"
            models.Index(fields=["user", "-at"], name="villages_accesslog_user_idx"),
            models.Index(fields=["area_code", "-at"], name="villages_accesslog_area_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} {self.get_action_display()} {self.area_code} ({self.at:%d/%m/%Y %H:%M})"
        )
