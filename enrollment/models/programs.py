"""Programs, the memberships of persons in them, and the state of a membership on a day."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.models import Person
from villages.visibility import VisibleBy, VisibleManager

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

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("person", "person")

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
