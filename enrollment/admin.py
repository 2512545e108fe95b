"""Admin for coverage. The person form gains the memberships inline here, because `villages`
knows nothing of `enrollment`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from admin_auto_filters.filters import AutocompleteFilterFactory
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from enrollment.models import (
    CoverageSnapshot,
    Declaration,
    Membership,
    Program,
    RuleSet,
    State,
    state_of,
    state_q,
)
from enrollment.rules import Rules
from enrollment.selectors import Eligibility, declaration_eligibility
from enrollment.services import declaration_save, memberships_verify
from villages.access import may_see_full_nik, scope_for
from villages.admin import (
    ScopedAdmin,
    ScopedHistoryAdmin,
    ScopedInline,
    area_filters,
    area_params,
    holder_regency_filter,
)
from villages.admin_ids import MalformedIdIs404
from villages.admin_people import PersonAdmin, identifiers_shown, log_identifiers
from villages.admin_scale import EstimatedCountPaginator
from villages.categories import CRITERION_CATEGORIES
from villages.models import Person, Post
from villages.nik import mask_kpj, mask_nik

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class MembershipStateFilter(admin.SimpleListFilter):
    """A membership's state today, derived from its paid-until date."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in (State.ACTIVE, State.IN_ARREARS, State.ENDED)]

    def queryset(self, request, queryset):
        if self.value() in State.values and self.value() != State.NONE:
            return queryset.filter(state_q(self.value(), timezone.localdate()))
        return queryset


class PersonStateFilter(admin.SimpleListFilter):
    """Persons with a membership in a given state today, or with none at all."""

    title = _("membership state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in State]

    def queryset(self, request, queryset):
        value = self.value()
        if value == State.NONE:
            return queryset.filter(memberships__isnull=True)
        if value in State.values:
            ids = Membership.objects.filter(state_q(value, timezone.localdate()))
            return queryset.filter(pk__in=ids.values("person_id"))
        return queryset


class PersonCategoryFilter(admin.SimpleListFilter):
    """Persons holding a post of a category."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return Post.Category.choices

    def queryset(self, request, queryset):
        if self.value() in Post.Category.values:
            holders = Post.objects.filter(category=self.value()).values("person_id")
            return queryset.filter(pk__in=holders)
        return queryset


class MaskedKpjMixin:
    """The KPJ number in full only for users who may see full identifiers."""

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "masked_kpj"]
        if not may_see_full_nik(request.user):
            fields = ["masked_kpj" if f == "kpj_number" else f for f in fields]
        return fields

    @admin.display(description=_("KPJ number"))
    def masked_kpj(self, obj: Membership) -> str:
        return mask_kpj(obj.kpj_number) if obj else ""


class MembershipInline(MaskedKpjMixin, ScopedInline):
    model = Membership
    fields = [
        "program",
        "participant_category",
        "kpj_number",
        "enrolled_on",
        "paid_until",
        "state_today",
        "funding_source",
        "verified_on",
        "verified_source",
    ]
    readonly_fields = ["state_today", "masked_kpj"]
    extra = 0

    @admin.display(description=_("state today"))
    def state_today(self, obj: Membership) -> StrOrPromise:
        return state_of(obj.paid_until, timezone.localdate()).label if obj.pk else "—"


class PersonCoverageAdmin(PersonAdmin):
    list_filter = [*PersonAdmin.list_filter, PersonCategoryFilter, PersonStateFilter]
    inlines = [*PersonAdmin.inlines, MembershipInline]


admin.site.unregister(Person)
admin.site.register(Person, PersonCoverageAdmin)


@admin.register(Program)
class ProgramAdmin(MalformedIdIs404, admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


@admin.register(Membership)
class MembershipAdmin(MaskedKpjMixin, ScopedHistoryAdmin):
    coverage_writer = True
    area_params = ("person__posts__village__district__regency",)
    list_display = [
        "person",
        "masked_nik",
        "program",
        "participant_category",
        "paid_until",
        "state_today",
        "funding_source",
    ]
    list_filter = [
        AutocompleteFilterFactory(_("person"), "person"),
        holder_regency_filter("person"),
        "program",
        MembershipStateFilter,
        "participant_category",
        "funding_source",
    ]
    list_select_related = ["person", "program"]
    newest_first = True
    search_ordering = (Lower("person__name"), "program__order")
    # Served through the persons' trigram index (villages migration 0005) on PostgreSQL.
    search_fields = ["person__name"]
    autocomplete_fields = ["person"]
    readonly_fields = ["masked_kpj"]
    # Drawn by light_date_hierarchy (the change list template): no scan for the years.
    date_hierarchy = "paid_until"
    change_list_template = "admin/enrollment/membership/change_list.html"
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    @admin.display(description=_("NIK"), ordering="person__nik")
    def masked_nik(self, obj: Membership) -> str:
        return mask_nik(obj.person.nik)

    actions = ["verify_with_bpjs"]

    @admin.action(
        description=_("Mark as checked today against BPJS Ketenagakerjaan records"),
        permissions=["change"],
    )
    def verify_with_bpjs(self, request, queryset):
        count = memberships_verify(
            memberships=queryset,
            day=timezone.localdate(),
            source=Membership.Source.BPJS,
            user=request.user,
        )
        messages.success(
            request, _("%(count)d membership(s) marked as checked.") % {"count": count}
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if identifiers_shown(request, response):
            pk = unquote(object_id)
            self._log_kpj(request, Membership.objects.filter(pk=pk), f"admin membership {pk}")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version shows the KPJ as it was, in full to the same users.
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if identifiers_shown(request, response):
            version = Membership.history.filter(id=unquote(object_id), history_id=version_id)
            what = f"admin membership {unquote(object_id)} version {version_id}"
            self._log_kpj(request, version, what)
        return response

    def _log_kpj(self, request, rows, what: str) -> None:
        """Log the full KPJ number the page showed (none shown: nothing to log)."""
        person_id, kpj = rows.values_list("person_id", "kpj_number").get()
        if kpj:
            log_identifiers(request, person_id=person_id, what=what)

    def changelist_view(self, request, extra_context=None):
        person = request.GET.get("person")
        visible = Person.objects.visible_to(request.user)
        if person and not (person.isdigit() and visible.filter(pk=person).exists()):
            raise Http404(_("No such person in your scope."))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("state today"))
    def state_today(self, obj: Membership) -> StrOrPromise:
        return state_of(obj.paid_until, timezone.localdate()).label

    def get_deleted_objects(self, objs, request):
        """Refuse to delete memberships that carry coverage data: they are ended, not erased."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected) + [
            _("%(membership)s: paid until %(date)s — set the paid-until date instead of deleting")
            % {"membership": obj, "date": obj.paid_until.strftime("%d/%m/%Y")}
            for obj in objs
            if obj.paid_until is not None
        ]
        return deleted, model_count, perms_needed, protected


class RuleSetForm(forms.ModelForm):
    """A national set (no regency) applies to every regency without its own: only head office
    (and superusers) add one or make a set national; others set rules for their regencies."""

    editor = None  # the user saving, set per request by RuleSetAdmin.get_form

    def clean_regency(self):
        regency = self.cleaned_data.get("regency")
        scope = scope_for(self.editor)
        if scope.everything:
            return regency
        if regency is None:
            raise ValidationError(
                _("Only head office sets national rules: choose a regency of your area.")
            )
        if not scope.covers(regency.code):
            raise ValidationError(_("You may only set rules for a regency of your area."))
        return regency


@admin.register(RuleSet)
class RuleSetAdmin(ScopedHistoryAdmin):
    """National sets are read by every staff user and edited by head office; a regency's
    own set by those whose scope covers the regency."""

    form = RuleSetForm
    area_params = ("regency",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.editor = request.user  # a class made for this request by modelform_factory
        return form

    def has_change_permission(self, request, obj=None):
        national = obj is not None and obj.regency_id is None
        if national and not scope_for(request.user).everything:
            return False
        return super().has_change_permission(request, obj)

    list_display = ["name", "year", "regency", "minimum_program_codes"]
    list_filter = ["year", AutocompleteFilterFactory(_("regency / city"), "regency")]
    list_select_related = ["regency"]
    search_fields = ["name", "regency__name"]
    autocomplete_fields = ["regency"]
    filter_horizontal = ["minimum_programs"]
    fieldsets = [
        (None, {"fields": ["name", "year", "regency", "minimum_programs"]}),
        (
            _("Coverage of posts"),
            {
                "fields": [
                    (f"{category.prefix}_enabled", f"{category.prefix}_min_pct")
                    for category in CRITERION_CATEGORIES
                ]
            },
        ),
        (
            _("Village facts"),
            {
                "fields": [
                    ("self_enrolled_enabled", "self_enrolled_min_pct"),
                    "require_bumdes",
                    "require_perisai",
                    "require_memorandum",
                    "require_regulation",
                ]
            },
        ),
        (_("Near to Desa Sadar"), {"fields": [("near_max_failing", "near_max_people")]}),
    ]

    change_list_template = "admin/enrollment/ruleset/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("minimum_programs")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "builtin_default": self._builtin_default(request)}
        return super().changelist_view(request, extra_context)

    def _builtin_default(self, request) -> dict | None:
        """The built-in default, while no national set is recorded for this year or before;
        with the add form filled in with it for those who may add a national set."""
        year = timezone.localdate().year
        if RuleSet.objects.filter(regency__isnull=True, year__lte=year).exists():
            return None
        rules = Rules.default(year)
        filled_in = {
            "name": f"Nasional {year}",
            "year": str(year),
            "minimum_programs": ",".join(rules.min_programs),
        }
        query = urlencode(filled_in)
        may_add = scope_for(request.user).everything and self.has_add_permission(request)
        return {
            "name": rules.name,
            "year": year,
            "programs": " + ".join(rules.min_programs),
            "add_url": f"{reverse('admin:enrollment_ruleset_add')}?{query}" if may_add else "",
        }

    @admin.display(description=_("minimum programs"))
    def minimum_program_codes(self, obj: RuleSet) -> str:
        return ", ".join(p.code for p in obj.minimum_programs.all())


class DeclarationForm(forms.ModelForm):
    """A declaration is checked against the village's rule set on the day declared: one that
    fails is saved only with `confirm_ineligible` ticked, after the form has listed the
    criteria it fails, and is recorded as such (enrollment.services.declaration_save)."""

    confirm_ineligible = forms.BooleanField(
        required=False,
        label=_(
            "I understand this village does not yet meet the Desa Sadar criteria, and declare "
            "it anyway"
        ),
        help_text=_(
            "Needed only when the village fails its rule set on the day declared: saving "
            "then lists the criteria it fails."
        ),
    )
    eligibility: Eligibility | None = None  # set by clean() when the village is checked

    def clean(self):
        cleaned = super().clean()
        village, day = cleaned.get("village"), cleaned.get("declared_on")
        moved = self.instance.pk is None or {"village", "declared_on"} & set(self.changed_data)
        if village is None or day is None or not moved:
            return cleaned
        self.eligibility = declaration_eligibility(village_code=village.code, day=day)
        if not self.eligibility.eligible and not cleaned.get("confirm_ineligible"):
            self.add_error("confirm_ineligible", self._refusal(village, day, self.eligibility))
        return cleaned

    @staticmethod
    def _refusal(village, day, eligibility: Eligibility) -> ValidationError:
        head = _("%(village)s does not meet the rule set “%(rule_set)s” on %(day)s:") % {
            "village": village.name,
            "rule_set": eligibility.rule_set,
            "day": day.strftime("%d/%m/%Y"),
        }
        reasons = [f"{criterion.label}: {criterion.detail}" for criterion in eligibility.failed]
        tail = _(
            "Tick the box to declare it anyway: the declaration is then recorded as made "
            "while these criteria were not met."
        )
        return ValidationError([head, *reasons, str(tail)], code="not_eligible")


@admin.register(Declaration)
class DeclarationAdmin(ScopedHistoryAdmin):
    form = DeclarationForm
    area_params = area_params("village")
    list_display = [
        "village",
        "declared_on",
        "declared_by",
        "memorandum_number",
        "eligible_when_declared",
    ]
    list_filter = [*area_filters("village"), "declared_on", "eligible_when_declared"]
    list_select_related = ["village"]
    search_fields = ["village__name", "=village__code", "declared_by", "memorandum_number"]
    autocomplete_fields = ["village"]
    date_hierarchy = "declared_on"
    readonly_fields = ["eligible_when_declared", "rule_set_name", "failed_criteria"]

    def get_fields(self, request, obj=None):
        fields = ["village", "declared_on", "declared_by", "memorandum_number", "note"]
        recorded = [] if obj is None else self.readonly_fields
        return [*fields, "confirm_ineligible", *recorded]

    def save_model(self, request, obj, form, change):
        declaration_save(declaration=obj, eligibility=form.eligibility)


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(ScopedAdmin):
    area_params = area_params("village")
    list_display = ["village", "month", "category", "posts", "covered"]
    list_filter = [*area_filters("village"), "month", "category"]
    list_select_related = ["village"]
    search_fields = ["village__name", "=village__code"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # written by snapshot_coverage only

    def has_change_permission(self, request, obj=None):
        return False


from enrollment import import_admin  # noqa: E402, F401
