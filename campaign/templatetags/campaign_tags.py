from __future__ import annotations

from django import template
from django.utils import formats

from campaign.models import Channel

register = template.Library()


@register.filter
def channel_label(code: str) -> str:
    """A channel's label in the active language (MANDIRI → "on their own")."""
    return str(Channel(code).label).capitalize() if code in Channel.values else code


@register.filter
def signed(value: int) -> str:
    """A difference with its sign: `+1.234`, `−56`, `0`."""
    number = formats.number_format(abs(value), force_grouping=True)
    return f"+{number}" if value > 0 else f"\u2212{number}" if value < 0 else number


@register.filter
def get(mapping: dict, key: str):
    return mapping.get(key, "")


@register.simple_tag(takes_context=True)
def campaign_area_url(context, code: str) -> str:
    """The campaign page of the area with this code, for the page's period."""
    from campaign.views import campaign_url

    return campaign_url(code) + context.get("period_query", "")
