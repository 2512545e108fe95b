"""The API for users with a scope, what its access log keeps, and what its schema promises:
the country endpoint lists a scoped user's own areas; the log keeps only the parameters the
API reads; every status the API answers is documented with its body."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from enrollment.as_of import AS_OF_MAX, AS_OF_MIN
from tests.factories import BranchOfficeFactory, PostFactory
from villages.models import AccessLog, Regency
from villages.roles import user_role_set

KARANGLEWAS = "33.02.03.2003"


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _area(code: str, name: str, level: str) -> dict:
    return {
        "code": code,
        "name": name,
        "level": level,
        "url": f"http://testserver/api/v1/coverage/{code}/",
    }


# --- The country endpoint for a scoped user ----------------------------------------------


def test_the_country_lists_a_managers_own_areas_instead_of_a_404(db):
    manager = user_role_set(username="m", kind="manager", area_codes=["33.02", "35"]).user
    response = _client(manager).get(reverse("api:coverage"))
    assert response.status_code == 200
    assert response.json() == {
        "areas": [
            _area("33.02", "Kabupaten Banyumas", "regency"),
            _area("35", "Jawa Timur", "province"),
        ]
    }


def test_the_country_lists_a_branchs_regencies(db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code__in=["33.02", "33.03"]))
    staff = user_role_set(username="kc", kind="branch_staff", branch_name="Purwokerto").user
    data = _client(staff).get(reverse("api:coverage")).json()
    assert data == {
        "areas": [
            _area("33.02", "Kabupaten Banyumas", "regency"),
            _area("33.03", "Kabupaten Purbalingga", "regency"),
        ]
    }


def test_the_country_lists_a_village_secretarys_village_and_its_link_works(db):
    user = user_role_set(username="s", kind="village_secretary", area_codes=[KARANGLEWAS]).user
    client = _client(user)
    [area] = client.get(reverse("api:coverage")).json()["areas"]
    assert area == _area(KARANGLEWAS, "Karanglewas", "village")
    assert client.get(area["url"]).status_code == 200


def test_the_country_still_refuses_a_bad_as_of_for_a_scoped_user(db):
    manager = user_role_set(username="m", kind="manager", area_codes=["33.02"]).user
    response = _client(manager).get(reverse("api:coverage"), {"as_of": "kemarin"})
    assert (response.status_code, response.json()) == (
        400,
        {"as_of": ["Use YYYY-MM-DD, e.g. 2026-11-22."]},
    )


# --- The access log ----------------------------------------------------------------------


@pytest.fixture
def full_nik_user(db):
    PostFactory(code="KEPALA_DESA", village_id=KARANGLEWAS)
    user = user_role_set(username="m", kind="manager", area_codes=["33.02"]).user
    user.user_permissions.add(Permission.objects.get(codename="view_full_nik"))
    return user


def test_the_access_log_keeps_only_the_parameters_the_api_reads(full_nik_user):
    junk = "&".join(f"p{n}={'x' * 500}" for n in range(40))
    url = reverse("api:coverage_area", args=[KARANGLEWAS])
    query = f"?as_of=2026-11-22&{junk}&format=json&token=rahasia"
    response = _client(full_nik_user).get(url + query)
    assert response.status_code == 200
    assert list(AccessLog.objects.values_list("action", "area_code", "rows", "what")) == [
        ("api", KARANGLEWAS, 1, f"/api/v1/coverage/{KARANGLEWAS}/?as_of=2026-11-22&format=json")
    ]


def test_the_access_log_of_a_plain_request_is_its_path(full_nik_user):
    url = reverse("api:coverage_area", args=["3302032003"])
    _client(full_nik_user).get(url + "?" + "x" * 5000)
    assert list(AccessLog.objects.values_list("what", flat=True)) == [
        "/api/v1/coverage/3302032003/"
    ]


# --- The schema --------------------------------------------------------------------------


@pytest.fixture
def schema(db):
    root = user_role_set(username="pusat", kind="head_office").user
    return _client(root).get(reverse("api:schema"), {"format": "json"}).json()


ERROR = {"$ref": "#/components/schemas/Error"}


def _body(response: dict) -> dict:
    return response["content"]["application/json"]["schema"]


def test_the_schema_documents_every_status_of_the_country_endpoint(schema):
    responses = schema["paths"]["/api/v1/coverage/"]["get"]["responses"]
    assert sorted(responses) == ["200", "400", "401", "403", "503"]
    assert _body(responses["200"]) == {"$ref": "#/components/schemas/CountryCoverage"}
    assert schema["components"]["schemas"]["CountryCoverage"]["oneOf"] == [
        {"$ref": "#/components/schemas/AreaCoverage"},
        {"$ref": "#/components/schemas/ScopeAreas"},
    ]
    assert _body(responses["400"]) == {"$ref": "#/components/schemas/AsOfError"}
    assert _body(responses["401"]) == ERROR
    assert _body(responses["403"]) == ERROR
    assert set(responses["401"]["headers"]) == {"WWW-Authenticate"}
    assert set(responses["503"]["headers"]) == {"Retry-After"}


def test_the_schema_documents_every_status_of_the_area_endpoint(schema):
    operation = schema["paths"]["/api/v1/coverage/{code}/"]["get"]
    responses = operation["responses"]
    assert sorted(responses) == ["200", "400", "401", "403", "404", "503"]
    for status in ("401", "403", "404"):
        assert _body(responses[status]) == ERROR
    code = next(p for p in operation["parameters"] if p["name"] == "code")
    assert code["schema"]["pattern"] == r"^\d{2}(\.?\d{2}(\.?\d{2}(\.?\d{4})?)?)?$"


def test_the_schema_describes_the_bodies_of_errors(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert components["AsOfError"]["required"] == ["as_of"]
    assert set(components["ScopeAreas"]["properties"]) == {"areas"}
    assert set(components["ScopeArea"]["properties"]) == {"code", "name", "level", "url"}


@pytest.mark.parametrize("code", ["33/02", "33%2F02", "33.02/x"])
def test_a_code_with_a_slash_is_a_json_404(db, code):
    root = user_role_set(username="pusat", kind="head_office").user
    response = _client(root).get(f"/api/v1/coverage/{code}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "day,inside",
    [
        ("1899-12-31", False),
        ("1900-01-01", True),
        ("2026-11-22", True),
        ("2999-12-31", True),
        ("3000-01-01", False),
    ],
)
def test_the_schema_gives_the_range_of_as_of(schema, day, inside):
    """A day the schema allows is accepted: the range is in its pattern."""
    [as_of] = [
        p for p in schema["paths"]["/api/v1/coverage/"]["get"]["parameters"] if p["name"] == "as_of"
    ]
    assert bool(re.fullmatch(as_of["schema"]["pattern"], day)) is inside
    assert (AS_OF_MIN <= dt.date.fromisoformat(day) <= AS_OF_MAX) is inside
