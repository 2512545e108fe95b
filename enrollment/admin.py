"""Admin for coverage. The person form gains the memberships inline here, because `villages`
knows nothing of `enrollment`."""

from __future__ import annotations

from admin_auto_filters.filters import AutocompleteFilterFactory
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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
from villages.admin import PersonAdmin, area_filters
from villages.models import Person, Post
from villages.nik import mask_nik


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


class MembershipInline(admin.TabularInline):
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
    readonly_fields = ["state_today"]
    extra = 0

    @admin.display(description=_("state today"))
    def state_today(self, obj: Membership) -> str:
        return state_of(obj.paid_until, timezone.localdate()).label if obj.pk else "—"


class PersonCoverageAdmin(PersonAdmin):
    list_filter = [*PersonAdmin.list_filter, PersonCategoryFilter, PersonStateFilter]
    inlines = [*PersonAdmin.inlines, MembershipInline]


admin.site.unregister(Person)
admin.site.register(Person, PersonCoverageAdmin)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "order"]
    search_fields = ["code", "name"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
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
        "program",
        MembershipStateFilter,
        "participant_category",
        "funding_source",
    ]
    list_select_related = ["person", "program"]
    search_fields = ["person__name", "=person__nik", "=kpj_number"]
    autocomplete_fields = ["person"]
    date_hierarchy = "paid_until"
    show_full_result_count = False

    @admin.display(description=_("NIK"), ordering="person__nik")
    def masked_nik(self, obj: Membership) -> str:
        return mask_nik(obj.person.nik)

    @admin.display(description=_("state today"))
    def state_today(self, obj: Membership) -> str:
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


@admin.register(RuleSet)
class RuleSetAdmin(SimpleHistoryAdmin):
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
                    ("perangkat_enabled", "perangkat_min_pct"),
                    ("bpd_enabled", "bpd_min_pct"),
                    ("rt_rw_enabled", "rt_rw_min_pct"),
                    ("lkd_enabled", "lkd_min_pct"),
                    ("linmas_enabled", "linmas_min_pct"),
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
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("minimum_programs")

    @admin.display(description=_("minimum programs"))
    def minimum_program_codes(self, obj: RuleSet) -> str:
        return ", ".join(p.code for p in obj.minimum_programs.all())


@admin.register(Declaration)
class DeclarationAdmin(SimpleHistoryAdmin):
    list_display = ["village", "declared_on", "declared_by", "memorandum_number"]
    list_filter = [*area_filters("village"), "declared_on"]
    list_select_related = ["village"]
    search_fields = ["village__name", "=village__code", "declared_by", "memorandum_number"]
    autocomplete_fields = ["village"]
    date_hierarchy = "declared_on"


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(admin.ModelAdmin):
    list_display = ["village", "month", "category", "posts", "covered"]
    list_filter = [*area_filters("village"), "month", "category"]
    list_select_related = ["village"]
    search_fields = ["village__name", "=village__code"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # written by snapshot_coverage only

    def has_change_permission(self, request, obj=None):
        return False
