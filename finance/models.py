"""Money: contributions received and claims paid per regency (or province) and year, as the
branches report them (shared/spec/finance-import.md), and the contribution rates in force,
as data for the budget planner. Both keep their history."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.visibility import VisibleBy, VisibleManager

YEAR_MIN, YEAR_MAX = 2015, 2100


class Group(models.TextChoices):
    """Whose contributions (the `kelompok` column)."""

    PENYELENGGARA_PEMERINTAHAN = (
        "PENYELENGGARA_PEMERINTAHAN",
        _("village officials (officials, BPD, RT/RW, LKD)"),
    )
    PEKERJA_RENTAN = "PEKERJA_RENTAN", _("vulnerable workers")
    SEMUA = "SEMUA", _("all")


class Program(models.TextChoices):
    """The program the figures are of; SEMUA is the whole, all programs together."""

    JKK = "JKK", "JKK"
    JKM = "JKM", "JKM"
    JHT = "JHT", "JHT"
    JP = "JP", "JP"
    JKP = "JKP", "JKP"
    SEMUA = "SEMUA", _("all programs")


class FinanceRecord(models.Model):
    """Contributions received and claims paid in one year in one regency or province, for one
    group and program. Identified by (year, area, group, program): importing it again
    replaces the figures."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(YEAR_MIN), MaxValueValidator(YEAR_MAX)]
    )
    # A code, not a foreign key: a row is a regency's or a province's, and one column keeps
    # the key (year, area, group, program) a plain unique constraint and the scope a prefix
    # match (villages.visibility); clean() checks that the code is a known regency or province.
    area_code = models.CharField(_("regency or province code"), max_length=5)
    group = models.CharField(_("group"), max_length=30, choices=Group.choices)
    program = models.CharField(_("program"), max_length=5, choices=Program.choices)
    contributions = models.BigIntegerField(
        _("contributions (Rp)"), validators=[MinValueValidator(0)]
    )
    claims = models.BigIntegerField(_("claims paid (Rp)"), validators=[MinValueValidator(0)])
    claim_count = models.PositiveIntegerField(_("claims paid (number)"), null=True, blank=True)

    history = HistoricalRecords()

    objects = VisibleManager()
    # A regency's row is seen by users whose scope covers the regency, a province's by users
    # whose scope covers the province (villages.visibility, villages.access).
    visible_by = VisibleBy("village", "area_code")

    class Meta:
        verbose_name = _("contributions and claims")
        verbose_name_plural = _("contributions and claims")
        ordering = ["area_code", "-year", "group", "program"]
        constraints = [
            # Area first: the unique index also serves the API's and the dashboard's query of
            # one area's rows (area_code = … or area_code LIKE '33.%').
            models.UniqueConstraint(
                fields=["area_code", "year", "group", "program"],
                name="%(app_label)s_%(class)s_unique_key",
                violation_error_message=_(
                    "Figures for this year, area, group and program already exist."
                ),
            ),
            models.CheckConstraint(
                condition=Q(contributions__gte=0) & Q(claims__gte=0),
                name="%(app_label)s_%(class)s_money_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=YEAR_MIN) & Q(year__lte=YEAR_MAX),
                name="%(app_label)s_%(class)s_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.year} {self.group} {self.program}"

    def clean(self) -> None:
        from villages.models import Province, Regency

        code = self.area_code
        known = (len(code) == 5 and Regency.objects.filter(code=code).exists()) or (
            len(code) == 2 and Province.objects.filter(code=code).exists()
        )
        if code and not known:
            raise ValidationError({"area_code": _("No regency or province has this code.")})


class Scheme(models.TextChoices):
    BPU = "BPU", _("BPU (not wage-earning)")
    PU = "PU", _("PU (wage-earning)")


class ContributionRate(models.Model):
    """One program's contribution under one scheme (and, for PU JKK, one risk class), in
    force from `valid_from` until the next rate of the same kind: a percentage of the
    declared income or wage (with an optional minimum in rupiah), or a flat amount a month.
    Head office edits it; its history is kept."""

    scheme = models.CharField(_("scheme"), max_length=3, choices=Scheme.choices)
    program = models.CharField(
        _("program"), max_length=5, choices=[c for c in Program.choices if c[0] != "SEMUA"]
    )
    risk_class = models.PositiveSmallIntegerField(
        _("risk class"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("PU JKK only: 1 (very low risk) to 5 (very high risk)."),
    )
    pct = models.DecimalField(
        _("% of income or wage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    flat_amount = models.BigIntegerField(
        _("flat amount a month (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    minimum = models.BigIntegerField(
        _("minimum a month (Rp)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    valid_from = models.DateField(_("in force from"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contribution rate")
        verbose_name_plural = _("contribution rates")
        ordering = ["scheme", "program", "risk_class", "-valid_from"]
        constraints = [
            # Two partial constraints, not NULLS NOT DISTINCT: SQLite has no such clause.
            models.UniqueConstraint(
                fields=["scheme", "program", "valid_from"],
                condition=Q(risk_class__isnull=True),
                name="%(app_label)s_%(class)s_unique_without_class",
                violation_error_message=_("This rate already has a value from this day."),
            ),
            models.UniqueConstraint(
                fields=["scheme", "program", "risk_class", "valid_from"],
                condition=Q(risk_class__isnull=False),
                name="%(app_label)s_%(class)s_unique_with_class",
                violation_error_message=_("This rate already has a value from this day."),
            ),
            models.CheckConstraint(
                condition=(Q(pct__isnull=False) & Q(flat_amount__isnull=True))
                | (Q(pct__isnull=True) & Q(flat_amount__isnull=False) & Q(minimum__isnull=True)),
                name="%(app_label)s_%(class)s_pct_or_flat",
                violation_error_message=_(
                    "Give a percentage (with an optional minimum) or a flat amount, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(risk_class__isnull=True) | Q(scheme="PU", program="JKK"),
                name="%(app_label)s_%(class)s_risk_class_for_pu_jkk",
                violation_error_message=_("Only PU JKK has risk classes."),
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.pct} %" if self.pct is not None else f"Rp {self.flat_amount}"
        kind = f" {self.risk_class}" if self.risk_class else ""
        return f"{self.scheme} {self.program}{kind}: {what} ({self.valid_from:%d/%m/%Y})"


class FinanceImport(models.Model):
    """An uploaded finance file between its preview and its confirmation, and what came of
    it. Each user sees only their own (head office: all)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed")
        IMPORTED = "imported", _("imported")
        # A file above the threshold (settings.IMPORT_JOB_THRESHOLD_ROWS) waiting for the
        # background job that previews it, or (from the command) imports it (finance.jobs).
        QUEUED = "queued", _("waiting for its background job")
        # Its background job found the file unreadable, or (the command's import) a row
        # wrong: `report` says why, and nothing was written.
        REFUSED = "refused", _("file refused")

    # Empty for a system import queued by `import_finance --queue` (no limit of area).
    user = models.ForeignKey(
        "auth.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file name"), max_length=255)
    data = models.BinaryField(_("file"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    report = models.JSONField(_("report"), default=dict)
    # The latest background job of this import (its preview or its write), whose state and
    # progress its page shows; empty for an import done within its request.
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("background job"),
    )

    class Meta:
        verbose_name = _("finance import")
        verbose_name_plural = _("finance imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d/%m/%Y %H:%M})"
