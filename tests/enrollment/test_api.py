"""The coverage API against its contract, level by level, on a small hand-built district.

Kec. Jatilawang (33.02.03, Kab. Banyumas) has 11 villages; two get rosters here (as in
test_selectors.py), judged on 22/11/2026 under the default rules (JKK + JKM, all village
officials covered):
- Karanglewas (33.02.03.2003): Kepala Desa covered (paid to 2026-12-31), Sekretaris Desa
  with JKK only, a Kaur lapsing soon (paid to 2026-12-10), a BPD member in arrears (paid to
  2026-10-31), and an ended Kaur (term ended 2025) who is not counted.
- Gunung Wetan (33.02.03.2001): Kepala Desa covered who is also Pengurus LKD (two posts):
  the one Desa Sadar candidate.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enrollment.summary import day_in_store, roll_day
from tests.factories import PostFactory, UserFactory, covered
from villages.models import Village
from villages.roles import user_role_set

AS_OF = "2026-11-22"
KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"
CATEGORIES = ["PERANGKAT", "BPD", "RT_RW", "LKD", "LINMAS", "LAINNYA"]
PROGRAMS = ["JKK", "JKM", "JHT", "JP", "JKP"]
AREA_KEYS = {
    "area",
    "as_of",
    "totals",
    "by_category",
    "children",
    "desa_sadar_candidates",
    "forecast",
}
VILLAGE_KEYS = {"area", "as_of", "totals", "by_category", "desa_sadar", "roster"}
CHILD_KEYS = {
    "code",
    "name",
    "level",
    "posts",
    "covered",
    "coverage_pct",
    "lapsing_soon",
    "in_arrears",
    "ended",
    "villages",
    "villages_enrolled",
    "villages_officials_covered",
    "desa_sadar_candidates",
}
NO_POSTS = {"posts": 0, "covered": 0, "coverage_pct": None}
# A category's figures beside posts and covered: none lapsing, in arrears or ended.
CALM = {"lapsing_soon": 0, "in_arrears": 0, "ended": 0}
NO_FORECAST = {
    "30": {"count": 0, "villages": []},
    "60": {"count": 0, "villages": []},
    "90": {"count": 0, "villages": []},
    "declared_failing": {"count": 0, "villages": []},
}


def url(code=None):
    if code is None:
        return reverse("api:coverage")
    return reverse("api:coverage_area", args=[code])


def _client(user=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def staff(db):
    """A head-office user: every area, identifiers masked."""
    return user_role_set(username="staf-kc", kind="head_office", password="kata-sandi-uji-123").user


@pytest.fixture
def api(staff):
    """A staff user's session, without the permission to see full NIK."""
    return _client(staff)


def get(client, code=None, **params):
    return client.get(url(code), {"as_of": AS_OF, **params})


def by_code(rows):
    return {row["code"]: row for row in rows}


def assert_adds_up(data):
    """Totals equal the sums over the children and over the categories."""
    totals = data["totals"]
    for key in ("posts", "covered", "lapsing_soon", "in_arrears", "ended"):
        assert sum(row[key] for row in data["by_category"]) == totals[key]
    if "children" in data:
        for key in (
            "posts",
            "covered",
            "lapsing_soon",
            "in_arrears",
            "ended",
            "villages",
            "villages_enrolled",
            "villages_officials_covered",
        ):
            assert sum(row[key] for row in data["children"]) == totals[key]
    assert [row["category"] for row in data["by_category"]] == CATEGORIES


DISTRICT_TOTALS = {
    "posts": 6,
    "covered": 4,
    "coverage_pct": 66.67,
    "people": 5,
    "lapsing_soon": 1,
    "in_arrears": 1,
    "ended": 0,
}
# Karanglewas (its Kepala Desa covered, its Sekretaris Desa not) and Gunung Wetan (every
# official covered) are enrolled: the same two villages at every level, of more villages.
ENROLLED = {"villages_enrolled": 2, "villages_officials_covered": 1}
NOT_ENROLLED = {"villages_enrolled": 0, "villages_officials_covered": 0}


def totals_with(villages: int) -> dict:
    return {**DISTRICT_TOTALS, "villages": villages, **ENROLLED}


DISTRICT_CATEGORIES = [
    {
        "category": "PERANGKAT",
        "posts": 4,
        "covered": 3,
        "coverage_pct": 75.0,
        **CALM,
        "lapsing_soon": 1,
    },
    {"category": "BPD", "posts": 1, "covered": 0, "coverage_pct": 0.0, **CALM, "in_arrears": 1},
    {"category": "RT_RW", **NO_POSTS, **CALM},
    {"category": "LKD", "posts": 1, "covered": 1, "coverage_pct": 100.0, **CALM},
    {"category": "LINMAS", **NO_POSTS, **CALM},
    {"category": "LAINNYA", **NO_POSTS, **CALM},
]
JATILAWANG_ROW = {
    "code": "33.02.03",
    "name": "Jatilawang",
    "level": "district",
    "posts": 6,
    "covered": 4,
    "coverage_pct": 66.67,
    "lapsing_soon": 1,
    "in_arrears": 1,
    "ended": 0,
    "villages": 11,
    **ENROLLED,
    "desa_sadar_candidates": 1,
}
CANDIDATES = [{"code": GUNUNGWETAN, "name": "Gunung Wetan"}]
# Gunung Wetan's Kepala Desa is paid until 2026-12-31: covered 30 days after 22/11/2026,
# not 60 days after.
FORECAST = {
    **NO_FORECAST,
    "60": {"count": 1, "villages": CANDIDATES},
    "90": {"count": 1, "villages": CANDIDATES},
}


# --- The contract, level by level ------------------------------------------------------


def test_district_lists_its_eleven_villages_with_figures_that_add_up(district, api):
    response = get(api, "33.02.03")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == AREA_KEYS
    assert data["area"] == {"code": "33.02.03", "name": "Jatilawang", "level": "district"}
    assert data["as_of"] == AS_OF
    assert data["totals"] == totals_with(11)
    assert data["by_category"] == DISTRICT_CATEGORIES
    assert len(data["children"]) == 11
    assert [row["code"] for row in data["children"]] == sorted(
        Village.objects.filter(district_id="33.02.03").values_list("code", flat=True)
    )
    children = by_code(data["children"])
    assert children[KARANGLEWAS] == {
        "code": KARANGLEWAS,
        "name": "Karanglewas",
        "level": "village",
        "posts": 4,
        "covered": 2,
        "coverage_pct": 50.0,
        "lapsing_soon": 1,
        "in_arrears": 1,
        "ended": 0,
        "villages": 1,
        "villages_enrolled": 1,
        "villages_officials_covered": 0,
        "desa_sadar_candidates": 0,
    }
    assert children[GUNUNGWETAN] == {
        "code": GUNUNGWETAN,
        "name": "Gunung Wetan",
        "level": "village",
        "posts": 2,
        "covered": 2,
        "coverage_pct": 100.0,
        "lapsing_soon": 0,
        "in_arrears": 0,
        "ended": 0,
        "villages": 1,
        "villages_enrolled": 1,
        "villages_officials_covered": 1,
        "desa_sadar_candidates": 1,
    }
    assert children["33.02.03.2002"] == {
        "code": "33.02.03.2002",
        "name": "Pekuncen",
        "level": "village",
        **NO_POSTS,
        "lapsing_soon": 0,
        "in_arrears": 0,
        "ended": 0,
        "villages": 1,
        "villages_enrolled": 0,
        "villages_officials_covered": 0,
        "desa_sadar_candidates": 0,
    }
    assert data["desa_sadar_candidates"] == CANDIDATES
    assert data["forecast"] == FORECAST
    assert "desa_sadar_candidates_total" not in data
    assert_adds_up(data)


def test_regency_lists_its_27_districts(district, api):
    data = get(api, "33.02").json()
    assert set(data) == AREA_KEYS
    assert data["area"] == {"code": "33.02", "name": "Kabupaten Banyumas", "level": "regency"}
    assert data["totals"] == totals_with(Village.objects.filter(code__startswith="33.02.").count())
    assert data["by_category"] == DISTRICT_CATEGORIES
    assert len(data["children"]) == 27
    assert all(set(row) == CHILD_KEYS for row in data["children"])
    assert {row["level"] for row in data["children"]} == {"district"}
    children = by_code(data["children"])
    assert children["33.02.03"] == JATILAWANG_ROW
    assert children["33.02.01"]["posts"] == 0
    assert children["33.02.01"]["coverage_pct"] is None
    assert sum(row["villages"] for row in data["children"]) == (
        Village.objects.filter(code__startswith="33.02.").count()
    )
    assert data["desa_sadar_candidates"] == CANDIDATES
    assert data["forecast"] == FORECAST
    assert "desa_sadar_candidates_total" not in data
    assert_adds_up(data)


def test_province_lists_its_35_regencies_and_counts_the_candidates(district, api):
    data = get(api, "33").json()
    assert set(data) == AREA_KEYS | {"desa_sadar_candidates_total"}
    assert data["area"] == {"code": "33", "name": "Jawa Tengah", "level": "province"}
    assert data["totals"] == totals_with(Village.objects.filter(code__startswith="33.").count())
    assert data["by_category"] == DISTRICT_CATEGORIES
    assert len(data["children"]) == 35
    banyumas = by_code(data["children"])["33.02"]
    assert banyumas == {
        **JATILAWANG_ROW,
        "code": "33.02",
        "name": "Kabupaten Banyumas",
        "level": "regency",
        "villages": Village.objects.filter(code__startswith="33.02.").count(),
    }
    assert data["desa_sadar_candidates"] == CANDIDATES
    assert data["forecast"] == FORECAST
    assert data["desa_sadar_candidates_total"] == 1
    assert_adds_up(data)


def test_country_is_indonesia_with_code_empty_and_provinces_as_children(district, api):
    data = get(api).json()
    assert set(data) == AREA_KEYS | {"desa_sadar_candidates_total"}
    assert data["area"] == {"code": "", "name": "Indonesia", "level": "country"}
    assert data["as_of"] == AS_OF
    assert data["totals"] == totals_with(Village.objects.count())
    assert data["by_category"] == DISTRICT_CATEGORIES
    # The test database holds provinces 33, 35 and 36.
    assert [(row["code"], row["level"]) for row in data["children"]] == [
        ("33", "province"),
        ("35", "province"),
        ("36", "province"),
    ]
    children = by_code(data["children"])
    assert children["33"]["posts"] == 6
    assert children["33"]["desa_sadar_candidates"] == 1
    assert children["35"] == {
        "code": "35",
        "name": "Jawa Timur",
        "level": "province",
        **NO_POSTS,
        "lapsing_soon": 0,
        "in_arrears": 0,
        "ended": 0,
        "villages": Village.objects.filter(code__startswith="35.").count(),
        "villages_enrolled": 0,
        "villages_officials_covered": 0,
        "desa_sadar_candidates": 0,
    }
    assert data["desa_sadar_candidates"] == CANDIDATES
    assert data["forecast"] == FORECAST
    assert data["desa_sadar_candidates_total"] == 1
    assert_adds_up(data)


def test_village_has_checklist_and_roster_instead_of_children(district, api):
    response = get(api, KARANGLEWAS)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == VILLAGE_KEYS
    assert data["area"] == {
        "code": KARANGLEWAS,
        "name": "Karanglewas",
        "level": "village",
        "kind": "desa",
    }
    assert data["as_of"] == AS_OF
    assert data["totals"] == {
        "posts": 4,
        "covered": 2,
        "coverage_pct": 50.0,
        "people": 4,
        "lapsing_soon": 1,
        "in_arrears": 1,
        "ended": 0,
        # Its Kepala Desa is covered, its Sekretaris Desa is not.
        "villages": 1,
        "villages_enrolled": 1,
        "villages_officials_covered": 0,
    }
    assert data["by_category"] == [
        {
            "category": "PERANGKAT",
            "posts": 3,
            "covered": 2,
            "coverage_pct": 66.67,
            **CALM,
            "lapsing_soon": 1,
        },
        {"category": "BPD", "posts": 1, "covered": 0, "coverage_pct": 0.0, **CALM, "in_arrears": 1},
        {"category": "RT_RW", **NO_POSTS, **CALM},
        {"category": "LKD", **NO_POSTS, **CALM},
        {"category": "LINMAS", **NO_POSTS, **CALM},
        {"category": "LAINNYA", **NO_POSTS, **CALM},
    ]
    assert data["desa_sadar"] == {
        "candidate": False,
        "rule_set": "Default 2026",
        "criteria": [
            {
                "key": "perangkat_covered",
                "label": "All village officials covered",
                "passed": False,
                "detail": "2 of 3 covered",
                "blocking": [
                    {
                        "post": "SEKRETARIS_DESA",
                        "name": "Sri Hartuti",
                        "unit": "",
                        "reason": "no JKM",
                    }
                ],
            }
        ],
    }
    nik = {name: post.person.nik for name, post in district.items()}
    assert data["roster"] == [
        {
            "post": "KEPALA_DESA",
            "category": "PERANGKAT",
            "unit": "",
            "name": "Sugeng Riyadi",
            "nik": nik["kades"][:6] + "******" + nik["kades"][12:],
            "programs": {
                "JKK": "active",
                "JKM": "active",
                "JHT": "none",
                "JP": "none",
                "JKP": "none",
            },
            "paid_until": "2026-12-31",
            "covered": True,
        },
        {
            "post": "SEKRETARIS_DESA",
            "category": "PERANGKAT",
            "unit": "",
            "name": "Sri Hartuti",
            "nik": nik["sekdes"][:6] + "******" + nik["sekdes"][12:],
            "programs": {
                "JKK": "active",
                "JKM": "none",
                "JHT": "none",
                "JP": "none",
                "JKP": "none",
            },
            "paid_until": "2026-12-31",
            "covered": False,
        },
        {
            "post": "KAUR",
            "category": "PERANGKAT",
            "unit": "Keuangan",
            "name": "Sutrisno",
            "nik": nik["kaur"][:6] + "******" + nik["kaur"][12:],
            "programs": {
                "JKK": "active",
                "JKM": "active",
                "JHT": "none",
                "JP": "none",
                "JKP": "none",
            },
            "paid_until": "2026-12-10",
            "covered": True,
        },
        {
            "post": "ANGGOTA_BPD",
            "category": "BPD",
            "unit": "",
            "name": "Romini",
            "nik": nik["bpd"][:6] + "******" + nik["bpd"][12:],
            "programs": {
                "JKK": "in_arrears",
                "JKM": "in_arrears",
                "JHT": "none",
                "JP": "none",
                "JKP": "none",
            },
            "paid_until": "2026-10-31",
            "covered": False,
        },
    ]
    assert_adds_up(data)


def test_candidate_village_passes_with_no_blocking(district, api):
    data = get(api, GUNUNGWETAN).json()
    assert data["area"]["name"] == "Gunung Wetan"
    assert data["totals"] == {
        "posts": 2,
        "covered": 2,
        "coverage_pct": 100.0,
        "people": 1,
        "lapsing_soon": 0,
        "in_arrears": 0,
        "ended": 0,
        "villages": 1,
        "villages_enrolled": 1,
        "villages_officials_covered": 1,
    }
    assert data["desa_sadar"] == {
        "candidate": True,
        "rule_set": "Default 2026",
        "criteria": [
            {
                "key": "perangkat_covered",
                "label": "All village officials covered",
                "passed": True,
                "detail": "1 of 1 covered",
                "blocking": [],
            }
        ],
    }
    assert [(row["post"], row["category"]) for row in data["roster"]] == [
        ("KEPALA_DESA", "PERANGKAT"),
        ("PENGURUS_LKD", "LKD"),
    ]
    assert_adds_up(data)


def test_village_without_posts_has_null_percentages_and_a_fact_blocking(district, api):
    data = get(api, "33.02.03.2002").json()
    assert data["totals"] == {**NO_POSTS, "people": 0, **CALM, **NOT_ENROLLED, "villages": 1}
    assert data["by_category"] == [{"category": c, **NO_POSTS, **CALM} for c in CATEGORIES]
    assert data["roster"] == []
    assert data["desa_sadar"]["criteria"] == [
        {
            "key": "perangkat_covered",
            "label": "All village officials covered",
            "passed": False,
            "detail": "no posts recorded",
            "blocking": [{"reason": "No posts of this category are recorded"}],
        }
    ]


def test_undotted_code_reads_the_same_area(district, api):
    data = get(api, "3302032003").json()
    assert data["area"]["code"] == KARANGLEWAS
    assert data["totals"]["posts"] == 4
    assert get(api, "3302").json()["area"] == {
        "code": "33.02",
        "name": "Kabupaten Banyumas",
        "level": "regency",
    }


def test_an_area_without_any_post_has_null_percentages(db, api):
    data = get(api, "36").json()
    villages = Village.objects.filter(code__startswith="36.").count()
    assert data["totals"] == {**NO_POSTS, "people": 0, **CALM, **NOT_ENROLLED, "villages": villages}
    assert data["by_category"] == [{"category": c, **NO_POSTS, **CALM} for c in CATEGORIES]
    assert all(row["coverage_pct"] is None for row in data["children"])
    assert data["desa_sadar_candidates"] == []
    assert data["desa_sadar_candidates_total"] == 0
    assert data["forecast"] == NO_FORECAST


# --- as_of -----------------------------------------------------------------------------


def test_as_of_after_everyones_paid_until_leaves_nobody_covered(district, api):
    data = get(api, "33.02.03", as_of="2027-01-01").json()
    assert data["as_of"] == "2027-01-01"
    # Everyone's minimum has ended, within the last 3 months: in arrears, except the
    # Sekretaris Desa, who never held JKM.
    assert data["totals"] == {
        "posts": 6,
        "covered": 0,
        "coverage_pct": 0.0,
        "people": 5,
        "lapsing_soon": 0,
        "in_arrears": 5,
        "ended": 0,
        # A past or future day's figures come from the summary: nobody covered, no village
        # enrolled.
        "villages": 11,
        **NOT_ENROLLED,
    }
    assert data["desa_sadar_candidates"] == []
    village = get(api, KARANGLEWAS, as_of="2027-01-01").json()
    assert [row["covered"] for row in village["roster"]] == [False] * 4
    assert village["roster"][0]["programs"]["JKK"] == "in_arrears"


def test_as_of_before_an_enrolment_does_not_count_it(district, api):
    # Every membership of the fixture was enrolled on 2024-01-01; the Kaur whose term ended
    # in 2025 still held his post then.
    data = get(api, "33.02.03", as_of="2023-12-31").json()
    assert data["totals"] == {
        "posts": 7,
        "covered": 0,
        "coverage_pct": 0.0,
        "people": 6,
        "lapsing_soon": 0,
        "in_arrears": 0,
        "ended": 0,
        "villages": 11,
        **NOT_ENROLLED,
    }


def test_as_of_defaults_to_today_in_jakarta(district, api):
    response = api.get(url("33.02.03"))
    assert response.status_code == 200
    assert response.json()["as_of"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    "value", ["22-11-2026", "2026-02-30", "2026-1-5", "20261122", "", "kemarin"]
)
def test_invalid_as_of_is_a_400_saying_the_format(district, api, value):
    response = api.get(url("33.02.03"), {"as_of": value})
    assert response.status_code == 400
    assert response.json() == {"as_of": ["Use YYYY-MM-DD, e.g. 2026-11-22."]}


def test_as_of_out_of_range_is_a_400(district, api):
    response = api.get(url(KARANGLEWAS), {"as_of": "9999-12-31"})
    assert response.status_code == 400
    assert response.json() == {"as_of": ["Use a date from 1900-01-01 to 2999-12-31."]}


# --- Desa Sadar candidates -------------------------------------------------------------


def test_country_and_province_cut_the_candidates_to_100_by_code(district, api):
    codes = list(
        Village.objects.filter(code__startswith="33.02.")
        .exclude(district_id="33.02.03")
        .order_by("code")
        .values_list("code", flat=True)[:101]
    )
    for code in codes:
        covered(PostFactory(code="KEPALA_DESA", village_id=code).person)
    expected = sorted([*codes, GUNUNGWETAN])
    for code in (None, "33"):
        data = get(api, code).json()
        assert data["desa_sadar_candidates_total"] == 102
        assert [c["code"] for c in data["desa_sadar_candidates"]] == expected[:100]
    regency = get(api, "33.02").json()
    assert [c["code"] for c in regency["desa_sadar_candidates"]] == expected
    assert "desa_sadar_candidates_total" not in regency
    assert sum(row["desa_sadar_candidates"] for row in regency["children"]) == 102


# --- NIK masking -----------------------------------------------------------------------


def test_superuser_sees_full_nik(district):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    roster = get(_client(root), KARANGLEWAS).json()["roster"]
    assert roster[0]["nik"] == district["kades"].person.nik


def test_staff_with_the_full_nik_permission_sees_full_nik(district, staff):
    staff.user_permissions.add(Permission.objects.get(codename="view_full_nik"))
    roster = get(_client(staff), KARANGLEWAS).json()["roster"]
    assert [row["nik"] for row in roster] == [
        district[key].person.nik for key in ("kades", "sekdes", "kaur", "bpd")
    ]


def test_plain_staff_sees_masked_nik(district, api):
    nik = district["kades"].person.nik
    roster = get(api, KARANGLEWAS).json()["roster"]
    assert roster[0]["nik"] == f"{nik[:6]}******{nik[12:]}"
    assert all(row["nik"][6:12] == "******" for row in roster)


# --- Authentication and permissions ----------------------------------------------------


def test_token_of_a_staff_user_authenticates(district, staff):
    token = Token.objects.create(user=staff)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = get(client, "33.02.03")
    assert response.status_code == 200
    assert response.json()["totals"]["posts"] == 6


def test_bad_token_is_a_401(district):
    client = APIClient(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = get(client, "33.02.03")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_of_a_staff_user_authenticates(district, api):
    assert get(api).status_code == 200


@pytest.mark.parametrize("code", [None, "33", KARANGLEWAS])
def test_anonymous_is_a_401_asking_for_a_token(district, code):
    response = get(APIClient(), code)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "totals" not in response.json()


def test_logged_in_user_who_is_not_staff_is_a_403(district):
    user = UserFactory(username="warga")
    assert get(_client(user), "33.02.03").status_code == 403
    token = Token.objects.create(user=user)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = get(client, KARANGLEWAS)
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("code", ["99", "33.99", "33.02.03.9999", "abc", "33.2", "3302039999"])
def test_unknown_code_is_a_json_404(district, api, code):
    response = get(api, code)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"No area has the code {code}."}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("code", [None, "33.02.03"])
def test_writes_are_a_405(district, api, method, code):
    response = getattr(api, method)(url(code), {}, format="json")
    assert response.status_code == 405


def test_admin_issues_a_token_for_a_staff_user(db, staff):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = _client(root)
    add = reverse("admin:authtoken_tokenproxy_add")
    assert client.get(add).status_code == 200
    response = client.post(add, {"user": staff.pk})
    assert response.status_code == 302
    token = Token.objects.get(user=staff)
    assert get(APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")).status_code == 200


# --- Queries ---------------------------------------------------------------------------


def _villages_with_posts(count: int) -> None:
    """A covered Kepala Desa and an uncovered Kaur in the first `count` villages of Banyumas."""
    codes = Village.objects.filter(code__startswith="33.02.").order_by("code")[:count]
    for code in codes.values_list("code", flat=True):
        covered(PostFactory(code="KEPALA_DESA", village_id=code).person)
        PostFactory(code="KAUR", village_id=code)


# Token, the user's role, rule sets (2), the day kept, the figures per child with the Desa
# Sadar counts, children, listed villages and their declarations, people, regency target;
# from the figures of the day, the forecast's villages too (summed from the summary, they
# come with the villages evaluated).
REGENCY_QUERIES = {"summary": 11, "day": 12}


@pytest.mark.parametrize("source", ["summary", "day"])
@pytest.mark.parametrize("villages", [5, 50])
def test_regency_query_count_does_not_grow_with_villages(
    db, staff, villages, source, django_assert_num_queries
):
    """The same number of queries, summed from the summary or read from the figures of the
    day (rolled before the rosters are written: the triggers keep them)."""
    day = dt.date.fromisoformat(AS_OF)
    if source == "day":
        roll_day(day)
    _villages_with_posts(villages)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")
    with django_assert_num_queries(REGENCY_QUERIES[source]):
        response = get(client, "33.02")
    assert response.status_code == 200
    assert day_in_store() == (day if source == "day" else None)
    assert response.json()["totals"]["posts"] == 2 * villages
    assert response.json()["totals"]["covered"] == villages


# --- Schema ----------------------------------------------------------------------------


def test_schema_documents_both_endpoints_and_is_valid_openapi(api):
    response = api.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert {"/api/v1/coverage/", "/api/v1/coverage/{code}/"} <= set(schema["paths"])
    country = schema["paths"]["/api/v1/coverage/"]["get"]
    assert [p["name"] for p in country["parameters"]] == ["as_of"]
    area = schema["paths"]["/api/v1/coverage/{code}/"]["get"]
    assert {p["name"] for p in area["parameters"]} == {"as_of", "code"}
    assert set(area["responses"]) >= {"200", "400", "401", "403", "404"}
    components = schema["components"]["schemas"]
    assert set(components["AreaCoverage"]["properties"]) == AREA_KEYS | {
        "desa_sadar_candidates_total"
    }
    assert set(components["VillageCoverage"]["properties"]) == VILLAGE_KEYS
    assert set(components["Child"]["properties"]) == CHILD_KEYS
    assert set(components["Totals"]["properties"]) == set(totals_with(11))
    assert set(components["Category"]["properties"]) == set(DISTRICT_CATEGORIES[0])
    assert set(components["Forecast"]["properties"]) == set(NO_FORECAST)
    assert set(components["Forecast"]["required"]) == set(NO_FORECAST)
    assert set(components["ForecastGroup"]["properties"]) == {"count", "villages"}
    assert set(components["RosterRow"]["properties"]) == {
        "post",
        "category",
        "unit",
        "name",
        "nik",
        "programs",
        "paid_until",
        "covered",
    }
    assert components["Totals"]["properties"]["coverage_pct"]["nullable"] is True


@pytest.mark.django_db
def test_schema_is_not_served_to_anonymous_users(client):
    assert client.get(reverse("api:schema")).status_code == 401
