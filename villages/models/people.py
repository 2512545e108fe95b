"""Persons (identified by NIK) and the posts they hold in villages."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from villages.categories import CATEGORIES, CATEGORY_OF_POST, POSTS
from villages.models.regions import Village
from villages.nik import NIK_VALIDATORS, parse_nik
from villages.phones import PhoneField
from villages.visibility import VisibleBy, VisibleManager

if TYPE_CHECKING:
    pass


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
    # Entered in the admin only: the roster import's columns are a contract
    # (shared/spec/roster-import.md) that has no phone column; the import keeps a person's
    # phone as it is. The database default serves bulk writes that leave the column out
    # (COPY in generate_load).
    phone = PhoneField(
        _("phone"),
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "A contact number for the work list's call list, e.g. 081234567890. Shown in full "
            "only to users who may see full NIKs."
        ),
    )
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

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("person", "pk")

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

    objects = VisibleManager()
    # How its rows belong to the map, for `objects.visible_to(user)` (villages.visibility).
    visible_by = VisibleBy("village", "village__code")

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
