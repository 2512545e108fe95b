from django.urls import path, register_converter
from django.urls.converters import PathConverter
from drf_spectacular.views import SpectacularAPIView

from campaign import api as campaign_api
from enrollment import api
from finance import api as finance_api


class AnyTextConverter(PathConverter):
    """Any text, slashes and line breaks too (`path` stops at a line break, which would
    reach Django's HTML 404 instead of the API's JSON one)."""

    regex = r"[\s\S]+"


register_converter(AnyTextConverter, "any_text")

app_name = "api"

urlpatterns = [
    path("coverage/", api.CountryCoverageView.as_view(), name="coverage"),
    # Any text, slashes too, reaches the view: a code that is not one is a JSON 404.
    path("coverage/<any_text:code>/", api.AreaCoverageView.as_view(), name="coverage_area"),
    path("campaign/", campaign_api.CountryCampaignView.as_view(), name="campaign"),
    path(
        "campaign/<any_text:code>/", campaign_api.AreaCampaignView.as_view(), name="campaign_area"
    ),
    path("finance/", finance_api.CountryFinanceView.as_view(), name="finance"),
    path("finance/<any_text:code>/", finance_api.AreaFinanceView.as_view(), name="finance_area"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
