"""The coverage API: the JSON twin of the dashboards, read through the coverage selectors.

`GET /api/v1/coverage/` (the country) and `GET /api/v1/coverage/<code>/` (any area by its
Kemendagri code). The views build plain values from the selectors' dataclasses and pass
them through the serializers of `enrollment.api_serializers`, so the OpenAPI schema documents
exactly what is sent. No figure is computed here: totals, categories and children come from
the selectors.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from enrollment.api_serializers import (
    CANDIDATES_CUT_LEVELS,
    CANDIDATES_LIMIT,
    FORECAST_LIMIT,
    AreaCoverageSerializer,
    AsOfErrorSerializer,
    ErrorSerializer,
    ScopeAreasSerializer,
    VillageCoverageSerializer,
)
from enrollment.as_of import AsOfError, as_of_parse
from enrollment.selectors import (
    AreaCoverage,
    VillageCoverage,
    coverage_for_area,
)
from enrollment.services import village_coverage_shown
from villages.access import has_scope, scope_for, visible_area
from villages.models import AccessLog
from villages.selectors import AREA_CODE_RE, Area, areas_get

# Days outside AS_OF_MIN to AS_OF_MAX are refused (the selectors add and subtract months and
# days); the schema gives the range as a pattern on the year.
AS_OF_PATTERN = r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$"


# --- Building the values from the selectors ------------------------------------------------


def area_coverage_data(result: AreaCoverage) -> dict:
    return AreaCoverageSerializer(result).data


def village_coverage_data(result: VillageCoverage) -> dict:
    return VillageCoverageSerializer(result).data


def scope_areas_data(request: Request, areas: list[Area]) -> dict:
    return ScopeAreasSerializer({"areas": areas}, context={"request": request}).data


# --- Request parsing -----------------------------------------------------------------------


def as_of_from(request: Request) -> dt.date:
    """The `as_of` query parameter, or today in Asia/Jakarta; 400 when it is not a date."""
    try:
        return as_of_parse(request.query_params.get("as_of"))
    except AsOfError as error:
        raise ValidationError({"as_of": [str(error)]}) from error


def logged_request(request: Request, as_of: dt.date) -> str:
    """The request as the access log keeps it: the path and the parameters the API reads
    (the day, the format), never whatever else the caller put in the query string."""
    params = {}
    if "as_of" in request.query_params:
        params["as_of"] = as_of.isoformat()
    if "format" in request.query_params:
        params["format"] = request.accepted_renderer.format
    return request.path + (f"?{urlencode(params)}" if params else "")


def area_for(request: Request, code: str) -> Area:
    """The area with this code that the user may read, else 404 (an area outside the user's
    scope is answered exactly like an unknown code)."""
    area = visible_area(request.user, code)
    if area is None:
        raise NotFound(_("No area has the code %(code)s.") % {"code": code})
    return area


class HasScope(BasePermission):
    """A logged-in user with a role (or a superuser); their scope decides the areas."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user) and has_scope(request.user)


# --- Views ---------------------------------------------------------------------------------

AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    OpenApiParameter.QUERY,
    description='The day "paid through" is judged against, YYYY-MM-DD, from 1900-01-01 to '
    "2999-12-31; default today in Asia/Jakarta.",
    # The range as a pattern, so that a client (or a fuzzer) reading the schema knows it.
    pattern=AS_OF_PATTERN,
)
CODE_PARAMETER = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="Kemendagri code of a province (33), regency (33.02), district (33.02.18) or "
    "village (33.02.18.2001); the undotted form (3302182001) is accepted too.",
    pattern=f"^{AREA_CODE_RE.pattern}$",
    examples=[
        OpenApiExample("A regency", value="33.02"),
        OpenApiExample("A village", value="33.02.03.2003"),
    ],
)
RESPONSE_HEADERS = [
    OpenApiParameter(
        "WWW-Authenticate",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[401],
        description="`Token`: send `Authorization: Token <key>`.",
    ),
    OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[503],
        description="Seconds to wait before trying again.",
    ),
]
ERRORS = {
    400: OpenApiResponse(
        AsOfErrorSerializer,
        description="`as_of` is not a YYYY-MM-DD date, or lies outside 1900-01-01 to "
        "2999-12-31; the message says which.",
    ),
    401: OpenApiResponse(
        ErrorSerializer, description="No credentials, or a token or session that is not valid."
    ),
    403: OpenApiResponse(ErrorSerializer, description="The user has no role, hence no area."),
    503: OpenApiResponse(
        description="The database cannot be reached (a restart): an HTML page; try again "
        "after Retry-After seconds."
    ),
}


class CoverageView(APIView):
    """Base: token first, so that a request without credentials gets a 401 with
    `WWW-Authenticate: Token`; the browser session works as well."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [HasScope]

    def coverage(self, request: Request, area: Area) -> Response:
        as_of = as_of_from(request)
        if area.level == "village":
            result = village_coverage_shown(
                user=request.user,
                area=area,
                as_of=as_of,
                action=AccessLog.Action.API,
                what=logged_request(request, as_of),
            )
            return Response(village_coverage_data(result))
        # Candidates come first on the Desa Sadar list: its first CANDIDATES_LIMIT entries
        # hold the first CANDIDATES_LIMIT candidates.
        limit = CANDIDATES_LIMIT if area.level in CANDIDATES_CUT_LEVELS else None
        coverage = coverage_for_area(area=area, as_of=as_of, limit=limit, forecast=FORECAST_LIMIT)
        return Response(area_coverage_data(coverage))


class CountryCoverageView(CoverageView):
    @extend_schema(
        operation_id="coverage_country",
        summary="Coverage of the whole country, or the user's own areas",
        description="Totals, categories, provinces and Desa Sadar candidates of the country. "
        "A user whose scope is not the whole country gets, instead of figures, the areas they "
        "may read (`areas`, each with the link to its coverage).",
        parameters=[AS_OF_PARAMETER, *RESPONSE_HEADERS],
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="CountryCoverage",
                    serializers=[AreaCoverageSerializer, ScopeAreasSerializer],
                    resource_type_field_name=None,
                ),
                description="The country's coverage, or (a scoped user) the user's own areas.",
            ),
            **ERRORS,
        },
        tags=["coverage"],
    )
    def get(self, request: Request) -> Response:
        scope = scope_for(request.user)
        if scope.everything:
            return self.coverage(request, area_for(request, ""))
        as_of_from(request)  # a malformed day is refused here too
        return Response(scope_areas_data(request, areas_get(codes=list(scope.prefixes))))


class AreaCoverageView(CoverageView):
    @extend_schema(
        operation_id="coverage_area",
        summary="Coverage of an area by its Kemendagri code",
        description="A province, regency or district: totals, categories, children and Desa "
        "Sadar candidates. A village: totals, categories, Desa Sadar checklist and roster.",
        parameters=[CODE_PARAMETER, AS_OF_PARAMETER, *RESPONSE_HEADERS],
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="Coverage",
                    serializers=[AreaCoverageSerializer, VillageCoverageSerializer],
                    resource_type_field_name=None,
                ),
                description="The area's coverage; a village's has its checklist and roster.",
            ),
            **ERRORS,
            404: OpenApiResponse(ErrorSerializer, description="No area has this code."),
        },
        tags=["coverage"],
    )
    def get(self, request: Request, code: str) -> Response:
        return self.coverage(request, area_for(request, code))
