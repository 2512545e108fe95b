"""The data version: a number that moves when, and only when, a write to the data the pages
read commits. The dashboards' cache is keyed on it (`villages.data_version`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """The one row of the data version: the writes folded in so far (`n`), and a token that
    changes when the row is made afresh (a database emptied and migrated again)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    n = models.BigIntegerField(_("writes folded in"), default=0)
    token = models.CharField(_("token"), max_length=32)

    class Meta:
        verbose_name = _("data version")
        verbose_name_plural = _("data version")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="%(app_label)s_%(class)s_one_row",
                violation_error_message=_("The data version has one row."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.token}.{self.n}"


class DataChange(models.Model):
    """A transaction that wrote data the pages read (PostgreSQL): one row each, inserted by
    the triggers, so writers never wait for one another; folded into `DataVersion.n` now and
    then. The version is `n` plus the number of rows a reader can see."""

    xact = models.BigIntegerField(_("transaction"), primary_key=True)

    class Meta:
        verbose_name = _("data change")
        verbose_name_plural = _("data changes")

    def __str__(self) -> str:
        return str(self.xact)
