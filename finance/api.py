"""The finance API: `GET /api/v1/finance/` (the country, head office only) and
`GET /api/v1/finance/<code>/` (a province or regency), as shared/spec/campaign-api.md gives
them. Authentication, scoping and errors are the coverage API's: an area outside the user's
scope, a district, a village or an unknown code is the same 404."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from enrollment.api import CODE_PARAMETER, ERRORS, RESPONSE_HEADERS, CoverageView
from enrollment.api_serializers import AreaSerializer, ErrorSerializer
from finance.models import Group
from finance.selectors import LEVELS, finance_by_year
from villages.access import visible_area
from villages.selectors import Area


class FinanceYearSerializer(serializers.Serializer):
    # Reads a `FinanceYear`.
    year = serializers.IntegerField()
    group = serializers.ChoiceField(choices=Group.values)
    contributions = serializers.IntegerField(help_text="Contributions received, rupiah.")
    claims = serializers.IntegerField(help_text="Benefits paid, rupiah.")
    claim_count = serializers.IntegerField(
        allow_null=True, help_text="Claims paid, summed; null when no row gives the number."
    )
    claims_per_contribution_pct = serializers.FloatField(
        allow_null=True,
        help_text="100 × claims / contributions, 2 decimals; null when contributions are 0.",
    )


class FinanceSerializer(serializers.Serializer):
    area = AreaSerializer()
    years = FinanceYearSerializer(
        many=True,
        help_text="One entry per (year, group), oldest year first; programs summed, a row "
        "with program SEMUA counting as the whole of its (year, group). A province without "
        "rows of its own for a (year, group) sums its regencies; the country sums provinces.",
    )


# The coverage API's errors but its 400: this API reads no parameter.
FINANCE_ERRORS = {status: response for status, response in ERRORS.items() if status != 400}
NOT_FOUND = OpenApiResponse(
    ErrorSerializer,
    description="No regency or province has this code in the user's scope (a district or "
    "village code too); for the country, a user whose scope is not the whole country.",
)
EXAMPLE = OpenApiExample(
    "Kabupaten Banyumas",
    value={
        "area": {"code": "33.02", "name": "Kabupaten Banyumas", "level": "regency"},
        "years": [
            {
                "year": 2023,
                "group": "PEKERJA_RENTAN",
                "contributions": 500000000,
                "claims": 2500000000,
                "claim_count": None,
                "claims_per_contribution_pct": 500.0,
            }
        ],
    },
)


def _finance(area: Area) -> Response:
    data = {"area": area, "years": finance_by_year(area=area)}
    return Response(FinanceSerializer(data).data)


def _area(request: Request, code: str) -> Area:
    area = visible_area(request.user, code)
    if area is None or area.level not in LEVELS:
        raise NotFound(_("No area has the code %(code)s.") % {"code": code})
    return area


class CountryFinanceView(CoverageView):
    @extend_schema(
        operation_id="finance_country",
        summary="Contributions and claims of the whole country by year",
        description="The provinces summed. Head office only: any other user gets 404.",
        parameters=RESPONSE_HEADERS,
        responses={200: FinanceSerializer, **FINANCE_ERRORS, 404: NOT_FOUND},
        examples=[EXAMPLE],
        tags=["finance"],
    )
    def get(self, request: Request) -> Response:
        return _finance(_area(request, ""))


class AreaFinanceView(CoverageView):
    @extend_schema(
        operation_id="finance_area",
        summary="Contributions and claims of a province or regency by year",
        parameters=[CODE_PARAMETER, *RESPONSE_HEADERS],
        responses={200: FinanceSerializer, **FINANCE_ERRORS, 404: NOT_FOUND},
        examples=[EXAMPLE],
        tags=["finance"],
    )
    def get(self, request: Request, code: str) -> Response:
        return _finance(_area(request, code))
