"""Admin for the campaign: outreach events (with their attendance and a photo or minutes),
the registry of Perisai agents, and the commission rate. Events and agents are entered by
branch staff within their scope (the forms in campaign.admin_forms check every choice); the
commission rate is head office's. The village's page lists the agents serving it."""

from __future__ import annotations

import mimetypes

from admin_auto_filters.filters import AutocompleteFilterFactory
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from simple_history.admin import SimpleHistoryAdmin

from campaign.admin_forms import (
    AttachmentInput,
    OutreachEventForm,
    PerisaiAgentForm,
    branches_for,
)
from campaign.attachments import CONTENT_TYPES
from campaign.models import (
    CATEGORY_CHOICES,
    CommissionRate,
    EventAttendance,
    OutreachEvent,
    PerisaiAgent,
)
from villages.access import access_log, may_see_full_nik, scope_for
from villages.admin import ScopedHistoryAdmin, ScopedInline, VillageAdmin, dotted_code
from villages.admin_ids import MalformedIdIs404
from villages.admin_versions import VersionCheckedAdmin
from villages.models import AccessLog, Village
from villages.nik import mask_nik
from villages.phones import mask_phone


class EditorFormMixin:
    """Hands the user saving to the form (a class made for this request), whose checks
    keep every choice in their scope."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.editor = request.user
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Village:
            kwargs["queryset"] = Village.objects.visible_to(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class AttendanceInline(ScopedInline):
    """One row per category of post: a new event offers every category, filled in where
    officials of it attended (rows left empty are not saved)."""

    model = EventAttendance
    fields = ["category", "count"]
    extra = 0
    max_num = len(CATEGORY_CHOICES)

    def get_extra(self, request, obj=None, **kwargs):
        recorded = obj.attendance.count() if obj is not None else 0
        return len(CATEGORY_CHOICES) - recorded

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        recorded = set(obj.attendance.values_list("category", flat=True)) if obj else set()
        missing = [{"category": code} for code, _label in CATEGORY_CHOICES if code not in recorded]

        class Prefilled(formset):
            def __init__(self, *args, **kw):
                kw.setdefault("initial", missing)
                super().__init__(*args, **kw)

        return Prefilled


@admin.register(OutreachEvent)
class OutreachEventAdmin(EditorFormMixin, ScopedHistoryAdmin):
    form = OutreachEventForm
    area_params = ("regency",)
    list_display = ["date", "title", "regency", "branch", "place", "village_count", "attendees"]
    list_filter = [AutocompleteFilterFactory(_("regency / city"), "regency"), "branch", "date"]
    list_select_related = ["regency", "branch", "place_village", "place_district"]
    search_fields = ["title", "place_name", "villages__name"]
    autocomplete_fields = ["place_village", "place_district", "villages"]
    date_hierarchy = "date"
    inlines = [AttendanceInline]
    fieldsets = [
        (None, {"fields": ["date", "title", "branch"]}),
        (_("Place"), {"fields": ["place_village", "place_district", "place_name"]}),
        (_("Held for"), {"fields": ["district", "villages"]}),
        (None, {"fields": ["residents_attending", "notes", "attachment"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attendance")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "branch":
            kwargs["queryset"] = branches_for(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        widget = form.base_fields["attachment"].widget if "attachment" in form.base_fields else None
        if isinstance(widget, AttachmentInput) and obj is not None:
            widget.download_url = reverse("admin:campaign_outreachevent_attachment", args=[obj.pk])
        if obj is None and "branch" in form.base_fields:
            branches = list(branches_for(request.user)[:2])
            form.base_fields["branch"].initial = branches[0].pk if len(branches) == 1 else None
        return form

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "attachment":
            kwargs["widget"] = AttachmentInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.pdf"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("place"))
    def place(self, obj: OutreachEvent) -> str:
        where = obj.place_village or obj.place_district
        return ", ".join(str(part) for part in (obj.place_name, where and where.name) if part)

    @admin.display(description=_("villages"))
    def village_count(self, obj: OutreachEvent) -> int:
        return obj.villages.count()

    @admin.display(description=_("officials attending"))
    def attendees(self, obj: OutreachEvent) -> int:
        return obj.attendees

    def get_urls(self):
        download = self.admin_site.admin_view(self.attachment_view)
        return [
            path(
                "<path:object_id>/attachment/",
                download,
                name="campaign_outreachevent_attachment",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_GET)
    def attachment_view(self, request, object_id):
        """The event's photo or minutes, to a user who may see the event (else 404)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        event = self.get_object(request, unquote(object_id))
        if event is None or not event.attachment:
            raise Http404(_("No such record in your scope."))
        name = event.attachment.name.rsplit("/", 1)[-1]
        kind = name.rsplit(".", 1)[-1].lower()
        content_type = CONTENT_TYPES.get(kind) or mimetypes.guess_type(name)[0]
        try:
            handle = event.attachment.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("The file is no longer stored.")) from missing
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{event.date:%Y-%m-%d}-{event.pk}.{kind}",
            content_type=content_type or "application/octet-stream",
        )


@admin.register(PerisaiAgent)
class PerisaiAgentAdmin(EditorFormMixin, ScopedHistoryAdmin):
    form = PerisaiAgentForm
    area_params = ("regency",)
    list_display = [
        "code",
        "name",
        "masked_nik",
        "regency",
        "active_from",
        "active_until",
        "active",
        "serving_today",
    ]
    list_filter = [AutocompleteFilterFactory(_("regency / city"), "regency"), "active"]
    list_select_related = ["regency"]
    search_fields = ["code", "name", "villages__name", "=villages__code"]
    autocomplete_fields = ["regency", "villages"]
    readonly_fields = ["masked_nik", "masked_phone"]

    def get_fields(self, request, obj=None):
        # A new agent's identifiers are typed in; a saved one's are shown in full only to
        # users who may see them (and then logged, change_view).
        full = may_see_full_nik(request.user) or obj is None
        return [
            "code",
            "name",
            "nik" if full else "masked_nik",
            "phone" if full else "masked_phone",
            "regency",
            "villages",
            "active_from",
            "active_until",
            "active",
        ]

    def get_search_results(self, request, queryset, search_term):
        found, _duplicates = super().get_search_results(request, queryset, dotted_code(search_term))
        return found.distinct(), False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self._log_identifiers(request, object_id, f"admin perisai agent {object_id}")
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if request.method == "GET" and response.status_code == 200:
            what = f"admin perisai agent {object_id} version {version_id}"
            self._log_identifiers(request, object_id, what)
        return response

    def _log_identifiers(self, request, object_id, what: str) -> None:
        """Log a full NIK or phone the page showed (UU 27/2022), with the agent's regency."""
        if not may_see_full_nik(request.user):
            return
        row = PerisaiAgent.objects.filter(pk=unquote(object_id)).values(
            "regency_id", "nik", "phone"
        )
        found = row.first()
        if found and (found["nik"] or found["phone"]):
            access_log(
                user=request.user,
                action=AccessLog.Action.FULL_IDENTIFIERS,
                area_code=found["regency_id"],
                rows=1,
                what=what,
            )

    @admin.display(description=_("NIK"), ordering="nik")
    def masked_nik(self, obj: PerisaiAgent) -> str:
        return mask_nik(obj.nik)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: PerisaiAgent) -> str:
        return mask_phone(obj.phone)

    @admin.display(description=_("serving today"), boolean=True)
    def serving_today(self, obj: PerisaiAgent) -> bool:
        return obj.serves_on(timezone.localdate())


@admin.register(CommissionRate)
class CommissionRateAdmin(MalformedIdIs404, VersionCheckedAdmin, SimpleHistoryAdmin):
    """National: head office (and superusers) edit it, other staff read it."""

    list_display = ["valid_from", "rate_pct"]
    date_hierarchy = "valid_from"

    def has_add_permission(self, request):
        return scope_for(request.user).everything and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        may = scope_for(request.user).everything
        return may and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class VillageCampaignAdmin(VillageAdmin):
    """The village's page with the Perisai agents serving it (edited in the registry)."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [*fieldsets, (_("Perisai agents"), {"fields": ["perisai_agents_serving"]})]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "perisai_agents_serving"] if obj is not None else fields

    @admin.display(description=_("Perisai agents serving the village"))
    def perisai_agents_serving(self, obj: Village):
        agents = obj.perisai_agents.order_by("-active", "code")
        if not agents:
            return _("None recorded.")
        today = timezone.localdate()
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            '<a href="{}">{}</a> — {}',
            (
                (
                    reverse("admin:campaign_perisaiagent_change", args=[agent.pk]),
                    str(agent),
                    _agent_dates(agent, today),
                )
                for agent in agents
            ),
        )


def _agent_dates(agent: PerisaiAgent, today) -> str:
    since = agent.active_from.strftime("%d/%m/%Y")
    until = agent.active_until.strftime("%d/%m/%Y") if agent.active_until else "…"
    state = _("serving today") if agent.serves_on(today) else _("not serving today")
    return f"{since}–{until}, {state}"


admin.site.unregister(Village)
admin.site.register(Village, VillageCampaignAdmin)

from campaign import registration_admin  # noqa: E402, F401 - registrations and their import
