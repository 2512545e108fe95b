"""Desa Sadar rule sets (per year, national or a regency's own) and declarations."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enrollment.models.programs import Program
from villages.categories import CRITERION_CATEGORIES
from villages.visibility import VisibleBy, VisibleManager


def _pct_field(verbose_name, default=100) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=default,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )


class RuleSet(models.Model):
    """The Desa Sadar criteria in force for a year: national, or a regency's own set."""

    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    regency = models.ForeignKey(
        "villages.Regency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rule_sets",
        verbose_name=_("regency"),
        help_text=_("Leave empty for the national rule set; a regency's own set overrides it."),
    )
    minimum_programs = models.ManyToManyField(
        Program,
        related_name="+",
        verbose_name=_("minimum programs"),
        help_text=_("A post is covered when its holder has all of these, paid through the day."),
    )
    # Per category with a criterion (villages.categories): <prefix>_enabled, <prefix>_min_pct.
    for _category in CRITERION_CATEGORIES:
        locals()[f"{_category.prefix}_enabled"] = models.BooleanField(
            _category.criterion_label, default=_category.criterion_on_by_default
        )
        locals()[f"{_category.prefix}_min_pct"] = _pct_field(_category.min_pct_label)
    del _category
    self_enrolled_enabled = models.BooleanField(_("self-enrolment criterion"), default=False)
    self_enrolled_min_pct = _pct_field(
        _("residents enrolled on their own at least (% of households)"), default=50
    )
    require_bumdes = models.BooleanField(_("BUMDes active required"), default=False)
    require_perisai = models.BooleanField(_("Perisai agent required"), default=False)
    require_memorandum = models.BooleanField(_("memorandum signed required"), default=False)
    require_regulation = models.BooleanField(
        _("village regulation or budget line required"), default=False
    )
    # When a village that is not yet a candidate is "near": the lists sort and filter by it.
    near_max_failing = models.PositiveSmallIntegerField(
        _("near: criteria failed at most"),
        default=1,
        validators=[MaxValueValidator(20)],
        help_text=_("A village failing at most this many criteria can be near to Desa Sadar."),
    )
    near_max_people = models.PositiveSmallIntegerField(
        _("near: officials still to cover at most"),
        default=2,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "… and with at most this many officials still to cover for the criteria it fails."
        ),
    )

    history = HistoricalRecords(m2m_fields=[minimum_programs])

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("regency_or_national", "regency__code")

    class Meta:
        verbose_name = _("Desa Sadar rule set")
        verbose_name_plural = _("Desa Sadar rule sets")
        ordering = ["-year", "regency"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(regency__isnull=True),
                name="%(app_label)s_%(class)s_one_national_per_year",
                violation_error_message=_("There is already a national rule set for this year."),
            ),
            models.UniqueConstraint(
                fields=["year", "regency"],
                name="%(app_label)s_%(class)s_one_per_regency_year",
                violation_error_message=_("This regency already has a rule set for this year."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Declaration(models.Model):
    """A village's declaration as Desa Sadar Jaminan Sosial Ketenagakerjaan."""

    village = models.ForeignKey(
        "villages.Village",
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("village"),
    )
    declared_on = models.DateField(_("declared on"))
    declared_by = models.CharField(
        _("declared by"), max_length=150, help_text=_("Who signed, e.g. the branch head.")
    )
    memorandum_number = models.CharField(_("memorandum number"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    # How the village stood against its rule set on the day declared, recorded when the
    # declaration is saved (enrollment.services.declaration_save): a village that failed was
    # declared only after an explicit confirmation. None: saved before the check existed.
    eligible_when_declared = models.BooleanField(
        _("met its rule set when declared"), null=True, default=None, editable=False
    )
    rule_set_name = models.CharField(
        _("rule set applied"), max_length=100, blank=True, editable=False
    )
    failed_criteria = models.TextField(
        _("criteria not met when declared"),
        blank=True,
        editable=False,
        help_text=_("One criterion a line, with what the village had on the day."),
    )

    history = HistoricalRecords()

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "village__code")

    class Meta:
        verbose_name = _("Desa Sadar declaration")
        verbose_name_plural = _("Desa Sadar declarations")
        ordering = ["-declared_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "declared_on"],
                name="%(app_label)s_%(class)s_unique_day",
                violation_error_message=_("This village was already declared on that day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} — {self.declared_on:%d/%m/%Y}"
