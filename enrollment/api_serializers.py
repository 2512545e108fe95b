"""The coverage API's serializers: the documented shape of every response and error body.
They read the selectors' results as they are (`AreaCoverage`, `VillageCoverage` and their
rows); the OpenAPI schema is generated from the same classes."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from enrollment.models import State
from enrollment.rules import FORECAST_DAYS
from enrollment.selectors import DECLARED_FAILING_NOW, Forecast
from villages.categories import CATEGORY_ORDER
from villages.models import Village
from villages.selectors import LEVEL_BY_LENGTH

# A country or province response lists at most this many Desa Sadar candidates.
CANDIDATES_LIMIT = 100
# ... and gives the full count there.
CANDIDATES_CUT_LEVELS = ("country", "province")
LEVELS = list(LEVEL_BY_LENGTH.values())
ENDED_HELP = (
    "Posts whose holder had been covered (held every minimum program with a paid-until "
    "date) and whose paid-until is more than 3 months past: too late to pay the arrears."
)
VILLAGES_HELP = "Villages in the area (a village: 1)."
VILLAGES_ENROLLED_HELP = (
    "Villages with at least one filled perangkat post whose holder is covered on as_of."
)
VILLAGES_OFFICIALS_COVERED_HELP = (
    "Villages with at least one filled perangkat post and every filled perangkat post "
    "covered on as_of."
)
# The forecast lists at most this many villages of each group, the first by code.
FORECAST_LIMIT = 100


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='Kemendagri code, dotted; "" for the country.')
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=LEVELS)


class VillageAreaSerializer(AreaSerializer):
    kind = serializers.ChoiceField(choices=Village.Kind.values)


class TotalsSerializer(serializers.Serializer):
    # Reads an area's or a village's coverage: its `totals` figures and `people`.
    posts = serializers.IntegerField(
        source="totals.posts", help_text="Filled posts; a person with two posts counts twice."
    )
    covered = serializers.IntegerField(
        source="totals.covered", help_text="Filled posts whose holder is covered on as_of."
    )
    coverage_pct = serializers.FloatField(
        source="totals.coverage_pct",
        allow_null=True,
        help_text="100 × covered / posts, 2 decimals; null when posts = 0.",
    )
    people = serializers.IntegerField(help_text="Distinct persons holding at least one post.")
    lapsing_soon = serializers.IntegerField(
        source="totals.lapsing_soon",
        help_text="Covered posts whose paid-through date falls within the next 30 days.",
    )
    in_arrears = serializers.IntegerField(
        source="totals.in_arrears",
        help_text="Posts whose holder's minimum programs ended within the last 3 months.",
    )
    ended = serializers.IntegerField(
        source="totals.ended",
        help_text=ENDED_HELP,
    )
    villages = serializers.IntegerField(help_text=VILLAGES_HELP)
    villages_enrolled = serializers.IntegerField(help_text=VILLAGES_ENROLLED_HELP)
    villages_officials_covered = serializers.IntegerField(help_text=VILLAGES_OFFICIALS_COVERED_HELP)


class CategorySerializer(serializers.Serializer):
    # Reads a `CategoryFigures` row.
    category = serializers.ChoiceField(choices=CATEGORY_ORDER)
    posts = serializers.IntegerField(source="figures.posts")
    covered = serializers.IntegerField(source="figures.covered")
    coverage_pct = serializers.FloatField(source="figures.coverage_pct", allow_null=True)
    lapsing_soon = serializers.IntegerField(source="figures.lapsing_soon")
    in_arrears = serializers.IntegerField(source="figures.in_arrears")
    ended = serializers.IntegerField(source="figures.ended", help_text=ENDED_HELP)


class ChildSerializer(serializers.Serializer):
    # Reads a `ChildRow`: a child area and its figures.
    code = serializers.CharField(source="area.code")
    name = serializers.CharField(source="area.name")
    level = serializers.ChoiceField(source="area.level", choices=LEVELS)
    posts = serializers.IntegerField(source="figures.posts")
    covered = serializers.IntegerField(source="figures.covered")
    coverage_pct = serializers.FloatField(source="figures.coverage_pct", allow_null=True)
    lapsing_soon = serializers.IntegerField(source="figures.lapsing_soon")
    in_arrears = serializers.IntegerField(source="figures.in_arrears")
    ended = serializers.IntegerField(source="figures.ended", help_text=ENDED_HELP)
    villages = serializers.IntegerField(source="area.villages", help_text=VILLAGES_HELP)
    villages_enrolled = serializers.IntegerField(help_text=VILLAGES_ENROLLED_HELP)
    villages_officials_covered = serializers.IntegerField(help_text=VILLAGES_OFFICIALS_COVERED_HELP)
    desa_sadar_candidates = serializers.IntegerField(
        source="candidates",
        help_text="Villages below this area that pass every Desa Sadar criterion.",
    )


class CandidateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ForecastGroupSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Villages in the group.")
    villages = CandidateSerializer(
        many=True, help_text=f"The first {FORECAST_LIMIT} of them by code."
    )


# The forecast's keys are numbers of days: fields declared by name in the class body cannot
# be, so the class is built from a dict.
ForecastSerializer = type(
    "ForecastSerializer",
    (serializers.Serializer,),
    {
        **{
            str(days): ForecastGroupSerializer(
                help_text=f"Desa Sadar candidates on as_of that stop passing within {days} "
                "days if nothing is paid (holders' paid-until dates pass; posts as held on "
                "as_of). Each count holds the shorter ones'."
            )
            for days in FORECAST_DAYS
        },
        "declared_failing": ForecastGroupSerializer(
            help_text="Villages declared Desa Sadar that no longer pass on as_of."
        ),
        "__module__": __name__,
        "__doc__": "Reads a `Forecast`.",
    },
)


def forecast_data(forecast: Forecast) -> dict:
    """The forecast's groups under the keys of `ForecastSerializer`."""
    return {
        str(group.days) if group.days != DECLARED_FAILING_NOW else "declared_failing": group
        for group in forecast.groups
    }


class AreaCoverageSerializer(serializers.Serializer):
    # Reads an `AreaCoverage`. A country or province lists its first CANDIDATES_LIMIT
    # candidates and gives their full count; other levels list them all.
    area = AreaSerializer()
    as_of = serializers.DateField()
    totals = TotalsSerializer(source="*")
    by_category = CategorySerializer(
        many=True, help_text="Every category, in order, including those with zero posts."
    )
    children = ChildSerializer(many=True)
    desa_sadar_candidates = serializers.SerializerMethodField(
        help_text=f"Villages passing every criterion, by code; for a country or province, "
        f"the first {CANDIDATES_LIMIT}.",
    )
    desa_sadar_candidates_total = serializers.IntegerField(
        source="n_candidates",
        required=False,
        help_text="Country and province only: the full count of candidates.",
    )
    forecast = serializers.SerializerMethodField(
        help_text="Desa Sadar forecast: the candidates that stop passing within 30, 60 and 90 "
        "days if nothing is paid, and the declared villages that already fail.",
    )

    @extend_schema_field(ForecastSerializer)
    def get_forecast(self, coverage) -> dict:
        return ForecastSerializer(forecast_data(coverage.forecast)).data

    @extend_schema_field(CandidateSerializer(many=True))
    def get_desa_sadar_candidates(self, coverage) -> list:
        candidates = coverage.candidates
        if coverage.area.level in CANDIDATES_CUT_LEVELS:
            candidates = candidates[:CANDIDATES_LIMIT]
        return list(CandidateSerializer(candidates, many=True).data)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.area.level not in CANDIDATES_CUT_LEVELS:
            del data["desa_sadar_candidates_total"]
        return data


class BlockingSerializer(serializers.Serializer):
    """A person (post, name, unit, reason) or a missing fact (reason only)."""

    post = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    unit = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField()


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField()
    # DRF's metaclass takes declared fields out of the class, so this does not replace
    # Field.label (the serializer's own label) as mypy believes.
    label = serializers.CharField()  # type: ignore[assignment]
    passed = serializers.BooleanField()
    detail = serializers.CharField()
    blocking = BlockingSerializer(many=True)


class DesaSadarSerializer(serializers.Serializer):
    # Reads a `VillageCoverage`: its standing under the rule set in force.
    candidate = serializers.BooleanField(source="standing.candidate")
    rule_set = serializers.CharField(
        source="rules.name", help_text="Name of the rule set in force."
    )
    criteria = CriterionSerializer(source="standing.criteria", many=True)


class RosterRowSerializer(serializers.Serializer):
    post = serializers.CharField()
    category = serializers.ChoiceField(choices=CATEGORY_ORDER)
    unit = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    nik = serializers.CharField(
        help_text="Masked (first 6 and last 4 digits) without the permission to see full NIK."
    )
    programs = serializers.DictField(
        child=serializers.ChoiceField(choices=State.values),
        help_text="Program code → state on as_of.",
    )
    paid_until = serializers.DateField(allow_null=True)
    covered = serializers.BooleanField()


class VillageCoverageSerializer(serializers.Serializer):
    # Reads a `VillageCoverage`.
    area = VillageAreaSerializer()
    as_of = serializers.DateField()
    totals = TotalsSerializer(source="*")
    by_category = CategorySerializer(many=True)
    desa_sadar = DesaSadarSerializer(source="*")
    roster = RosterRowSerializer(many=True)


class ScopeAreaSerializer(AreaSerializer):
    # Reads an `Area`; the request in the context makes its absolute address.
    url = serializers.SerializerMethodField(help_text="This area's coverage.")

    @extend_schema_field(serializers.URLField)
    def get_url(self, area) -> str:
        path = reverse("api:coverage_area", args=[area.code])
        return self.context["request"].build_absolute_uri(path)


class ScopeAreasSerializer(serializers.Serializer):
    areas = ScopeAreaSerializer(
        many=True,
        help_text="The areas the user may read, outermost first by code: their own province, "
        "regencies or village. Everything below each is readable too.",
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()

    class Meta:
        ref_name = "Error"


class AsOfErrorSerializer(serializers.Serializer):
    as_of = serializers.ListField(child=serializers.CharField())
