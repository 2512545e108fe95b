"""Money in words, the way the field says it: `{{ 500000000|rupiah_short }}` → `Rp 500 juta`,
`{{ 2500000000|rupiah_short }}` → `Rp 2,5 miliar` (one decimal at most, half up); amounts
under a million stay exact (`Rp 16.800`, the `rupiah` filter). No-break spaces throughout."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from enrollment.templatetags.coverage import MISSING, NBSP, rupiah

register = template.Library()


def _scales() -> list[tuple[int, str]]:
    return [
        (10**12, _("trillion")),
        (10**9, _("billion")),
        (10**6, _("million")),
    ]


@register.filter
def rupiah_short(value) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return MISSING
    for size, word in _scales():
        if abs(amount) >= size:
            short = (amount / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
            decimals = 0 if short == short.to_integral_value() else 1
            number = formats.number_format(short, decimal_pos=decimals, force_grouping=True)
            return f"Rp{NBSP}{number}{NBSP}{word}"
    return rupiah(value)
