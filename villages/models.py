"""The map and the people: provinces … villages, branch offices, persons and their posts."""

from __future__ import annotations

import datetime as dt
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

from villages.categories import CATEGORIES, CATEGORY_OF_POST, POSTS
from villages.nik import NIK_VALIDATORS, parse_nik

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

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_code_under(self.code, self.regency_id, 2, _("the regency"))


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
    perisai_agent_name = models.CharField(_("Perisai agent"), max_length=100, blank=True)
    perisai_agent_since = models.DateField(_("Perisai agent since"), null=True, blank=True)
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


class RegionalOffice(models.Model):
    """A regional office of BPJS Ketenagakerjaan (Kantor Wilayah); there are 11."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("regional office")
        verbose_name_plural = _("regional offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BranchOffice(models.Model):
    """A branch office (Kantor Cabang or Kantor Cabang Perintis) serving one or more regencies."""

    class Kind(models.TextChoices):
        KC = "KC", _("Kantor Cabang")
        KCP = "KCP", _("Kantor Cabang Perintis")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices, default=Kind.KC)
    regional_office = models.ForeignKey(
        RegionalOffice,
        on_delete=models.PROTECT,
        related_name="branches",
        verbose_name=_("regional office"),
    )
    regencies = models.ManyToManyField(
        Regency, related_name="branches", blank=True, verbose_name=_("regencies served")
    )

    class Meta:
        verbose_name = _("branch office")
        verbose_name_plural = _("branch offices")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


# Post codes by dashboard category, exactly as the roster import contract lists them.
_CATEGORY_CODES: dict[str, list[str]] = {
    category.code: [post.code for post in category.posts] for category in CATEGORIES
}
VILLAGE_SINGLE_HOLDER_POSTS = frozenset(p.code for p in POSTS if p.holder == "village")
UNIT_SINGLE_HOLDER_POSTS = frozenset(p.code for p in POSTS if p.holder == "unit")
SINGLE_HOLDER_POSTS = VILLAGE_SINGLE_HOLDER_POSTS | UNIT_SINGLE_HOLDER_POSTS


class Sex(models.TextChoices):
    MALE = "L", _("male")
    FEMALE = "P", _("female")


class Person(models.Model):
    """A person identified by NIK; sex and birth date are read from the NIK."""

    nik = models.CharField(_("NIK"), max_length=16, validators=NIK_VALIDATORS)
    name = models.CharField(_("name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), editable=False, null=True)
    # Where the person was entered, so that their area's staff find them before they hold a
    # post there; a person with no post is seen by nobody else (but head office). NULL, not
    # "", for none: bulk writes that leave the column out (COPY in generate_load) store NULL.
    created_in = models.CharField(  # noqa: DJ001
        _("entered in"),
        max_length=13,
        null=True,
        blank=True,
        help_text=_("The area the person was entered for (a regency or village code)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["name"]
        permissions = [("view_full_nik", _("Can see full NIK and KPJ numbers"))]
        constraints = [
            models.UniqueConstraint(
                fields=["nik"],
                name="%(app_label)s_%(class)s_unique_nik",
                violation_error_message=_("A person with this NIK already exists."),
            ),
        ]
        indexes = [
            # Admin search and sorting by name.
            models.Index(fields=["name"], name="villages_person_name_idx"),
            # Persons entered in an area (a scoped user's persons without a post): equality
            # and prefix matches on the code.
            models.Index(
                fields=["created_in"],
                name="villages_person_created_in_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        info = parse_nik(self.nik)
        if info is not None:
            self.birth_date = info.birth_date
            self.sex = self.sex or info.sex
        super().save(*args, **kwargs)

    def clean(self) -> None:
        info = parse_nik(self.nik)
        if info is None:
            return  # the field validators have already reported the NIK
        if not self.sex:
            self.sex = info.sex
        elif self.sex != info.sex:
            raise ValidationError(
                {
                    "sex": _("The NIK says %(nik_sex)s, but %(sex)s was given.")
                    % {"nik_sex": Sex(info.sex).label, "sex": Sex(self.sex).label}
                }
            )


class Post(models.Model):
    """A post a person holds in a village for a term (jabatan); ended posts are kept."""

    # Both from the registry of categories (villages.categories). The stubs type only the
    # enum's call with a member name, not the functional API with a list of members.
    Category = models.TextChoices(  # type: ignore[call-overload]
        "Category", [(c.code, (c.code, c.label)) for c in CATEGORIES], module=__name__
    )
    Code = models.TextChoices(  # type: ignore[call-overload]
        "Code", [(p.code, (p.code, p.label)) for p in POSTS], module=__name__
    )

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="posts", verbose_name=_("person")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="posts", verbose_name=_("village")
    )
    code = models.CharField(_("post"), max_length=20, choices=Code.choices)
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, editable=False
    )
    unit = models.CharField(
        _("unit"),
        max_length=100,
        blank=True,
        help_text=_('The RT/RW or hamlet the post belongs to, e.g. "RT 003 / RW 001".'),
    )
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(
        _("term end"), null=True, blank=True, help_text=_("A past date ends the post.")
    )
    decree_number = models.CharField(_("decree number"), max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["village", "category", "code", "unit"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="%(app_label)s_%(class)s_term_order",
                violation_error_message=_("A term cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(
                    *[Q(code__in=codes, category=cat) for cat, codes in _CATEGORY_CODES.items()],
                    _connector=Q.OR,
                ),
                name="%(app_label)s_%(class)s_category_matches_code",
                violation_error_message=_("The category does not match the post."),
            ),
            # The database's own guard for single-holder posts: at most one open-ended term.
            # Terms with an end date are checked for overlap in clean().
            models.UniqueConstraint(
                fields=["village", "code"],
                condition=Q(term_end__isnull=True, code__in=sorted(VILLAGE_SINGLE_HOLDER_POSTS)),
                name="%(app_label)s_%(class)s_one_open_village_holder",
                violation_error_message=_(
                    "This post already has a current holder in this village."
                ),
            ),
            models.UniqueConstraint(
                fields=["village", "code", "unit"],
                condition=Q(
                    term_end__isnull=True,
                    code__in=sorted(UNIT_SINGLE_HOLDER_POSTS),
                ),
                name="%(app_label)s_%(class)s_one_open_unit_holder",
                violation_error_message=_("This post already has a current holder in this unit."),
            ),
            models.UniqueConstraint(
                fields=["person", "village", "code", "unit"],
                condition=Q(term_end__isnull=True),
                name="%(app_label)s_%(class)s_unique_open_post",
                violation_error_message=_("This person already holds this post."),
            ),
        ]
        indexes = [
            # Coverage by area and category: posts of the villages below an area code.
            models.Index(fields=["village", "category"], name="villages_post_vil_cat_idx"),
            # "Who else holds this post?" for single-holder checks.
            models.Index(fields=["village", "code", "unit"], name="villages_post_holder_idx"),
        ]

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.get_code_display()}{unit} — {self.village.name}"

    def save(self, *args, **kwargs) -> None:
        self.category = CATEGORY_OF_POST[self.code]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.code in CATEGORY_OF_POST:
            self.category = CATEGORY_OF_POST[self.code]
        if self.term_start and self.term_end and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("A term cannot end before it starts.")})
        if self.village_id and self.code in SINGLE_HOLDER_POSTS:
            self._check_single_holder()

    def is_current(self, day: dt.date) -> bool:
        """Whether the post is held on `day`: started (or no start given) and not ended."""
        started = self.term_start is None or self.term_start <= day
        return started and (self.term_end is None or self.term_end >= day)

    def _check_single_holder(self) -> None:
        """Refuse a term that overlaps another holder's term of a single-holder post."""
        others = Post.objects.filter(village_id=self.village_id, code=self.code).exclude(pk=self.pk)
        if self.code in UNIT_SINGLE_HOLDER_POSTS:
            others = others.filter(unit=self.unit)
        if self.term_start:
            others = others.filter(Q(term_end__isnull=True) | Q(term_end__gte=self.term_start))
        if self.term_end:
            others = others.filter(Q(term_start__isnull=True) | Q(term_start__lte=self.term_end))
        clash = others.select_related("person").first()
        if clash is not None:
            raise ValidationError(
                _(
                    "%(post)s already has a holder for this term: %(name)s. "
                    "End that term first (set its term end)."
                )
                % {"post": self.get_code_display(), "name": clash.person.name}
            )


class Role(models.Model):
    """What a user may see and do: a role and the areas it covers."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        REGIONAL_OFFICE = "regional_office", _("Regional office")
        BRANCH_STAFF = "branch_staff", _("Branch staff")
        MANAGER = "manager", _("Manager")
        VILLAGE_SECRETARY = "village_secretary", _("Village secretary")

    user = models.OneToOneField(
        "auth.User", on_delete=models.CASCADE, related_name="role", verbose_name=_("user")
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    branch = models.ForeignKey(
        BranchOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("branch office"),
        help_text=_("Branch staff see the regencies their branch serves."),
    )
    regional_office = models.ForeignKey(
        RegionalOffice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("regional office"),
        help_text=_("Regional office staff see the regencies of its branches."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["user__username"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="branch_staff") | Q(branch__isnull=False),
                name="%(app_label)s_%(class)s_branch_staff_has_branch",
                violation_error_message=_("Branch staff need a branch office."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="regional_office") | Q(regional_office__isnull=False),
                name="%(app_label)s_%(class)s_regional_has_office",
                violation_error_message=_("Regional office staff need a regional office."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()}"


class RoleArea(models.Model):
    """An area a role covers, by Kemendagri code: a province, regency, district or village."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(_("area code"), max_length=13)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "code"],
                name="%(app_label)s_%(class)s_unique_code",
                violation_error_message=_("This area is already assigned."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        from villages.selectors import area_get

        area = area_get(code=self.code) if self.code else None
        if area is None:
            raise ValidationError(
                {
                    "code": _("No province, regency, district or village has the code %(code)s.")
                    % {"code": self.code}
                }
            )
        self.code = area.code  # dotted form


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
