from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from campaign import api as campaign_api
from enrollment import api

app_name = "api"

urlpatterns = [
    path("coverage/", api.CountryCoverageView.as_view(), name="coverage"),
    # Any text, slashes too, reaches the view: a code that is not one is a JSON 404.
    path("coverage/<path:code>/", api.AreaCoverageView.as_view(), name="coverage_area"),
    path("campaign/", campaign_api.CountryCampaignView.as_view(), name="campaign"),
    path("campaign/<path:code>/", campaign_api.AreaCampaignView.as_view(), name="campaign_area"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
