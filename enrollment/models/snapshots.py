"""Monthly snapshots of the figures, per village and per area, for the trend."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from villages.visibility import VisibleBy, VisibleManager


class CoverageSnapshot(models.Model):
    """A village's posts and covered posts in one category at the end of a month (for trends)."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="snapshots",
        verbose_name=_("village"),
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    category = models.CharField(_("category"), max_length=10)
    posts = models.PositiveIntegerField(_("posts"))
    covered = models.PositiveIntegerField(_("covered"))

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "village__code")

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "month", "category"],
                name="%(app_label)s_%(class)s_unique_month",
            ),
            models.CheckConstraint(
                condition=Q(covered__lte=models.F("posts")),
                name="%(app_label)s_%(class)s_covered_le_posts",
            ),
        ]
        indexes = [
            # The trend chart: months of the villages below an area code.
            models.Index(fields=["month", "village"], name="enrollment_snap_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.month:%Y-%m} {self.category}"


class AreaSnapshot(models.Model):
    """The monthly snapshot summed for an area (the country has code ""): what the trend
    chart of an area dashboard reads, a dozen rows whatever the number of villages below.
    Written with the villages' snapshots (`enrollment.services.coverage_snapshot`)."""

    area_code = models.CharField(_("area code"), max_length=13, blank=True)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    category = models.CharField(_("category"), max_length=10)
    posts = models.PositiveIntegerField(_("posts"))
    covered = models.PositiveIntegerField(_("covered"))

    class Meta:
        verbose_name = _("area coverage snapshot")
        verbose_name_plural = _("area coverage snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "month", "category"],
                name="%(app_label)s_%(class)s_unique_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code or '-'} {self.month:%Y-%m} {self.category}"


class AreaVillagesSnapshot(models.Model):
    """An area's villages, villages enrolled and villages with every official covered at the
    end of a month (the country has code ""): what the villages trend of an area dashboard
    reads. Counted from the villages' snapshots of the month with the area summing
    (`enrollment.services.area_villages_sum`): a village is enrolled in a month when its
    perangkat snapshot has a covered post, as `villages_enrolled` is for a day."""

    area_code = models.CharField(_("area code"), max_length=13, blank=True)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    villages = models.PositiveIntegerField(_("villages"))
    villages_enrolled = models.PositiveIntegerField(_("villages enrolled"))
    villages_officials_covered = models.PositiveIntegerField(
        _("villages with every official covered")
    )

    class Meta:
        verbose_name = _("area villages snapshot")
        verbose_name_plural = _("area villages snapshots")
        constraints = [
            # Also the index of the trend's read: an area's latest months.
            models.UniqueConstraint(
                fields=["area_code", "month"],
                name="%(app_label)s_%(class)s_unique_month",
                violation_error_message=_("This area already has villages figures that month."),
            ),
            models.CheckConstraint(
                condition=Q(villages_enrolled__lte=models.F("villages")),
                name="%(app_label)s_%(class)s_enrolled_le_villages",
                violation_error_message=_("More villages enrolled than villages."),
            ),
            models.CheckConstraint(
                condition=Q(villages_officials_covered__lte=models.F("villages_enrolled")),
                name="%(app_label)s_%(class)s_covered_le_enrolled",
                violation_error_message=_(
                    "More villages with every official covered than villages enrolled."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code or '-'} {self.month:%Y-%m}"
