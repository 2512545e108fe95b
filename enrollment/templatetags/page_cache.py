"""`{% cached_data %} … {% endcached_data %}`: the data part of a page, cached by its view
(`enrollment.page_cache`)."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

# Hidden from the cached part: what it shows may depend on the user only through the key.
_HIDDEN = ("request", "perms", "csrf_token", "messages")


class CachedDataNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        fragment = context.get("fragment")
        if fragment is None:  # a view that caches nothing
            return self.nodelist.render(context)
        if fragment.html is not None:
            return mark_safe(fragment.html)
        with context.push(user=fragment.viewer, **dict.fromkeys(_HIDDEN, "")):
            html = self.nodelist.render(context)
        fragment.html = str(html)
        return html


@register.tag
def cached_data(parser, token) -> CachedDataNode:
    """The page's data part: rendered from the view's `fragment` when it holds it, else
    rendered here (with `user` as the fragment's `Viewer`) and handed to it to store."""
    nodelist = parser.parse(("endcached_data",))
    parser.delete_first_token()
    return CachedDataNode(nodelist)
