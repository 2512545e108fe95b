"""The campaign behind Desa Sadar: outreach events, Perisai agents, the registrations of
residents they bring in, and the commission rate agents are paid at.

Registrations are aggregates (a count per day, village, channel and agent); no resident's
NIK or name is stored. Every model keeps its history."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.categories import CATEGORIES
from villages.models import BranchOffice, District, Regency, Village
from villages.nik import NIK_VALIDATORS
from villages.visibility import VisibleBy, VisibleManager

CATEGORY_CHOICES = [(c.code, c.label) for c in CATEGORIES]


class Channel(models.TextChoices):
    """How residents registered (the `kanal` column of the registrations contract)."""

    PERISAI = "PERISAI", _("through a Perisai agent")
    MANDIRI = "MANDIRI", _("on their own")
    SOSIALISASI = "SOSIALISASI", _("at an outreach event")
    LAINNYA = "LAINNYA", _("other")


class PerisaiAgent(models.Model):
    """A Perisai agent (Penggerak Jaminan Sosial Indonesia): a local agent who registers
    residents and is paid a commission on the contributions they bring in. An agent belongs
    to one regency and serves some of its villages between `active_from` and `active_until`."""

    code = models.CharField(
        _("agent code"),
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9-]*$",
                _("Use capital letters, digits and hyphens, e.g. PRS-3523-001."),
            )
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=NIK_VALIDATORS)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="perisai_agents", verbose_name=_("regency")
    )
    villages = models.ManyToManyField(
        Village, related_name="perisai_agents", blank=True, verbose_name=_("villages served")
    )
    active_from = models.DateField(_("active from"))
    active_until = models.DateField(_("active until"), null=True, blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Untick when the agent stops working, even before the end date."),
    )

    history = HistoricalRecords(m2m_fields=[villages])

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("regency_or_villages", "regency__code")

    class Meta:
        verbose_name = _("Perisai agent")
        verbose_name_plural = _("Perisai agents")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="%(app_label)s_%(class)s_dates_in_order",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def serves_on(self, day: datetime.date) -> bool:
        """Whether the agent is at work on `day` (active, and within its dates)."""
        return (
            self.active
            and self.active_from <= day
            and (self.active_until is None or day <= self.active_until)
        )


def agents_serving_q(day: datetime.date, prefix: str = "") -> Q:
    """Agents at work on `day`; `prefix` names the relation to the agent
    (e.g. "perisai_agents__")."""
    return Q(**{f"{prefix}active": True, f"{prefix}active_from__lte": day}) & (
        Q(**{f"{prefix}active_until__isnull": True}) | Q(**{f"{prefix}active_until__gte": day})
    )


class OutreachEvent(models.Model):
    """An outreach meeting (sosialisasi): held on a day at a place (a village hall or a
    district office) for some villages, with its attendance."""

    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    branch = models.ForeignKey(
        BranchOffice,
        on_delete=models.PROTECT,
        related_name="outreach_events",
        verbose_name=_("branch office"),
        null=True,
        blank=True,
    )
    # The regency all its villages lie in: what scopes the event.
    regency = models.ForeignKey(
        Regency, on_delete=models.PROTECT, related_name="outreach_events", verbose_name=_("regency")
    )
    place_village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        related_name="outreach_events_held",
        verbose_name=_("held at village"),
        null=True,
        blank=True,
    )
    place_district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="outreach_events_held",
        verbose_name=_("held at district office"),
        null=True,
        blank=True,
    )
    place_name = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_('e.g. "Balai Desa Karanglo".')
    )
    villages = models.ManyToManyField(
        Village,
        related_name="outreach_events",
        verbose_name=_("villages it was held for"),
    )
    residents_attending = models.PositiveIntegerField(_("residents attending"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    attachment = models.FileField(_("photo or minutes"), upload_to="outreach/%Y/%m/", blank=True)

    history = HistoricalRecords(m2m_fields=[villages])

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("regency_or_villages", "regency__code")

    class Meta:
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(place_village__isnull=False, place_district__isnull=False),
                name="%(app_label)s_%(class)s_one_place",
                violation_error_message=_("Give the village or the district office, not both."),
            ),
        ]
        indexes = [models.Index(fields=["regency", "date"], name="campaign_event_regency_date")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.title}"

    @property
    def attendees(self) -> int:
        """Officials attending, all categories of post."""
        return sum(a.count for a in self.attendance.all())


class EventAttendance(models.Model):
    """How many officials of one category of post attended an outreach event."""

    event = models.ForeignKey(
        OutreachEvent, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("event")
    )
    category = models.CharField(_("category of post"), max_length=20, choices=CATEGORY_CHOICES)
    count = models.PositiveIntegerField(_("attendees"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance by category of post")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "category"], name="%(app_label)s_%(class)s_unique_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.count}"


class Registration(models.Model):
    """Residents registered on one day in one village through one channel (and agent).
    Identified by (date, village, channel, agent): importing it again replaces the figures."""

    date = models.DateField(_("date"))
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("village")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    agent = models.ForeignKey(
        PerisaiAgent,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("Perisai agent"),
        null=True,
        blank=True,
    )
    count = models.PositiveIntegerField(
        _("residents registered"), validators=[MinValueValidator(1)]
    )
    contributions = models.BigIntegerField(
        _("first contributions (Rp)"), default=0, validators=[MinValueValidator(0)]
    )
    import_record = models.ForeignKey(
        "enrollment.ImportRecord",
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("import"),
        null=True,
        blank=True,
    )

    history = HistoricalRecords()

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "village__code")

    class Meta:
        verbose_name = _("registration of residents")
        verbose_name_plural = _("registrations of residents")
        ordering = ["-date", "village"]
        constraints = [
            # Two partial constraints, not NULLS NOT DISTINCT: SQLite has no such clause.
            models.UniqueConstraint(
                fields=["date", "village", "channel"],
                condition=Q(agent__isnull=True),
                name="%(app_label)s_%(class)s_unique_day_without_agent",
            ),
            models.UniqueConstraint(
                fields=["date", "village", "channel", "agent"],
                condition=Q(agent__isnull=False),
                name="%(app_label)s_%(class)s_unique_day_with_agent",
            ),
            models.CheckConstraint(
                condition=Q(channel="PERISAI", agent__isnull=False) | ~Q(channel="PERISAI"),
                name="%(app_label)s_%(class)s_perisai_has_agent",
                violation_error_message=_("A registration through Perisai names its agent."),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1), name="%(app_label)s_%(class)s_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(contributions__gte=0),
                name="%(app_label)s_%(class)s_contributions_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "date"], name="campaign_reg_village_date"),
            models.Index(fields=["agent", "date"], name="campaign_reg_agent_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.village_id} {self.channel}: {self.count}"


class VillageSelfEnrolled(models.Model):
    """Per village with registrations: the residents of those dated after its old figure's day
    (all of them without one) and the day of its latest, kept exact by database triggers
    (`campaign.self_enrolled`). No row: no registration. Read by
    `campaign.criteria.self_enrolled_on`; never written by the application."""

    village = models.OneToOneField(
        Village,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="self_enrolled_total",
        verbose_name=_("village"),
    )
    since_figure = models.BigIntegerField(_("registered since the old figure"))
    # The day of its latest registration (any day): no registration after a day ≥ it.
    last_date = models.DateField(_("latest registration"))

    class Meta:
        verbose_name = _("residents registered since the old figure")
        verbose_name_plural = _("residents registered since the old figure")

    def __str__(self) -> str:
        return f"{self.village_id}: {self.since_figure}"


class CommissionRate(models.Model):
    """The share of contributions a Perisai agent is paid, in force from a day until the next
    rate. Head office edits it; its history is kept."""

    valid_from = models.DateField(_("in force from"), unique=True)
    rate_pct = models.DecimalField(
        _("commission (% of contributions)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.rate_pct} % ({self.valid_from:%d/%m/%Y})"


# --- Rollups: registrations summed, kept exact by database triggers (campaign.rollups) ------


class _Rollup(models.Model):
    """Registrations summed over a key: residents and first contributions. Written only by
    the triggers on the registrations table (and `campaign.rollups.rebuild_rollups`); a key
    whose registrations are all gone has no row."""

    province = models.CharField("province", max_length=2)
    regency = models.CharField("regency", max_length=5)
    count = models.BigIntegerField("residents registered")
    contributions = models.BigIntegerField("first contributions (Rp)")

    class Meta:
        abstract = True


class RegistrationDay(_Rollup):
    """Registrations per (regency, day, channel)."""

    date = models.DateField("date")
    channel = models.CharField("channel", max_length=12)

    class Meta:
        verbose_name = "registrations per regency and day"
        verbose_name_plural = "registrations per regency and day"
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "date", "channel"], name="campaign_regday_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "date"], name="campaign_regday_province"),
            models.Index(fields=["date"], name="campaign_regday_date"),
        ]

    def __str__(self) -> str:
        return f"{self.regency} {self.date} {self.channel}: {self.count}"


class RegistrationMonth(_Rollup):
    """Registrations per (regency, month, channel); `month` is its first day."""

    month = models.DateField("month")
    channel = models.CharField("channel", max_length=12)

    class Meta:
        verbose_name = "registrations per regency and month"
        verbose_name_plural = "registrations per regency and month"
        constraints = [
            models.UniqueConstraint(
                fields=["regency", "month", "channel"], name="campaign_regmonth_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "month"], name="campaign_regmonth_province"),
        ]

    def __str__(self) -> str:
        return f"{self.regency} {self.month} {self.channel}: {self.count}"


class ProvinceDay(models.Model):
    """Registrations per (province, day, channel): the country's and a province's days."""

    province = models.CharField("province", max_length=2)
    date = models.DateField("date")
    channel = models.CharField("channel", max_length=12)
    count = models.BigIntegerField("residents registered")
    contributions = models.BigIntegerField("first contributions (Rp)")

    class Meta:
        verbose_name = "registrations per province and day"
        verbose_name_plural = "registrations per province and day"
        constraints = [
            models.UniqueConstraint(
                fields=["province", "date", "channel"], name="campaign_provday_key"
            )
        ]
        indexes = [models.Index(fields=["date"], name="campaign_provday_date")]

    def __str__(self) -> str:
        return f"{self.province} {self.date} {self.channel}: {self.count}"


class AgentDay(_Rollup):
    """Registrations through an agent per (agent, regency of the village, day)."""

    agent_id = models.BigIntegerField("Perisai agent")
    date = models.DateField("date")

    class Meta:
        verbose_name = "agent's registrations per day"
        verbose_name_plural = "agents' registrations per day"
        constraints = [
            models.UniqueConstraint(
                fields=["agent_id", "regency", "date"], name="campaign_agentday_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "date"], name="campaign_agentday_province"),
            models.Index(fields=["date"], name="campaign_agentday_date"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.regency} {self.date}: {self.count}"


class AgentMonth(_Rollup):
    """Registrations through an agent per (agent, regency of the village, month)."""

    agent_id = models.BigIntegerField("Perisai agent")
    month = models.DateField("month")

    class Meta:
        verbose_name = "agent's registrations per month"
        verbose_name_plural = "agents' registrations per month"
        constraints = [
            models.UniqueConstraint(
                fields=["agent_id", "regency", "month"], name="campaign_agentmonth_key"
            )
        ]
        indexes = [
            models.Index(fields=["province", "month"], name="campaign_agentmonth_province"),
            models.Index(fields=["month"], name="campaign_agentmonth_month"),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.regency} {self.month}: {self.count}"


class EventUplift(models.Model):
    """An outreach event's uplift (campaign.selectors.events): registrations in its villages
    in the UPLIFT_DAYS days before its day and in those from its day on. One row per event,
    kept by triggers on registrations, events and their villages (campaign.rollups)."""

    event_id = models.BigIntegerField("outreach event", primary_key=True)
    registered_before = models.BigIntegerField("registrations before")
    registered_after = models.BigIntegerField("registrations after")

    def __str__(self) -> str:
        return f"{self.event_id}: {self.registered_before} → {self.registered_after}"
