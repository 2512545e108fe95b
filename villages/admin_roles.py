"""Admin for roles: who may give which role, and the areas a role needs (the same rules as
add_user, from villages.roles)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from villages.admin_history import IndonesianHistoryAdmin
from villages.admin_ids import MalformedIdIs404
from villages.admin_versions import VersionCheckedAdmin
from villages.models import Role, RoleArea
from villages.roles import role_apply, role_areas_check, role_change_check


class RoleForm(forms.ModelForm):
    editor = None  # the user saving, set per request by RoleAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        user, kind = cleaned.get("user"), cleaned.get("kind")
        if user is not None and kind:
            # The instance still holds the stored role: the form's values go in after clean().
            before = self.instance if self.instance.pk else None
            role_change_check(editor=self.editor, user=user, kind=kind, before=before)
        return cleaned


class RoleAreaFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return  # a bad code is reported on its row first
        codes = [
            form.instance.code
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        # The role as the form left it: its new kind, when the role's form is valid.
        role_areas_check(kind=self.instance.kind, codes=codes)


class RoleAreaInline(admin.TabularInline):
    model = RoleArea
    formset = RoleAreaFormSet
    extra = 1
    help_text = _("Kemendagri codes: 33 (province), 33.02 (regency), 33.02.03.2003 (village).")

    # The areas are part of the role: who may change a role changes its areas (head office
    # has no permissions of its own on areas, and saw none of them in the form).
    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("villages.change_role")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("villages.change_role")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("villages.change_role")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("villages.view_role") or self.has_change_permission(request)


@admin.register(Role)
class RoleAdmin(MalformedIdIs404, IndonesianHistoryAdmin, VersionCheckedAdmin, SimpleHistoryAdmin):
    form = RoleForm
    list_display = ["user", "kind", "branch", "regional_office", "area_codes"]
    list_filter = ["kind", "branch", "regional_office"]
    list_select_related = ["user", "branch", "regional_office"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "areas__code"]
    autocomplete_fields = ["user", "branch", "regional_office"]
    inlines = [RoleAreaInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.editor = request.user  # a class made for this request by modelform_factory
        return form

    @admin.display(description=_("areas"))
    def area_codes(self, obj: Role) -> str:
        return ", ".join(area.code for area in obj.areas.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role_apply(form.instance)
