"""The figures the triggers keep: the coverage summary, the shared holders, and the
per-village figures of the kept day."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from enrollment.rules import FORECAST_DAYS
from villages.categories import CATEGORIES
from villages.models import Person


class CoverageSummary(models.Model):
    """Posts of a village counted by category, term, and when their holders' minimum programs
    (the national default set) are enrolled and paid until: any day's figures are a sum.

    Written only by database triggers (see `enrollment.summary`), in the transaction of every
    write to posts and memberships; never edited by hand.
    """

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("village"),
    )
    category = models.CharField(_("category"), max_length=10)
    term_start = models.DateField(_("term start"), null=True)
    term_end = models.DateField(_("term end"), null=True)
    # The day from which all of the holder's minimum programs are enrolled; NULL: always.
    enrolled = models.DateField(_("enrolled from"), null=True)
    # The earliest paid-until of the holder's minimum programs; NULL: one of them is missing.
    until = models.DateField(_("covered until"), null=True)
    posts = models.PositiveIntegerField(_("posts"))

    class Meta:
        verbose_name = _("coverage summary row")
        verbose_name_plural = _("coverage summary")
        # The dashboards read the rows of the villages below an area code (the village
        # foreign key's own index, with its LIKE twin on PostgreSQL); no other index.

    def __str__(self) -> str:
        return f"{self.village_id} {self.category} {self.posts}"


class SharedHolderPost(models.Model):
    """A post of a person who holds more than one: what the distinct count of people on a
    dashboard subtracts from the count of posts (written only by the summary's triggers)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("village"),
    )
    term_start = models.DateField(_("term start"), null=True)
    term_end = models.DateField(_("term end"), null=True)

    class Meta:
        verbose_name = _("post of a holder of several")
        verbose_name_plural = _("posts of holders of several")

    def __str__(self) -> str:
        return f"{self.person_id} {self.village_id}"


# Categories of post as columns of `VillageDay`: (category, column prefix).
DAY_CATEGORIES = tuple((category.code, category.prefix) for category in CATEGORIES)
DAY_FIGURES = ("posts", "covered", "lapsing", "arrears", "ended")
DAY_FIGURE_COLUMNS = tuple(
    f"{prefix}_{figure}" for _c, prefix in DAY_CATEGORIES for figure in DAY_FIGURES
)
# The forecast's: per category, the posts still covered on each of FORECAST_DAYS ahead if
# nothing is paid (perangkat_covered_30, …).
DAY_FORECAST_COLUMNS = tuple(
    f"{prefix}_covered_{days}" for _c, prefix in DAY_CATEGORIES for days in FORECAST_DAYS
)
DAY_COLUMNS = DAY_FIGURE_COLUMNS + DAY_FORECAST_COLUMNS


class CoverageDay(models.Model):
    """The day whose figures `VillageDay` keeps current (one row, id 1), with the other days
    its figures depend on. Moved forward by `enrollment.summary.roll_day`."""

    day = models.DateField(_("day"))
    lapsing_until = models.DateField(_("lapsing if paid until at most"))
    arrears_since = models.DateField(_("in arrears if paid until at least"))
    # The forecast's days, FORECAST_DAYS after `day`: ahead_30, ahead_60, ahead_90.
    locals().update(
        {
            f"ahead_{days}": models.DateField(
                format_lazy(_("covered in {days} days if paid until at least"), days=days)
            )
            for days in FORECAST_DAYS
        }
    )
    rolled_at = models.DateTimeField(_("rolled at"), auto_now=True)

    class Meta:
        verbose_name = _("coverage day")
        verbose_name_plural = _("coverage day")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="enrollment_coverageday_one")]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"


class VillageDay(models.Model):
    """A village's figures on one day, one column per category and figure: what the country
    and province dashboards sum. Written only by `roll_day` and the summary's triggers, which
    keep the rows of `CoverageDay.day` current in the transaction of every write; the rows of
    the day before stay until the next roll, for readers already under way. A village with no
    post held on the day has no row."""

    day = models.DateField(_("day"))
    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("village"),
        db_index=False,  # the unique (day, village) index serves every lookup
    )
    # One column per category and figure (DAY_COLUMNS): perangkat_posts, perangkat_covered, …,
    # then the forecast's (perangkat_covered_30, …).
    locals().update(
        {column: models.PositiveIntegerField(column, default=0) for column in DAY_COLUMNS}
    )

    class Meta:
        verbose_name = _("village figures of a day")
        verbose_name_plural = _("village figures of the day")
        constraints = [
            # Also the index every read takes: a day, and the villages whose code starts with
            # an area's (LIKE 'xx.yy.%': PostgreSQL needs the pattern operator class for it).
            models.UniqueConstraint(
                fields=["day", "village"],
                name="enrollment_villageday_unique",
                opclasses=["date_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.day:%d/%m/%Y}"
