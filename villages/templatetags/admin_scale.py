"""`{% light_date_hierarchy cl %}`: Django's date drill-down without its scans of the list."""

from django import template

from villages.admin_scale import light_date_hierarchy

register = template.Library()

register.inclusion_tag("admin/date_hierarchy.html", name="light_date_hierarchy")(
    light_date_hierarchy
)
