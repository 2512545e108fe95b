"""Formatting and links for the coverage pages: numbers the Indonesian way, area URLs.

`{{ 18.94|percent }}` → `18,94 %`, `{{ 16800|rupiah }}` → `Rp 16.800` (the space is a
no-break space, so a figure never wraps away from its unit in a narrow table cell).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.urls import reverse
from django.utils import formats

from enrollment import exports
from enrollment.models import State
from enrollment.views import area_page_url
from villages.models import Post, Village

register = template.Library()

NBSP = "\u00a0"
MISSING = "—"


def _number(value, decimals: int) -> str | None:
    """The value rounded half up and formatted for the active language, or None."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return None
    return formats.number_format(number, decimal_pos=decimals, force_grouping=True)


@register.filter
def percent(value, decimals: int = 2) -> str:
    """A percentage: `18,94 %` in Indonesian, `18.94 %` in English, `—` for none."""
    number = _number(value, int(decimals))
    return MISSING if number is None else f"{number}{NBSP}%"


@register.filter
def rupiah(value) -> str:
    """An amount in rupiah without decimals: `Rp 16.800`, `—` for none."""
    number = _number(value, 0)
    return MISSING if number is None else f"Rp{NBSP}{number}"


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


@register.filter
def category_label(code: str) -> str:
    return _label(Post.Category, code)


@register.filter
def post_label(code: str) -> str:
    return _label(Post.Code, code)


@register.filter
def village_kind_label(kind: str) -> str:
    return _label(Village.Kind, kind)


@register.filter
def state_label(state: str) -> str:
    return _label(State, state)


@register.filter
def level_label(level: str) -> str:
    return str(exports.LEVEL_LABELS.get(level, level))


@register.filter
def roster_status(row) -> str:
    """`covered`, `lapsing_soon`, `in_arrears` or `not_covered`."""
    return exports.roster_status(row)


@register.filter
def roster_status_label(status: str) -> str:
    return str(exports.ROSTER_STATUS_LABELS[status])


@register.filter
def work_state_label(state: str) -> str:
    """A work list row's state: lapsing within 30 days, in arrears, ended."""
    return str(exports.WORK_STATE_LABELS[state])


@register.filter
def work_state_badge(state: str) -> str:
    """The roster's badge (and row) style for a work list state: ended looks not covered."""
    return exports.NOT_COVERED if state == "ended" else state


@register.simple_tag(takes_context=True)
def area_url(context, code: str) -> str:
    """The page of the area with this code (the village page for a village), keeping the
    page's `as_of`."""
    return area_page_url(code) + context.get("as_of_query", "")


@register.simple_tag(takes_context=True)
def export_url(context, code: str, table: str, fmt: str) -> str:
    """The export of one table of an area's page (or of a village's roster), same `as_of`
    (and the roster's filter: the page's `export_query` when it has one)."""
    if table == "roster":
        url = reverse("enrollment:village_export", args=[code, fmt])
        return url + context.get("export_query", context.get("as_of_query", ""))
    if code:
        url = reverse("enrollment:area_export", args=[code, table, fmt])
    else:
        url = reverse("enrollment:area_export", args=[table, fmt])
    return url + context.get("as_of_query", "")


@register.filter
def desa_sadar_status(status: str) -> str:
    """The label of a Desa Sadar list status (candidate, near, …)."""
    return exports.status_label(status)
