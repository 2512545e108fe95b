"""The admin's forms for the campaign: every choice a user makes lies in their scope, and
what the model derives (an event's regency) is set here, not typed."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from campaign.attachments import attachment_clean
from campaign.models import OutreachEvent, PerisaiAgent
from villages.access import scope_for
from villages.models import BranchOffice, District, Regency, Role, Village
from villages.phones import normalize_phone, validate_phone


def branches_for(user) -> QuerySet[BranchOffice]:
    """The branch offices a user enters events for: their own branch (branch staff), their
    regional office's branches, or all (head office and superusers)."""
    scope = scope_for(user)
    if scope.everything:
        return BranchOffice.objects.all()
    role = Role.objects.filter(user=user).first() if user.is_authenticated else None
    if role is not None and role.kind == Role.Kind.BRANCH_STAFF and role.branch_id:
        return BranchOffice.objects.filter(pk=role.branch_id)
    if role is not None and role.kind == Role.Kind.REGIONAL_OFFICE and role.regional_office_id:
        return BranchOffice.objects.filter(regional_office=role.regional_office_id)
    return BranchOffice.objects.none()


def regency_of(code: str) -> str:
    """The regency code of a district or village code: 33.02.03.2003 → 33.02."""
    return ".".join(code.split(".")[:2])


class AttachmentInput(forms.ClearableFileInput):
    """The stored file links to the admin's scoped download (`download_url`), not to
    MEDIA_URL, which nothing serves."""

    download_url = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            context["widget"]["value"] = _Linked(self.download_url, value)
        return context


class _Linked:
    def __init__(self, url: str, value) -> None:
        self.url, self.value = url, value

    def __str__(self) -> str:
        return str(self.value).rsplit("/", 1)[-1]


class OutreachEventForm(forms.ModelForm):
    """The villages an event was held for, given three ways: chosen one by one, every
    village of a district (`district`), or — with neither — the village it was held at.
    They must lie in one regency of the user's scope; the event's regency is theirs."""

    editor = None  # the user saving, set per request by OutreachEventAdmin.get_form

    district = forms.ModelChoiceField(
        queryset=District.objects.none(),
        required=False,
        label=_("all villages of a district"),
        help_text=_("Adds every village of the district to the villages below."),
        widget=AutocompleteSelect(OutreachEvent._meta.get_field("place_district"), admin.site),
    )

    class Meta:
        model = OutreachEvent
        # Not the regency: it is the villages' (clean).
        fields = [
            "date",
            "title",
            "branch",
            "place_village",
            "place_district",
            "place_name",
            "villages",
            "residents_attending",
            "notes",
            "attachment",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.visible_to(self.editor)
        if "villages" in self.fields:
            self.fields["villages"].required = False
        if "branch" in self.fields and not scope_for(self.editor).everything:
            self.fields["branch"].required = True

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        # A new upload; otherwise the stored file unchanged, or False when cleared.
        return attachment_clean(upload) if isinstance(upload, UploadedFile) else upload

    def clean(self):
        cleaned = super().clean()
        scope = scope_for(self.editor)
        villages = {v.code: v for v in cleaned.get("villages") or []}
        district = cleaned.get("district")
        if district is not None:
            if not scope.covers(district.code):
                self.add_error("district", _("This district is not in your area."))
            else:
                inside = Village.objects.visible_to(self.editor).filter(district=district)
                villages.update({v.code: v for v in inside})
        place = cleaned.get("place_village")
        if not villages and district is None and place is not None:
            villages[place.code] = place
        if not villages:
            if not self.errors:
                self.add_error(
                    "villages",
                    _("Give the villages it was held for: one or more, or a district's."),
                )
            return cleaned
        regencies = {regency_of(code) for code in villages}
        if len(regencies) > 1:
            self.add_error(
                "villages",
                _("The villages lie in several regencies (%(codes)s): record one event each.")
                % {"codes": ", ".join(sorted(regencies))},
            )
            return cleaned
        regency = regencies.pop()
        if not scope.covers(regency):
            self.add_error("villages", _("You may only record events for a regency of your area."))
            return cleaned
        self._check_place(cleaned, regency)
        cleaned["villages"] = Village.objects.filter(code__in=villages)
        self.instance.regency_id = regency
        return cleaned

    def _check_place(self, cleaned, regency: str) -> None:
        for name in ("place_village", "place_district"):
            place = cleaned.get(name)
            if place is not None and regency_of(place.code) != regency:
                self.add_error(name, _("The place lies outside the regency of the villages."))


class PerisaiAgentForm(forms.ModelForm):
    """An agent of a regency of the user's scope, serving villages of that regency."""

    editor = None  # the user saving, set per request by PerisaiAgentAdmin.get_form

    class Meta:
        model = PerisaiAgent
        fields = [
            "code",
            "name",
            "nik",
            "phone",
            "regency",
            "villages",
            "active_from",
            "active_until",
            "active",
        ]

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data.get("phone"))
        if phone:
            validate_phone(phone)
        return phone

    def clean_regency(self):
        regency: Regency | None = self.cleaned_data.get("regency")
        if regency is not None and not scope_for(self.editor).covers(regency.code):
            raise ValidationError(_("You may only record agents for a regency of your area."))
        return regency

    def clean(self):
        cleaned = super().clean()
        regency = cleaned.get("regency")
        if regency is None:
            return cleaned
        outside = [v.name for v in cleaned.get("villages") or [] if not _in(v, regency)]
        if outside:
            self.add_error(
                "villages",
                _("These villages lie outside the agent's regency: %(names)s.")
                % {"names": ", ".join(outside)},
            )
        return cleaned


def _in(village: Village, regency: Regency) -> bool:
    return regency_of(village.code) == regency.code
