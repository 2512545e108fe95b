"""Contact phone numbers of persons: kept as digits (a leading + for an international
number), shown masked like NIK and KPJ to users whose role does not need them in full."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# What people type between the digits: 0812-3456-7890, (0281) 631234, +62 812 3456 7890.
_SEPARATORS = re.compile(r"[\s().\-/]")

validate_phone = RegexValidator(
    r"\A\+?[0-9]{8,15}\Z",
    _(
        "A phone number is 8 to 15 digits, optionally after a +, e.g. 081234567890 or "
        "+6281234567890; spaces, dashes, dots and brackets are left out."
    ),
    code="phone",
)


def normalize_phone(value: str | None) -> str:
    """The number without the spaces, dashes, dots, slashes and brackets people type."""
    return _SEPARATORS.sub("", value or "")


def mask_phone(value: str) -> str:
    """Only the last 4 digits: ********7890; "" for none."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


class PhoneFormField(forms.CharField):
    """The form's twin: normalized before its length is checked (a typed +62 812 3456 7890
    is longer than the number)."""

    def to_python(self, value):
        return normalize_phone(super().to_python(value))


class PhoneField(models.CharField):
    """A phone number, normalized (`normalize_phone`) before it is validated and saved."""

    default_validators = [validate_phone]

    def to_python(self, value):
        return normalize_phone(super().to_python(value))

    def formfield(self, **kwargs):
        # Room in the input for the separators people type; the number itself is checked
        # against the column's length by the model's validators.
        return super().formfield(**{"form_class": PhoneFormField, "max_length": 24, **kwargs})
