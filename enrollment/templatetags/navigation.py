"""The header's links (enrollment.navigation) for the page being drawn."""

from __future__ import annotations

from django import template

from enrollment.navigation import NavLink, nav_links

register = template.Library()


@register.simple_tag(takes_context=True)
def site_nav(context) -> list[NavLink]:
    """`{% site_nav as links %}`: the signed-in user's links; none without a request (the
    500 page is drawn without one)."""
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return []
    return nav_links(user=request.user, path=request.path)
