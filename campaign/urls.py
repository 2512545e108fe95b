from django.urls import path, register_converter
from django.urls.converters import StringConverter

import enrollment.urls  # noqa: F401 - registers the area_code and export_fmt converters
from campaign import views


class CampaignTableConverter(StringConverter):
    regex = "events|agents|registrations"


register_converter(CampaignTableConverter, "campaign_table")

app_name = "campaign"

urlpatterns = [
    path("kampanye/", views.campaign_area, name="area"),
    path("kampanye/<area_code:code>/", views.campaign_area, name="area"),
    path(
        "kampanye/ekspor/<campaign_table:table>.<export_fmt:fmt>",
        views.campaign_export,
        name="export",
    ),
    path(
        "kampanye/<area_code:code>/ekspor/<campaign_table:table>.<export_fmt:fmt>",
        views.campaign_export,
        name="export",
    ),
]
