"""`GET /api/v1/finance/` and `GET /api/v1/finance/<code>/` (shared/spec/campaign-api.md):
exact JSON for a fixture — SEMUA against per-program rows, ratios to 2 decimals (half up),
null on zero contributions, a province's own rows or its regencies', the country's sum of
provinces — and the coverage API's scoping and errors."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from finance.models import FinanceRecord

PR, PP, ALL = "PEKERJA_RENTAN", "PENYELENGGARA_PEMERINTAHAN", "SEMUA"


def _row(code, year, group, program, contributions, claims, count=None):
    FinanceRecord.objects.create(
        area_code=code,
        year=year,
        group=group,
        program=program,
        contributions=contributions,
        claims=claims,
        claim_count=count,
    )


@pytest.fixture
def figures(db):
    # Banyumas: the SEMUA row of 2023 is the whole; its JKK row beside it is not added.
    _row("33.02", 2023, PR, "SEMUA", 500_000_000, 2_500_000_000)
    _row("33.02", 2023, PR, "JKK", 100, 50, 9)
    # Programs summed; claim_count summed over the rows that give one.
    _row("33.02", 2022, PP, "JKK", 300, 100, 2)
    _row("33.02", 2022, PP, "JKM", 600, 0)
    _row("33.02", 2021, ALL, "SEMUA", 0, 5)  # no contributions: no ratio
    _row("33.01", 2023, PR, "JHT", 3, 2, 1)  # Cilacap: 66.67
    _row("33.03", 2024, ALL, "SEMUA", 32, 1)  # Purbalingga: 3.125 → 3.13 (half up)
    _row("33", 2022, PP, "SEMUA", 1000, 10)  # Jawa Tengah's own row wins for 2022 PP
    _row("35.23", 2023, PR, "SEMUA", 200, 100)  # Tuban, Jawa Timur


def _client(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def _entry(year, group, contributions, claims, count, pct) -> dict:
    return {
        "year": year,
        "group": group,
        "contributions": contributions,
        "claims": claims,
        "claim_count": count,
        "claims_per_contribution_pct": pct,
    }


def test_a_regency(figures, users):
    response = _client(users["manager"]).get(reverse("api:finance_area", args=["3302"]))
    assert response.status_code == 200
    assert response.json() == {
        "area": {"code": "33.02", "name": "Kabupaten Banyumas", "level": "regency"},
        "years": [
            _entry(2021, ALL, 0, 5, None, None),
            _entry(2022, PP, 900, 100, 2, 11.11),
            _entry(2023, PR, 500_000_000, 2_500_000_000, None, 500.0),
        ],
    }


def test_a_province_takes_its_own_rows_else_sums_its_regencies(figures, users):
    data = _client(users["province_manager"]).get(reverse("api:finance_area", args=["33"]))
    assert data.json() == {
        "area": {"code": "33", "name": "Jawa Tengah", "level": "province"},
        "years": [
            _entry(2021, ALL, 0, 5, None, None),
            _entry(2022, PP, 1000, 10, None, 1.0),
            _entry(2023, PR, 500_000_003, 2_500_000_002, 1, 500.0),
            _entry(2024, ALL, 32, 1, None, 3.13),
        ],
    }


def test_the_country_sums_the_provinces(figures, users):
    data = _client(users["head_office"]).get(reverse("api:finance")).json()
    assert data == {
        "area": {"code": "", "name": "Indonesia", "level": "country"},
        "years": [
            _entry(2021, ALL, 0, 5, None, None),
            _entry(2022, PP, 1000, 10, None, 1.0),
            _entry(2023, PR, 500_000_203, 2_500_000_102, 1, 500.0),
            _entry(2024, ALL, 32, 1, None, 3.13),
        ],
    }


def test_a_regency_with_a_ratio_rounded_to_2_decimals(figures, users):
    data = _client(users["head_office"]).get(reverse("api:finance_area", args=["33.01"])).json()
    assert data["years"] == [_entry(2023, PR, 3, 2, 1, 66.67)]


def test_an_area_without_figures_has_no_years(db, users):
    data = _client(users["manager"]).get(reverse("api:finance_area", args=["33.02"])).json()
    assert data["years"] == []


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("manager", "35.23"),  # another regency
        ("manager", "33"),  # the province above one's own regency
        ("branch_staff", "35"),
        ("village_secretary", "33.02"),
        ("head_office", "33.02.03"),  # a district: not an area of this API
        ("head_office", "33.02.03.2003"),
        ("head_office", "33.99"),
        ("head_office", "abc"),
    ],
)
def test_outside_the_scope_or_not_a_regency_or_province_is_404(figures, users, role, code):
    response = _client(users[role]).get(reverse("api:finance_area", args=[code]))
    assert response.status_code == 404
    assert response.json() == {"detail": f"No area has the code {code}."}


@pytest.mark.parametrize("role", ["manager", "branch_staff", "regional_office"])
def test_the_country_is_head_offices_only(figures, users, role):
    assert _client(users[role]).get(reverse("api:finance")).status_code == 404


def test_anonymous_gets_401_and_a_user_without_a_role_403(figures, users):
    for url in (reverse("api:finance"), reverse("api:finance_area", args=["33.02"])):
        anonymous = _client().get(url)
        assert anonymous.status_code == 401
        assert anonymous["WWW-Authenticate"] == "Token"
        assert _client(users["no_role"]).get(url).status_code == 403


def test_only_get_is_allowed(figures, users):
    client = _client(users["head_office"])
    url = reverse("api:finance_area", args=["33.02"])
    assert client.post(url).status_code == 405
    assert client.delete(url).status_code == 405


def test_the_schema_lists_both_endpoints(users):
    schema = _client(users["head_office"]).get(reverse("api:schema") + "?format=json").json()
    assert {"/api/v1/finance/", "/api/v1/finance/{code}/"} <= set(schema["paths"])
    responses = schema["paths"]["/api/v1/finance/{code}/"]["get"]["responses"]
    assert sorted(responses) == ["200", "401", "403", "404", "503"]
