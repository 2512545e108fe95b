from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from enrollment import api

app_name = "api"

urlpatterns = [
    path("coverage/", api.CountryCoverageView.as_view(), name="coverage"),
    path("coverage/<str:code>/", api.AreaCoverageView.as_view(), name="coverage_area"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
