"""The campaign API's serializers: the documented shape of `/api/v1/campaign/<code>/`
(shared/spec/campaign-api.md). They read a `CampaignFigures` as it is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaign.selectors import UPLIFT_DAYS, CampaignFigures
from enrollment.api_serializers import AreaSerializer


class ByChannelSerializer(serializers.Serializer):
    PERISAI = serializers.IntegerField(help_text="Registered through a Perisai agent.")
    MANDIRI = serializers.IntegerField(help_text="Registered on their own.")
    SOSIALISASI = serializers.IntegerField(help_text="Registered at an outreach event.")
    LAINNYA = serializers.IntegerField(help_text="Any other channel.")


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    count = serializers.IntegerField()


class RegistrationsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Residents registered in the area in the period.")
    contributions = serializers.IntegerField(help_text="Their first contributions, rupiah.")
    by_channel = ByChannelSerializer(help_text="Every channel, zeros included; sums to total.")
    by_month = MonthSerializer(
        many=True, help_text="Every month the period touches, zeros included; sums to total."
    )


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text='The village or district office it was held at; "" when neither is recorded.'
    )
    name = serializers.CharField()


class UpliftSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text=f"The window, {UPLIFT_DAYS} days.")
    before = serializers.IntegerField(
        help_text="Registrations in the event's villages in the `days` days before its day."
    )
    after = serializers.IntegerField(
        help_text="... in the `days` days from its day on (the event day counts as after)."
    )


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    date = serializers.DateField()
    title = serializers.CharField()
    place = PlaceSerializer()
    villages = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the villages it was held for."
    )
    attendees = serializers.IntegerField(help_text="Officials attending, every category.")
    uplift = UpliftSerializer()


class AgentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    villages = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of the villages it serves."
    )
    active = serializers.BooleanField(help_text="At work on the period's last day (`to`).")
    registrations = serializers.IntegerField(help_text="In the area, in the period.")
    contributions = serializers.IntegerField(help_text="Rupiah.")
    commission = serializers.IntegerField(
        help_text="Contributions × the commission rate in force on each registration's day, "
        "rounded once, half up, to whole rupiah."
    )


class CampaignSerializer(serializers.Serializer):
    area = AreaSerializer()
    # `from` is a Python keyword: the field is put in the class body's namespace by name.
    locals()["from"] = serializers.DateField(source="period.start", help_text="First day.")
    to = serializers.DateField(source="period.end", help_text="Last day, included.")
    registrations = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField(
        help_text="Events held in the period for at least one village of the area, latest first."
    )
    agents = serializers.SerializerMethodField(
        help_text="Agents serving a village of the area at some time in the period, and any "
        "agent with registrations in the area in the period; by code.",
    )

    @extend_schema_field(RegistrationsSerializer)
    def get_registrations(self, figures: CampaignFigures) -> dict:
        total = figures.registrations.total
        months = [
            {"month": f"{month:%Y-%m}", "count": count}
            for month, count in figures.registrations.by_month
        ]
        return {
            "total": total.registrations,
            "contributions": total.contributions,
            "by_channel": dict(total.by_channel),
            "by_month": months,
        }

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, figures: CampaignFigures) -> list:
        return [
            {
                "id": e.id,
                "date": e.date.isoformat(),
                "title": e.title,
                "place": {"code": e.place_code, "name": e.place_name},
                "villages": e.villages,
                "attendees": e.attendees,
                "uplift": {"days": figures.uplift_days, "before": e.before, "after": e.after},
            }
            for e in figures.events
        ]

    @extend_schema_field(AgentSerializer(many=True))
    def get_agents(self, figures: CampaignFigures) -> list:
        # Plain dicts, as the events: the country has thousands of agents, and a serializer
        # per agent cost a third of the answer's time.
        return [
            {
                "code": a.code,
                "name": a.name,
                "villages": a.villages,
                "active": a.active,
                "registrations": a.registrations,
                "contributions": a.contributions,
                "commission": a.commission,
            }
            for a in figures.agents
        ]


class PeriodErrorSerializer(serializers.Serializer):
    # The parameter at fault, with what is wrong with it.
    locals()["from"] = serializers.ListField(child=serializers.CharField(), required=False)
    to = serializers.ListField(child=serializers.CharField(), required=False)
