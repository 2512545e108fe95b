"""The day figures are asked for (`as_of`): one parser for pages, exports and the API."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

# Figures are kept for any day in this range; a day outside it is refused, not clamped.
AS_OF_MIN, AS_OF_MAX = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class AsOfError(ValueError):
    """`as_of` is not a YYYY-MM-DD date, or lies outside AS_OF_MIN … AS_OF_MAX. Its text is
    the message to show."""


def as_of_parse(value: str | None) -> dt.date:
    """The day `value` names; None (not given) is today in Asia/Jakarta."""
    if value is None:
        return timezone.localdate()
    try:
        day = dt.date.fromisoformat(value) if _ISO.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise AsOfError(_("Use YYYY-MM-DD, e.g. 2026-11-22."))
    return as_of_in_range(day)


def as_of_in_range(day: dt.date) -> dt.date:
    """`day`, if figures can be asked for it (pages parse the text with the user's date
    formats, 22/11/2026 in Indonesian, then check here)."""
    if not AS_OF_MIN <= day <= AS_OF_MAX:
        raise AsOfError(
            _("Use a date from %(min)s to %(max)s.")
            % {"min": AS_OF_MIN.isoformat(), "max": AS_OF_MAX.isoformat()}
        )
    return day
