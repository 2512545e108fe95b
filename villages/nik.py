"""NIK (Nomor Induk Kependudukan) checks: structure, region, birth date, serial.

The structure comes from `lokal.nik`: 16 digits, a known province code (a NIK
keeps the region code it was issued with, so after a region splits its district
part may no longer exist: a known province is enough), regency and district not
00, a real birth date (day + 40 for women), serial not 0000. The product adds a
birth date that is not in the future.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lokal import nik as lokal_nik

NIK_RE = re.compile(r"[0-9]{16}")


@dataclass(frozen=True)
class NikFacts:
    """What a valid NIK says about its holder."""

    district_code: str
    birth_date: dt.date
    sex: str  # "L" or "P"


_MESSAGES = {
    "province": _("The NIK's region code %(region)s is not a known district or province."),
    "wilayah": _("The NIK's regency and district codes cannot be 00 (%(region)s)."),
    "birth_date": _(
        "The NIK's birth date part %(birth)s is not a real past date (DDMMYY, day + 40 for women)."
    ),
    "serial": _("The NIK's serial number cannot be 0000."),
}


def _check(value: str) -> tuple[lokal_nik.NikInfo, list[ValidationError]]:
    today = timezone.localdate()
    info = lokal_nik.parse_nik(value, reference_date=today)
    params = {"region": f"{value[:2]}.{value[2:4]}.{value[4:6]}", "birth": value[6:12]}
    codes = [issue.code for issue in info.errors]
    # lokal reads a two-digit year as the latest one not after this year, so only a birth
    # later this year can still lie in the future.
    if info.birth_date and dt.date.fromisoformat(info.birth_date) > today:
        codes.append("birth_date")
    return info, [
        ValidationError(_MESSAGES[code], code=f"nik_{code}", params=params)
        for code in dict.fromkeys(codes)
    ]


def validate_nik(value: str) -> None:
    """Raise ValidationError with every reason the value cannot be a NIK."""
    value = value or ""
    if not NIK_RE.fullmatch(value):
        raise ValidationError(
            # The value itself is not repeated: an almost-valid NIK is personal data.
            _("A NIK is exactly 16 digits; got %(count)d characters, %(digits)d of them digits."),
            code="nik_format",
            params={"count": len(value), "digits": sum(c.isdigit() for c in value)},
        )
    errors = _check(value)[1]
    if errors:
        raise ValidationError(errors)


NIK_VALIDATORS = [validate_nik]


def parse_nik(value: str | None) -> NikFacts | None:
    """The facts a valid NIK carries, or None when it is not valid."""
    if not value or not NIK_RE.fullmatch(value):
        return None
    info, errors = _check(value)
    if errors or info.birth_date is None or info.gender is None:
        return None
    return NikFacts(
        district_code=info.district_code or "",
        birth_date=dt.date.fromisoformat(info.birth_date),
        sex=info.gender,
    )


def mask_nik(value: str) -> str:
    """First 6 and last 4 digits shown: 330218******0001."""
    if len(value) != 16:
        return "*" * len(value)
    return f"{value[:6]}******{value[12:]}"


def mask_kpj(value: str) -> str:
    """Only the last 4 digits of a membership card number: *******5678."""
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]
