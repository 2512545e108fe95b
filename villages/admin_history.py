"""The admin's history pages (django-simple-history) in the interface's terms: each change is
listed with its field's verbose name, dates as dd/mm/yyyy, choices by their labels, an empty
value as "—", and NIK, KPJ and phone numbers masked for users who may not see them in full
(as on the change forms)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import ModelChange, ModelChangeValue
from simple_history.template_utils import HistoricalRecordContextHelper

from villages.access import may_see_full_nik
from villages.nik import mask_kpj, mask_nik
from villages.phones import mask_phone

# Identifier fields, by name, and how they are masked.
MASKS = {"nik": mask_nik, "kpj_number": mask_kpj, "phone": mask_phone}


class HistoryContextHelper(HistoricalRecordContextHelper):
    """Formats a record's changes for the history list."""

    def __init__(self, *args: Any, full_identifiers: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.full_identifiers = full_identifiers

    def prepare_delta_change_value(self, change: ModelChange, value: ModelChangeValue) -> Any:
        field = self.model._meta.get_field(change.field)
        if value is None or value == "":
            return "—"
        if change.field in MASKS and not self.full_identifiers:
            return MASKS[change.field](str(value))
        if isinstance(field, Field) and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        return super().prepare_delta_change_value(change, value)


class IndonesianHistoryAdmin:
    """Mixin for a SimpleHistoryAdmin: its history list formatted by HistoryContextHelper."""

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryContextHelper(
            self.model,  # type: ignore[attr-defined]
            historical_record,
            full_identifiers=may_see_full_nik(request.user),
        )
