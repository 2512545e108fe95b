"""The map: provinces, regencies and cities, districts and villages (Kemendagri codes),
and the regencies' and districts' targets."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.visibility import VisibleBy, VisibleManager

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _check_code_under(code: str, parent_code: str, digits: int, parent_name: StrOrPromise) -> None:
    """Refuse a Kemendagri code that does not extend its parent's: 35.23.08.2999 under the
    district 33.02.03 would put a Tuban village in Banyumas's figures and scopes."""
    pattern = rf"{re.escape(parent_code or '')}\.\d{{{digits}}}"
    if code and parent_code and not re.fullmatch(pattern, code):
        raise ValidationError(
            {
                "code": _(
                    "The code %(code)s does not lie inside %(parent)s %(parent_code)s: it must "
                    "be %(parent_code)s, a dot and %(digits)d digits, e.g. %(example)s."
                )
                % {
                    "code": code,
                    "parent": parent_name,
                    "parent_code": parent_code,
                    "digits": digits,
                    "example": f"{parent_code}.{'2001' if digits == 4 else '01'}",
                }
            }
        )


class Province(models.Model):
    """A province (provinsi), keyed by its two-digit Kemendagri code."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("area", "code")

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Regency(models.Model):
    """A regency (kabupaten) or city (kota), e.g. 33.02 Kabupaten Banyumas."""

    class Kind(models.TextChoices):
        KABUPATEN = "kabupaten", _("regency (kabupaten)")
        KOTA = "kota", _("city (kota)")

    code = models.CharField(_("code"), max_length=5, primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="regencies", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    regulation = models.CharField(
        _("regency regulation"),
        max_length=200,
        blank=True,
        help_text=_(
            'The regency\'s regulation on employment social security, e.g. "Perbup 35/2017".'
        ),
    )

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("area", "code")

    class Meta:
        verbose_name = _("regency / city")
        verbose_name_plural = _("regencies / cities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_code_under(self.code, self.province_id, 2, _("the province"))


class RegencyTarget(models.Model):
    """A regency's coverage target for one year: a share of a worker base."""

    regency = models.ForeignKey(
        Regency, on_delete=models.CASCADE, related_name="targets", verbose_name=_("regency")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    target_pct = models.DecimalField(
        _("target (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    worker_base = models.PositiveIntegerField(
        _("worker base"), help_text=_("The number of workers the target percentage applies to.")
    )

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "regency__code")

    class Meta:
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")
        ordering = ["regency", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "year"],
                name="%(app_label)s_%(class)s_unique_year",
                violation_error_message=_("This regency already has a target for that year."),
            ),
            models.CheckConstraint(
                condition=Q(target_pct__gte=0) & Q(target_pct__lte=100),
                name="%(app_label)s_%(class)s_pct_range",
                violation_error_message=_("A target is a percentage between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regency} {self.year}: {self.target_pct}%"

    @property
    def target_workers(self) -> int:
        """How many workers the target asks for."""
        workers = self.worker_base * Decimal(self.target_pct) / 100
        return int(workers.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class District(models.Model):
    """A district (kecamatan; distrik in Papua), e.g. 33.02.18 Karanglewas."""

    code = models.CharField(_("code"), max_length=8, primary_key=True)
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="districts", verbose_name=_("regency")
    )
    name = models.CharField(_("name"), max_length=100)

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("area", "code")

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_code_under(self.code, self.regency_id, 2, _("the regency"))


class DistrictTarget(models.Model):
    """A district's targets for one year: the share of its village officials' posts covered,
    and the number of its villages enrolled (at least one post covered). Either may be left
    out, not both."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="targets", verbose_name=_("district")
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    officials_pct = models.DecimalField(
        _("officials covered target (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_(
            "The share of the posts of village officials in the district to be covered, as the "
            "dashboard's coverage counts them."
        ),
    )
    villages_enrolled = models.PositiveIntegerField(
        _("villages enrolled target"),
        null=True,
        blank=True,
        help_text=_(
            "How many of the district's villages are to be enrolled: a village is enrolled "
            "when at least one of its officials' posts is covered."
        ),
    )

    history = HistoricalRecords()

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "district__code")

    class Meta:
        verbose_name = _("district target")
        verbose_name_plural = _("district targets")
        ordering = ["district", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"],
                name="%(app_label)s_%(class)s_unique_year",
                violation_error_message=_("This district already has targets for that year."),
            ),
            models.CheckConstraint(
                condition=Q(officials_pct__isnull=True)
                | (Q(officials_pct__gte=0) & Q(officials_pct__lte=100)),
                name="%(app_label)s_%(class)s_pct_range",
                violation_error_message=_("A target is a percentage between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(officials_pct__isnull=False) | Q(villages_enrolled__isnull=False),
                name="%(app_label)s_%(class)s_some_target",
                violation_error_message=_(
                    "Give the officials covered target, the villages enrolled target, or both."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"

    def clean(self) -> None:
        if self.villages_enrolled is None or self.district_id is None:
            return
        villages = Village.objects.filter(district_id=self.district_id).count()
        if self.villages_enrolled > villages:
            raise ValidationError(
                {
                    "villages_enrolled": _(
                        "The district has %(count)d villages; the target cannot be more."
                    )
                    % {"count": villages}
                }
            )


class Village(models.Model):
    """A village (desa, kelurahan or desa adat) with the profile Desa Sadar looks at."""

    class Kind(models.TextChoices):
        KELURAHAN = "kelurahan", _("kelurahan (urban ward)")
        DESA = "desa", _("desa (village)")
        DESA_ADAT = "desa_adat", _("desa adat (customary village)")

    code = models.CharField(_("code"), max_length=13, primary_key=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="villages", verbose_name=_("district")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    households = models.PositiveIntegerField(_("households (KK)"), null=True, blank=True)
    working_age_residents = models.PositiveIntegerField(
        _("working-age residents (estimate)"), null=True, blank=True
    )
    self_enrolled_residents = models.PositiveIntegerField(
        _("residents enrolled on their own"), null=True, blank=True
    )
    self_enrolled_updated_on = models.DateField(
        _("self-enrolment count updated on"), null=True, blank=True
    )
    bumdes_active = models.BooleanField(_("BUMDes active"), default=False)
    business_sectors = models.TextField(_("business sectors"), blank=True)
    reachable_by_road = models.BooleanField(_("reachable by road"), default=True)
    memorandum_signed_on = models.DateField(
        _("memorandum with the branch signed on"), null=True, blank=True
    )
    contribution_regulation = models.CharField(
        _("village regulation or budget line for contributions"),
        max_length=200,
        blank=True,
        help_text=_('Reference, e.g. "Perdes 4/2024" or "APBDes 2025, pos 2.3".'),
    )

    history = HistoricalRecords()

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "code")

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(self_enrolled_residents__isnull=True)
                | Q(self_enrolled_updated_on__isnull=False),
                name="%(app_label)s_%(class)s_self_enrolled_dated",
                violation_error_message=_(
                    "Give the date the count of residents enrolled on their own was updated."
                ),
            ),
        ]
        indexes = [
            # Admin and autocomplete search by village name.
            models.Index(fields=["name"], name="villages_village_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("admin:villages_village_change", args=[self.code])

    def clean(self) -> None:
        _check_code_under(self.code, self.district_id, 4, _("the district"))

    @property
    def regency_code(self) -> str:
        return self.code[:5]
