from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from enrollment import api
from finance import api as finance_api

app_name = "api"

urlpatterns = [
    path("coverage/", api.CountryCoverageView.as_view(), name="coverage"),
    # Any text, slashes too, reaches the view: a code that is not one is a JSON 404.
    path("coverage/<path:code>/", api.AreaCoverageView.as_view(), name="coverage_area"),
    path("finance/", finance_api.CountryFinanceView.as_view(), name="finance"),
    path("finance/<path:code>/", finance_api.AreaFinanceView.as_view(), name="finance_area"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
