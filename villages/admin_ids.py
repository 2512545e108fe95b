"""Malformed ids in admin URLs are unknown ids.

The admin's object URLs take any text as an id (`<path:object_id>`). Django's own lookup
turns an id the primary key cannot hold into "not found", but the history views of
django-simple-history query with it as it is (`abc` for a number: ValueError), and
PostgreSQL refuses a NUL byte in any text (DataError): both were 500s.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.utils import get_history_model_for_model


def id_fits(field, value) -> bool:
    """Whether `value` from a URL can be looked up in the primary key `field`."""
    if "\x00" in str(value):
        return False
    try:
        field.to_python(value)
    except (ValidationError, ValueError):
        return False
    return True


class MalformedIdIs404:
    """Admin mixin: an id (or a history version id) the key cannot hold answers 404."""

    def get_object(self, request, object_id, from_field=None):
        opts = self.model._meta
        if not id_fits(opts.get_field(from_field) if from_field else opts.pk, object_id):
            return None
        return super().get_object(request, object_id, from_field)

    def history_view(self, request, object_id, extra_context=None):
        self._fits_or_404(self.model, unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._fits_or_404(self.model, unquote(object_id))
        self._fits_or_404(get_history_model_for_model(self.model), version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    @staticmethod
    def _fits_or_404(model, value) -> None:
        if not id_fits(model._meta.pk, value):
            raise Http404(_("No such record in your scope."))
