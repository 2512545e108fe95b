"""The campaign API: `GET /api/v1/campaign/` (the country) and `GET /api/v1/campaign/<code>/`
(any area), as shared/spec/campaign-api.md gives them. Same authentication, scoping and
errors as the coverage API (enrollment.api); figures from `campaign.selectors`."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from campaign.api_serializers import CampaignSerializer, PeriodErrorSerializer
from campaign.period import MAX_DAYS, Period, PeriodError, period_parse
from campaign.selectors import campaign_for_area
from enrollment.api import (
    AS_OF_PATTERN,
    CODE_PARAMETER,
    ERRORS,
    RESPONSE_HEADERS,
    CoverageView,
    area_for,
)
from enrollment.api_serializers import ErrorSerializer
from villages.selectors import Area

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="First day, YYYY-MM-DD; default the first day of the month 11 months "
        "before `to` (the last 12 months).",
        pattern=AS_OF_PATTERN,
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="Last day, included, YYYY-MM-DD; default today in Asia/Jakarta.",
        pattern=AS_OF_PATTERN,
    ),
]
CAMPAIGN_ERRORS = {
    **ERRORS,
    400: OpenApiResponse(
        PeriodErrorSerializer,
        description=f"`from` or `to` is not a YYYY-MM-DD date (1900-01-01 to 2999-12-31), "
        f"`from` is after `to`, or the period is longer than {MAX_DAYS} days.",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No area has this code."),
}


def period_from(request: Request) -> Period:
    """The period asked for; 400 naming the parameter at fault."""
    try:
        return period_parse(request.query_params.get("from"), request.query_params.get("to"))
    except PeriodError as error:
        raise ValidationError({error.field: [str(error)]}) from error


class CampaignView(CoverageView):
    def campaign(self, request: Request, area: Area) -> Response:
        figures = campaign_for_area(area=area, period=period_from(request))
        return Response(CampaignSerializer(figures).data)


RESPONSES = {
    200: OpenApiResponse(CampaignSerializer, description="The area's campaign figures."),
    **CAMPAIGN_ERRORS,
}


class CountryCampaignView(CampaignView):
    @extend_schema(
        operation_id="campaign_country",
        summary="Campaign figures of the whole country",
        description="Registrations, events with their uplift and agents with their results, "
        "for users whose scope is the whole country (others get 404).",
        parameters=[*PERIOD_PARAMETERS, *RESPONSE_HEADERS],
        responses=RESPONSES,
        tags=["campaign"],
    )
    def get(self, request: Request) -> Response:
        return self.campaign(request, area_for(request, ""))


class AreaCampaignView(CampaignView):
    @extend_schema(
        operation_id="campaign_area",
        summary="Campaign figures of an area by its Kemendagri code",
        description="Registrations of residents in the area's villages in the period (by "
        "channel and by month), outreach events held for its villages with their uplift, "
        "and the Perisai agents serving it with their registrations, contributions and "
        "commission.",
        parameters=[CODE_PARAMETER, *PERIOD_PARAMETERS, *RESPONSE_HEADERS],
        responses=RESPONSES,
        tags=["campaign"],
    )
    def get(self, request: Request, code: str) -> Response:
        return self.campaign(request, area_for(request, code))
