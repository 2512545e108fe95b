"""Admin for persons and their posts, and the access log (read-only). Registered when
`villages.admin` is imported."""

from __future__ import annotations

from admin_auto_filters.filters import AutocompleteFilterFactory
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from villages.access import access_log, may_see_full_nik, scope_for
from villages.admin import (
    CurrentFilter,
    ScopedHistoryAdmin,
    ScopedInline,
    area_filters,
    area_params,
    dotted_code,
    holder_regency_filter,
)
from villages.admin_scale import EstimatedCountPaginator
from villages.models import (
    AccessLog,
    Person,
    Post,
)
from villages.nik import mask_nik
from villages.phones import mask_phone
from villages.selectors import (
    NAME_RANK,
    area_get,
    person_area_code,
    person_posts_prefetch,
    persons_by_name,
)
from villages.services import posts_end


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


class PersonChangeList(ChangeList):
    """The persons of a page with the posts the user may see of theirs: one more query for
    the page, whatever its length (namesakes told apart by village and post)."""

    def get_queryset(self, request, exclude_parameters=None):
        persons = super().get_queryset(request, exclude_parameters)
        return person_posts_prefetch(persons=persons, user=request.user)


def _posts_held(person: Person) -> list[Post]:
    """The posts a row shows: those held today, else the latest ended one (flagged)."""
    posts = getattr(person, "posts_shown", [])
    today = timezone.localdate()
    held = [post for post in posts if post.is_current(today)]
    return held or posts[:1]


def _ended(post: Post) -> str:
    if post.term_end is None or post.term_end >= timezone.localdate():
        return ""
    return " " + _("(ended %(date)s)") % {"date": post.term_end.strftime("%d/%m/%Y")}


@admin.register(Person)
class PersonAdmin(ScopedHistoryAdmin):
    coverage_writer = True  # its inlines write posts and memberships
    list_display = ["name", "masked_nik", "post_names", "village_names", "sex", "birth_date"]
    list_filter = [holder_regency_filter("pk"), "sex"]
    area_params = ("posts__village__district__regency",)
    # No NIK search here: a GET search would put the NIK in the address and in server logs.
    # The changelist has a separate NIK form that posts (nik_search below).
    # Served by the trigram index of migration 0005 on PostgreSQL, where a name a typo away
    # is found too, closest first (get_search_results; SQLite: parts of names only).
    search_fields = ["name"]
    newest_first = True
    search_ordering = (Lower("name"),)
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ["birth_date", "masked_nik", "masked_phone"]
    inlines = [PersonPostInline]
    change_list_template = "admin/villages/person/change_list.html"

    def get_changelist(self, request, **kwargs):
        return PersonChangeList

    def get_search_results(self, request, queryset, search_term):
        found = persons_by_name(persons=queryset, term=search_term)
        if NAME_RANK in found.query.annotations and not request.GET.get(ORDER_VAR):
            # The closest names first (PostgreSQL), then the order the list had.
            found = found.order_by(f"-{NAME_RANK}", *queryset.query.order_by)
        return found, False

    @admin.display(description=_("post"))
    def post_names(self, obj: Person) -> str:
        return "; ".join(
            f"{post.get_code_display()}{f' ({post.unit})' if post.unit else ''}{_ended(post)}"
            for post in _posts_held(obj)
        )

    @admin.display(description=_("village"))
    def village_names(self, obj: Person) -> str:
        villages = {post.village: None for post in _posts_held(obj)}
        return "; ".join(f"{v.name} ({v.district.name})" for v in villages)

    def get_fields(self, request, obj=None):
        # A new person's identifiers are typed in; a saved one's are shown in full only to
        # users who may see them (and then logged, change_view).
        full = may_see_full_nik(request.user) or obj is None
        fields = ["nik" if full else "masked_nik", "name", "sex", "birth_date"]
        fields.append("phone" if full else "masked_phone")
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

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: Person) -> str:
        return mask_phone(obj.phone)


@admin.register(Post)
class PostAdmin(ScopedHistoryAdmin):
    coverage_writer = True
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
