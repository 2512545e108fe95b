"""`GET /api/v1/campaign/<code>/` against the contract (shared/spec/campaign-api.md): the
exact body of a small fixture, the period's defaults and errors, scoping, methods, the
schema, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from campaign.period import Period, default_period
from tests.campaign.conftest import GUNUNGWETAN, KARANGLEWAS, KARANGLO
from tests.factories import (
    BranchOfficeFactory,
    OutreachEventFactory,
    PerisaiAgentFactory,
    RegistrationFactory,
    UserFactory,
)
from villages.models import Village
from villages.roles import user_role_set


def url(code: str | None = None) -> str:
    return (
        reverse("api:campaign_area", args=[code]) if code is not None else reverse("api:campaign")
    )


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def staff(db):
    return user_role_set(username="kp", kind="head_office").user


@pytest.fixture
def api(staff):
    return _client(staff)


@pytest.fixture
def kerek(db):
    """The seed story of Kec. Kerek: outreach on 9 July 2018 at Balai Desa Karanglo for two
    villages, an agent at Karanglo, registrations around it."""
    tuban = BranchOfficeFactory(name="Tuban", regional_office__name="Kanwil Jawa Timur")
    event = OutreachEventFactory(
        date=dt.date(2018, 7, 9),
        title="Sosialisasi aparatur desa se-Kecamatan Kerek",
        regency_id="35.23",
        branch=tuban,
        place_village_id=KARANGLO,
        place_name="Balai Desa Karanglo",
        villages=[KARANGLO, "35.23.08.2001"],
        attendance={"PERANGKAT": 150, "BPD": 30},
    )
    agent = PerisaiAgentFactory(
        code="PRS-3523-001",
        name="Siti Aminah",
        regency_id="35.23",
        villages=[KARANGLO],
        active_from=dt.date(2018, 7, 1),
    )
    rows = [
        (dt.date(2018, 6, 20), KARANGLO, "MANDIRI", None, 20, 336_000),
        (dt.date(2018, 7, 9), KARANGLO, "SOSIALISASI", None, 92, 1_545_600),
        (dt.date(2018, 7, 10), "35.23.08.2001", "MANDIRI", None, 15, 252_000),
        (dt.date(2018, 8, 1), KARANGLO, "PERISAI", agent, 120, 2_016_000),
    ]
    for day, village, channel, who, count, contributions in rows:
        RegistrationFactory(
            date=day,
            village_id=village,
            channel=channel,
            agent=who,
            count=count,
            contributions=contributions,
        )
    return event


def test_a_district_answers_exactly_the_contracts_shape(kerek, api):
    response = api.get(url("35.23.08"), {"from": "2018-06-01", "to": "2018-08-31"})
    assert response.status_code == 200
    assert response.json() == {
        "area": {"code": "35.23.08", "name": "Kerek", "level": "district"},
        "from": "2018-06-01",
        "to": "2018-08-31",
        "registrations": {
            "total": 247,
            "contributions": 4_149_600,
            "by_channel": {"PERISAI": 120, "MANDIRI": 35, "SOSIALISASI": 92, "LAINNYA": 0},
            "by_month": [
                {"month": "2018-06", "count": 20},
                {"month": "2018-07", "count": 107},
                {"month": "2018-08", "count": 120},
            ],
        },
        "events": [
            {
                "id": kerek.pk,
                "date": "2018-07-09",
                "title": "Sosialisasi aparatur desa se-Kecamatan Kerek",
                "place": {"code": KARANGLO, "name": "Karanglo"},
                "villages": ["35.23.08.2001", KARANGLO],
                "attendees": 180,
                "uplift": {"days": 30, "before": 20, "after": 227},
            }
        ],
        "agents": [
            {
                "code": "PRS-3523-001",
                "name": "Siti Aminah",
                "villages": [KARANGLO],
                "active": True,
                "registrations": 120,
                "contributions": 2_016_000,
                "commission": 151_200,
            }
        ],
    }


def test_the_undotted_code_reads_the_same_area(kerek, api):
    params = {"from": "2018-06-01", "to": "2018-08-31"}
    dotted = api.get(url("35.23.08"), params).json()
    assert api.get(url("352308"), params).json() == dotted


def test_the_country_endpoint_sums_every_province(kerek, api):
    RegistrationFactory(date=dt.date(2018, 7, 1), village_id=KARANGLEWAS, count=5)
    data = api.get(url(), {"from": "2018-01-01", "to": "2018-12-31"}).json()
    assert data["area"] == {"code": "", "name": "Indonesia", "level": "country"}
    assert data["registrations"]["total"] == 252
    assert len(data["registrations"]["by_month"]) == 12


def test_the_period_defaults_to_the_last_12_months_in_jakarta(api, monkeypatch):
    # 17:30 UTC on 31 December is already 1 January in Jakarta.
    late = dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    data = api.get(url("33.02")).json()
    assert (data["from"], data["to"]) == ("2025-02-01", "2026-01-01")
    assert len(data["registrations"]["by_month"]) == 12


def test_default_period_starts_on_the_first_of_the_month_11_months_back():
    assert default_period(dt.date(2024, 2, 29)) == Period(dt.date(2023, 3, 1), dt.date(2024, 2, 29))
    assert default_period(dt.date(2024, 12, 1)) == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 1))


def test_only_to_given_counts_12_months_back_from_it(api):
    data = api.get(url("33.02"), {"to": "2024-04-24"}).json()
    assert (data["from"], data["to"]) == ("2023-05-01", "2024-04-24")


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"from": "kemarin"}, {"from": ["Use YYYY-MM-DD, e.g. 2026-11-22."]}),
        ({"to": "2024-02-30"}, {"to": ["Use YYYY-MM-DD, e.g. 2026-11-22."]}),
        ({"from": "1899-12-31"}, {"from": ["Use a date from 1900-01-01 to 2999-12-31."]}),
        (
            {"from": "2024-05-01", "to": "2024-04-30"},
            {"from": ["The start (from) is after the end (to)."]},
        ),
        ({"from": "2019-01-01", "to": "2024-01-02"}, {"to": ["Ask for 5 years at most."]}),
    ],
)
def test_a_bad_period_is_a_400_saying_what_is_wrong(db, api, params, body):
    response = api.get(url("33.02"), params)
    assert (response.status_code, response.json()) == (400, body)


def test_five_years_is_the_longest_period(db, api):
    response = api.get(url("33.02"), {"from": "2019-01-01", "to": "2024-01-01"})
    assert response.status_code == 200


@pytest.mark.parametrize("code", ["99", "33.99", "33.02.03.9999", "abc", "33.2"])
def test_unknown_code_is_a_json_404(api, code):
    response = api.get(url(code))
    assert (response.status_code, response.json()) == (
        404,
        {"detail": f"No area has the code {code}."},
    )


def test_an_area_outside_the_scope_is_the_same_404(kerek):
    manager = user_role_set(username="m", kind="manager", area_codes=["33.02"]).user
    client = _client(manager)
    assert client.get(url("33.02")).status_code == 200
    assert client.get(url(KARANGLEWAS)).status_code == 200
    response = client.get(url("35.23.08"))
    assert (response.status_code, response.json()) == (
        404,
        {"detail": "No area has the code 35.23.08."},
    )
    assert client.get(url()).status_code == 404  # the country is not theirs


def test_a_village_secretary_reads_their_own_village_only(db):
    user = user_role_set(username="s", kind="village_secretary", area_codes=[KARANGLEWAS]).user
    client = _client(user)
    assert client.get(url(KARANGLEWAS)).status_code == 200
    assert client.get(url(GUNUNGWETAN)).status_code == 404
    assert client.get(url("33.02.03")).status_code == 404


@pytest.mark.parametrize("code", [None, "33.02"])
def test_anonymous_is_a_401_asking_for_a_token(db, code):
    response = APIClient().get(url(code))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_user_without_a_role_is_a_403(db):
    assert _client(UserFactory(username="warga")).get(url("33.02")).status_code == 403


def test_a_token_authenticates(db, staff):
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    assert client.get(url("33.02")).status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("code", [None, "33.02"])
def test_writes_are_a_405(db, api, method, code):
    assert getattr(api, method)(url(code), {}, format="json").status_code == 405


def test_the_schema_documents_the_campaign_endpoints(db, api):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    schema = _client(root).get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/campaign/{code}/"]["get"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "503"}
    assert {p["name"] for p in operation["parameters"]} >= {"code", "from", "to"}
    assert "/api/v1/campaign/" in schema["paths"]
    body = schema["components"]["schemas"]["Campaign"]
    assert list(body["properties"]) == ["area", "from", "to", "registrations", "events", "agents"]


# --- Queries -------------------------------------------------------------------------------


def _campaign_in(villages: int) -> None:
    """In each of the first `villages` villages of Banyumas: an agent, an event and
    registrations on two days."""
    others = Village.objects.filter(code__startswith="33.02.").exclude(code=GUNUNGWETAN)
    codes = [GUNUNGWETAN, *others.order_by("code").values_list("code", flat=True)[: villages - 1]]
    branch = BranchOfficeFactory(name="Purwokerto")
    for code in codes:
        agent = PerisaiAgentFactory(villages=[code])
        OutreachEventFactory(
            date=dt.date(2024, 4, 24), villages=[code], branch=branch, attendance={"BPD": 2}
        )
        RegistrationFactory(village_id=code, agent=agent, channel="PERISAI")
        RegistrationFactory(village_id=code, date=dt.date(2024, 4, 1))


# The token with its user, the role, the area; the registrations by day (and by code prefix
# above a village); the rates; the events, their villages and their uplift; the agents, their
# villages and their results; the child areas and the branch offices (above a village).
QUERIES = {"33.02": 14, GUNUNGWETAN: 11}


@pytest.mark.parametrize("villages", [1, 40])
@pytest.mark.parametrize("code", ["33.02", GUNUNGWETAN])
def test_the_query_count_does_not_grow_with_villages(
    staff, villages, code, django_assert_num_queries
):
    _campaign_in(villages)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    with django_assert_num_queries(QUERIES[code]):
        response = client.get(url(code), {"from": "2024-01-01", "to": "2024-12-31"})
    assert response.status_code == 200
    expected = 2 * villages if code == "33.02" else 2
    assert response.json()["registrations"]["total"] == expected
