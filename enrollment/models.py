"""Coverage: programs and the memberships of persons in them."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.categories import CATEGORIES, CRITERION_CATEGORIES
from villages.models import Person

# A BPU participant may pay arrears for up to 3 months after protection ends.
ARREARS_WINDOW = relativedelta(months=3)


class State(models.TextChoices):
    """A membership's state on a day, derived from its paid-until date."""

    ACTIVE = "active", _("active")
    IN_ARREARS = "in_arrears", _("in arrears")
    ENDED = "ended", _("ended")
    NONE = "none", _("none")


def arrears_since(day: dt.date) -> dt.date:
    """The earliest paid-until date that is still recoverable by paying arrears on `day`."""
    return day - ARREARS_WINDOW


def state_of(paid_until: dt.date | None, day: dt.date) -> State:
    """`active` when paid through `day`; `in_arrears` when it ended within the last 3 months.

    A membership with no paid-until date has never been shown to be paid: `ended`.
    """
    if paid_until is None:
        return State.ENDED
    if paid_until >= day:
        return State.ACTIVE
    if paid_until >= arrears_since(day):
        return State.IN_ARREARS
    return State.ENDED


def state_q(state: str, day: dt.date, prefix: str = "") -> Q:
    """The database twin of `state_of`: memberships in `state` on `day`."""
    paid = f"{prefix}paid_until"
    since = arrears_since(day)
    if state == State.ACTIVE:
        return Q(**{f"{paid}__gte": day})
    if state == State.IN_ARREARS:
        return Q(**{f"{paid}__lt": day, f"{paid}__gte": since})
    if state == State.ENDED:
        return Q(**{f"{paid}__lt": since}) | Q(**{f"{paid}__isnull": True})
    raise ValueError(f"No membership rows are in state {state!r}")


class Program(models.Model):
    """A BPJS Ketenagakerjaan program: JKK, JKM, JHT, JP or JKP."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["order"]

    def __str__(self) -> str:
        return self.code


class Membership(models.Model):
    """A person's membership in one program; its state is derived from the paid-until date."""

    class Category(models.TextChoices):
        PU = "PU", _("PU (wage earner)")
        BPU = "BPU", _("BPU (informal / self-employed)")

    class Funding(models.TextChoices):
        APBDES = "APBDES", _("Village budget (APBDes)")
        APBD = "APBD", _("Regency budget (APBD)")
        MANDIRI = "MANDIRI", _("Self-paid (mandiri)")
        LAINNYA = "LAINNYA", _("Other (e.g. CSR)")

    class Source(models.TextChoices):
        IMPORT = "import", _("Roster import")
        BPJS = "bpjs", _("BPJS Ketenagakerjaan records")
        VILLAGE = "village", _("Village report")
        CARD = "card", _("Membership card seen")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("program")
    )
    participant_category = models.CharField(
        _("participant category"), max_length=3, choices=Category.choices, blank=True
    )
    kpj_number = models.CharField(
        _("KPJ number"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"\A[0-9]+\Z", _("A KPJ number is digits only."))],
    )
    enrolled_on = models.DateField(_("enrolled on"), null=True, blank=True)
    paid_until = models.DateField(_("paid until"), null=True, blank=True)
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=Funding.choices, blank=True
    )
    verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    verified_source = models.CharField(
        _("verified by"), max_length=10, choices=Source.choices, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["person", "program__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "program"],
                name="%(app_label)s_%(class)s_unique_program",
                violation_error_message=_("This person already has a membership in this program."),
            ),
            models.CheckConstraint(
                condition=Q(enrolled_on__isnull=True)
                | Q(paid_until__isnull=True)
                | Q(paid_until__gte=models.F("enrolled_on")),
                name="%(app_label)s_%(class)s_paid_after_enrolled",
                violation_error_message=_(
                    "Contributions cannot be paid until a date before enrolment."
                ),
            ),
        ]
        indexes = [
            # Lapsing-soon and in-arrears lists: memberships by paid-until date.
            models.Index(fields=["paid_until"], name="enrollment_mship_paid_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} — {self.person}"

    def state_on(self, day: dt.date) -> State:
        return state_of(self.paid_until, day)


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

    history = HistoricalRecords(m2m_fields=[minimum_programs])

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

    history = HistoricalRecords()

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


class ImportRecord(models.Model):
    """One roster import: who, when, which file and what it did. A preview keeps the uploaded
    file until it is confirmed; the file is dropped once imported."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed, not confirmed")
        IMPORTED = "imported", _("imported")
        EXPIRED = "expired", _("preview expired")

    class Origin(models.TextChoices):
        ADMIN = "admin", _("admin upload")
        COMMAND = "command", _("import_roster command")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    user = models.ForeignKey(
        "auth.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roster_imports",
        verbose_name=_("user"),
        help_text=_("Empty for a system import from the command line."),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("file size (bytes)"), default=0)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    invalid = models.PositiveIntegerField(_("invalid"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    replacements = models.PositiveIntegerField(_("replacements"), default=0)
    plan_digest = models.CharField(_("plan digest"), max_length=64, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)
    upload = models.BinaryField(_("uploaded file"), blank=True, default=b"")
    rejected = models.BinaryField(_("rejected rows (CSV)"), blank=True, default=b"")

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(imported_at__isnull=False),
                name="%(app_label)s_%(class)s_imported_dated",
                violation_error_message=_("An import that was carried out has a date."),
            ),
        ]
        indexes = [
            # The import history, newest first, and "my imports" for branch staff.
            models.Index(fields=["user", "-created_at"], name="enrollment_import_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.file_name}"

    @property
    def reference(self) -> str:
        """The import's name in the history of every record it changed."""
        return f"IMP-{self.pk:06d}" if self.pk else "IMP-(new)"


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
DAY_FIGURES = ("posts", "covered", "lapsing", "arrears")
DAY_COLUMNS = tuple(f"{prefix}_{figure}" for _c, prefix in DAY_CATEGORIES for figure in DAY_FIGURES)


class CoverageDay(models.Model):
    """The day whose figures `VillageDay` keeps current (one row, id 1), with the two other
    days its figures depend on. Moved forward by `enrollment.summary.roll_day`."""

    day = models.DateField(_("day"))
    lapsing_until = models.DateField(_("lapsing if paid until at most"))
    arrears_since = models.DateField(_("in arrears if paid until at least"))
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
    # One column per category and figure (DAY_COLUMNS): perangkat_posts, perangkat_covered, …
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
