"""The coverage API's serializers: the documented shape of every response and error body.
The OpenAPI schema is generated from them; the views pass plain values through them."""

from __future__ import annotations

from rest_framework import serializers

from enrollment.models import State
from villages.categories import CATEGORY_ORDER
from villages.models import Village
from villages.selectors import LEVEL_BY_LENGTH

# A country or province response lists at most this many Desa Sadar candidates.
CANDIDATES_LIMIT = 100
LEVELS = list(LEVEL_BY_LENGTH.values())


class AreaSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='Kemendagri code, dotted; "" for the country.')
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=LEVELS)


class VillageAreaSerializer(AreaSerializer):
    kind = serializers.ChoiceField(choices=Village.Kind.values)


class TotalsSerializer(serializers.Serializer):
    posts = serializers.IntegerField(
        help_text="Filled posts; a person with two posts counts twice."
    )
    covered = serializers.IntegerField(help_text="Filled posts whose holder is covered on as_of.")
    coverage_pct = serializers.FloatField(
        allow_null=True, help_text="100 × covered / posts, 2 decimals; null when posts = 0."
    )
    people = serializers.IntegerField(help_text="Distinct persons holding at least one post.")
    lapsing_soon = serializers.IntegerField(
        help_text="Covered posts whose paid-through date falls within the next 30 days."
    )
    in_arrears = serializers.IntegerField(
        help_text="Posts whose holder's minimum programs ended within the last 3 months."
    )


class CategorySerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=CATEGORY_ORDER)
    posts = serializers.IntegerField()
    covered = serializers.IntegerField()
    coverage_pct = serializers.FloatField(allow_null=True)


class ChildSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=LEVELS)
    posts = serializers.IntegerField()
    covered = serializers.IntegerField()
    coverage_pct = serializers.FloatField(allow_null=True)
    lapsing_soon = serializers.IntegerField()
    in_arrears = serializers.IntegerField()
    villages = serializers.IntegerField(help_text="Villages below this area.")
    desa_sadar_candidates = serializers.IntegerField(
        help_text="Villages below this area that pass every Desa Sadar criterion."
    )


class CandidateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class AreaCoverageSerializer(serializers.Serializer):
    area = AreaSerializer()
    as_of = serializers.DateField()
    totals = TotalsSerializer()
    by_category = CategorySerializer(
        many=True, help_text="Every category, in order, including those with zero posts."
    )
    children = ChildSerializer(many=True)
    desa_sadar_candidates = CandidateSerializer(
        many=True,
        help_text=f"Villages passing every criterion, by code; for a country or province, "
        f"the first {CANDIDATES_LIMIT}.",
    )
    desa_sadar_candidates_total = serializers.IntegerField(
        required=False, help_text="Country and province only: the full count of candidates."
    )


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
    candidate = serializers.BooleanField()
    rule_set = serializers.CharField(help_text="Name of the rule set in force.")
    criteria = CriterionSerializer(many=True)


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
    area = VillageAreaSerializer()
    as_of = serializers.DateField()
    totals = TotalsSerializer()
    by_category = CategorySerializer(many=True)
    desa_sadar = DesaSadarSerializer()
    roster = RosterRowSerializer(many=True)


class ScopeAreaSerializer(AreaSerializer):
    url = serializers.URLField(help_text="This area's coverage.")


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
