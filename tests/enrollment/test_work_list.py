"""The work list (`/daftar-kerja/`): who to call about their coverage across a user's scope, by
village, its filters and pages, masking and logging, and its export as a call list.

Data, as of 22/11/2026 (lapsing: paid through at most 22/12/2026; in arrears: ended on or
after 22/08/2026), on top of the small district of tests/enrollment/conftest.py:
- Karanglewas: Sutrisno, Kaur Keuangan, JKK+JKM paid to 10/12/2026: lapsing. Romini, Anggota
  BPD, paid to 31/10/2026: in arrears. The Kepala Desa (paid to 31/12/2026) is covered
  beyond the window; the Sekretaris Desa has JKK only: never covered, not listed.
- Gunungwetan: Paijo, Kepala Dusun and Linmas, JKK to 15/12/2026 and JKM to 31/12/2027:
  lapsing (one row, both posts, JKK missing). Tukiyem, Ketua RT, paid to 31/01/2026: ended.
- Karanglo (Tuban): Warsito, Kaur, lapsing: outside Banyumas.
"""

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from enrollment.models import RuleSet
from tests.factories import BranchOfficeFactory, PersonFactory, PostFactory, UserFactory, covered
from villages.models import AccessLog, Person, Regency
from villages.roles import user_role_set

Q = {"as_of": "2026-11-22"}
KARANGLEWAS, GUNUNGWETAN, KARANGLO = "33.02.03.2003", "33.02.03.2001", "35.23.08.2016"
URL = reverse("enrollment:work_list")
CSV = reverse("enrollment:work_list_export", args=["csv"])
XLSX = reverse("enrollment:work_list_export", args=["xlsx"])


@pytest.fixture
def worklist(district):
    Person.objects.filter(pk=district["kaur"].person.pk).update(phone="081234567890")
    paijo = PersonFactory(name="Paijo", phone="085712345678")
    PostFactory(person=paijo, village_id=GUNUNGWETAN, code="KEPALA_DUSUN", unit="Dusun Krajan")
    PostFactory(person=paijo, village_id=GUNUNGWETAN, code="LINMAS")
    covered(paijo, until=dt.date(2026, 12, 15), programs=("JKK",))
    covered(paijo, until=dt.date(2027, 12, 31), programs=("JKM",))
    tukiyem = PersonFactory(name="Tukiyem", sex="P")
    PostFactory(person=tukiyem, village_id=GUNUNGWETAN, code="KETUA_RT", unit="RT 001 / RW 001")
    covered(tukiyem, until=dt.date(2026, 1, 31))
    warsito = PersonFactory(name="Warsito", district_code="35.23.08", phone="081311112222")
    PostFactory(person=warsito, village_id=KARANGLO, code="KAUR")
    covered(warsito, until=dt.date(2026, 12, 1))
    return district


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def head_office(db):
    return _client(user_role_set(username="pusat", kind="head_office").user)


@pytest.fixture
def staff(db):
    """Branch staff of KC Purwokerto (Banyumas): full NIKs and phones."""
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    return _client(
        user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
    )


@pytest.fixture
def manager(db):
    return _client(user_role_set(username="manajer", kind="manager", area_codes=["33.02"]).user)


@pytest.fixture
def secretary(db):
    return _client(
        user_role_set(username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS]).user
    )


def _rows(client, **params) -> list[tuple]:
    response = client.get(URL, {**Q, **params})
    assert response.status_code == 200
    return [
        (r.village_code, r.name, r.posts, r.state, r.until, r.programs)
        for r in response.context["rows"]
    ]


SUTRISNO = (
    KARANGLEWAS,
    "Sutrisno",
    ("Head of affairs (Kepala Urusan) (Keuangan)",),
    "lapsing_soon",
    dt.date(2026, 12, 10),
    ("JKK", "JKM"),
)
ROMINI = (
    KARANGLEWAS,
    "Romini",
    ("BPD member (Anggota BPD)",),
    "in_arrears",
    dt.date(2026, 10, 31),
    ("JKK", "JKM"),
)
PAIJO = (
    GUNUNGWETAN,
    "Paijo",
    ("Hamlet head (Kepala Dusun) (Dusun Krajan)", "Civil defence guard (Satlinmas)"),
    "lapsing_soon",
    dt.date(2026, 12, 15),
    ("JKK",),
)
TUKIYEM = (
    GUNUNGWETAN,
    "Tukiyem",
    ("RT head (Ketua RT) (RT 001 / RW 001)",),
    "ended",
    dt.date(2026, 1, 31),
    ("JKK", "JKM"),
)
WARSITO = (
    KARANGLO,
    "Warsito",
    ("Head of affairs (Kepala Urusan)",),
    "lapsing_soon",
    dt.date(2026, 12, 1),
    ("JKK", "JKM"),
)


# --- Who is on it --------------------------------------------------------------------------


def test_head_office_picks_a_regency_and_sees_it_by_village_then_date(head_office, worklist):
    response = head_office.get(URL, Q)
    assert (response.context["filters"].must_choose, response.context["rows"]) == (True, [])
    assert "Choose an area" in response.content.decode()
    assert _rows(head_office, regency="33.02") == [TUKIYEM, PAIJO, ROMINI, SUTRISNO]
    assert _rows(head_office, regency="35.23") == [WARSITO]
    assert _rows(head_office, village=KARANGLO) == [WARSITO]


def test_branch_staff_see_their_regency_only(staff, worklist):
    assert _rows(staff) == [TUKIYEM, PAIJO, ROMINI, SUTRISNO]


def test_a_secretarys_list_is_their_village(secretary, worklist):
    assert _rows(secretary) == [ROMINI, SUTRISNO]


@pytest.mark.parametrize(
    "state,expected",
    [
        ("lapsing_soon", [PAIJO, SUTRISNO]),
        ("in_arrears", [ROMINI]),
        ("ended", [TUKIYEM]),
        ("", [TUKIYEM, PAIJO, ROMINI, SUTRISNO]),
    ],
)
def test_it_filters_by_state(staff, worklist, state, expected):
    assert _rows(staff, state=state) == expected


def test_it_filters_by_district_and_village(staff, worklist):
    assert _rows(staff, district="33.02.03") == [TUKIYEM, PAIJO, ROMINI, SUTRISNO]
    assert _rows(staff, district="33.02.01") == []
    assert _rows(staff, village=KARANGLEWAS) == [ROMINI, SUTRISNO]
    assert _rows(staff, district="33.02.03", village=GUNUNGWETAN) == [TUKIYEM, PAIJO]
    # A village outside the district chosen (the district was just changed): the district.
    assert _rows(staff, district="33.02.01", village=KARANGLEWAS) == []
    assert _rows(staff, regency="33.02", district="33.02.03") == [TUKIYEM, PAIJO, ROMINI, SUTRISNO]


def test_a_lower_level_outside_the_level_above_is_dropped(head_office, worklist):
    # Head office changed the regency to Tuban: Banyumas's district and village are dropped.
    response = head_office.get(
        URL, {**Q, "regency": "35.23", "district": "33.02.03", "village": KARANGLEWAS}
    )
    assert response.context["filters"].chosen == {"regency": "35.23"}
    assert [row.name for row in response.context["rows"]] == ["Warsito"]


def test_the_day_moves_the_window(staff, worklist):
    # As of 01/12/2026 Romini (31/10) is still in arrears; the Kepala Desa (31/12) lapses.
    rows = _rows(staff, as_of="2026-12-01", village=KARANGLEWAS)
    assert [(name, state) for _v, name, _p, state, _u, _m in rows] == [
        ("Romini", "in_arrears"),
        ("Sutrisno", "lapsing_soon"),
        ("Sugeng Riyadi", "lapsing_soon"),
    ]


def test_a_regency_rule_set_with_more_programs_decides_the_date(staff, worklist):
    # Banyumas asks for JHT too: Sugeng Riyadi has none (never covered), the others neither.
    rules = RuleSet.objects.create(name="Banyumas 2026", year=2026, regency_id="33.02")
    rules.minimum_programs.set(["JKK", "JKM", "JHT"])
    covered(worklist["kaur"].person, until=dt.date(2026, 11, 30), programs=("JHT",))
    assert _rows(staff, village=KARANGLEWAS) == [
        (*SUTRISNO[:4], dt.date(2026, 11, 30), ("JHT", "JKK", "JKM"))
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"district": "35.23.08"},  # Tuban
        {"village": KARANGLO},
        {"district": "33.02.99"},  # no such district
        {"district": KARANGLEWAS},  # a village given as the district
        {"village": "33.02.03"},  # a district given as the village
        {"village": "abc"},
    ],
)
def test_an_area_outside_the_scope_or_unknown_is_a_404(staff, worklist, params):
    assert staff.get(URL, {**Q, **params}).status_code == 404
    assert staff.get(CSV, {**Q, **params}).status_code == 404


def test_a_secretary_cannot_name_their_district(secretary, worklist):
    assert secretary.get(URL, {"district": "33.02.03"}).status_code == 404
    assert secretary.get(URL, {"village": GUNUNGWETAN}).status_code == 404


def test_an_unknown_state_says_so_and_shows_all(staff, worklist):
    response = staff.get(URL, {**Q, "state": "lunas"})
    assert len(response.context["rows"]) == 4
    assert "That choice of what to show could not be used" in response.content.decode()
    assert staff.get(CSV, {**Q, "state": "lunas"}).status_code == 400
    assert staff.get(CSV, {"as_of": "31/02/2026"}).status_code == 400


# --- Identifiers ---------------------------------------------------------------------------


def test_staff_see_full_numbers_and_the_page_is_logged(staff, worklist):
    response = staff.get(URL, {**Q, "village": KARANGLEWAS})
    page = response.content.decode()
    sutrisno = worklist["kaur"].person
    assert '<a href="tel:081234567890">081234567890</a>' in page
    assert sutrisno.nik in page
    assert list(AccessLog.objects.values_list("action", "area_code", "rows", "what")) == [
        ("full_identifiers", KARANGLEWAS, 2, "work list page 1")
    ]


def test_a_manager_sees_them_masked_and_nothing_is_logged(manager, worklist):
    response = manager.get(URL, {**Q, "village": KARANGLEWAS})
    page = response.content.decode()
    sutrisno = worklist["kaur"].person
    assert "********7890" in page and "081234567890" not in page
    assert f"{sutrisno.nik[:6]}******{sutrisno.nik[-4:]}" in page and sutrisno.nik not in page
    assert AccessLog.objects.count() == 0


# --- Export --------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_staff_export_their_call_list_with_phones(staff, worklist):
    response = staff.get(CSV, Q)
    assert response["Content-Disposition"] == (
        'attachment; filename="daftar-telepon-33.02-2026-11-22.csv"'
    )
    kaur, bpd = worklist["kaur"].person, worklist["bpd"].person
    rows = _csv(response)
    assert rows[0] == [
        "Village code",
        "Village",
        "District",
        "Name",
        "Phone",
        "NIK",
        "Post",
        "Status",
        "Paid until",
        "Programs missing",
    ]
    paijo_nik = rows[2][5]
    assert rows[1:] == [
        [GUNUNGWETAN, "Gunung Wetan", "Jatilawang", "Tukiyem", "", rows[1][5]]
        + ["RT head (Ketua RT) (RT 001 / RW 001)", "Ended", "2026-01-31", "JKK, JKM"],
        [GUNUNGWETAN, "Gunung Wetan", "Jatilawang", "Paijo", "085712345678", paijo_nik]
        + [
            "Hamlet head (Kepala Dusun) (Dusun Krajan); Civil defence guard (Satlinmas)",
            "Lapsing within 30 days",
            "2026-12-15",
            "JKK",
        ],
        [KARANGLEWAS, "Karanglewas", "Jatilawang", "Romini", "", bpd.nik]
        + ["BPD member (Anggota BPD)", "In arrears", "2026-10-31", "JKK, JKM"],
        [KARANGLEWAS, "Karanglewas", "Jatilawang", "Sutrisno", "081234567890", kaur.nik]
        + [
            "Head of affairs (Kepala Urusan) (Keuangan)",
            "Lapsing within 30 days",
            "2026-12-10",
            "JKK, JKM",
        ],
    ]
    assert len(paijo_nik) == 16 and "*" not in paijo_nik
    assert list(AccessLog.objects.values_list("action", "area_code", "rows", "what")) == [
        ("export", "33.02", 4, "daftar-telepon-33.02-2026-11-22.csv (full identifiers)")
    ]


def test_the_export_keeps_the_filters_and_masks_for_a_manager(manager, worklist):
    rows = _csv(manager.get(CSV, {**Q, "state": "lapsing_soon", "village": KARANGLEWAS}))
    assert [row[3:6] for row in rows[1:]] == [
        ["Sutrisno", "********7890", "330203******" + worklist["kaur"].person.nik[-4:]]
    ]
    assert list(AccessLog.objects.values_list("area_code", "rows", "what")) == [
        (KARANGLEWAS, 1, f"daftar-telepon-{KARANGLEWAS}-2026-11-22.csv")
    ]


def test_the_xlsx_call_list_has_dates_as_dates(staff, worklist):
    response = staff.get(XLSX, {**Q, "village": KARANGLEWAS})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][3:5] == ["Romini", None]
    assert values[2][4] == "081234567890"
    assert values[2][8] == dt.datetime(2026, 12, 10)
    assert sheet.cell(row=3, column=9).number_format == "DD/MM/YYYY"


def test_the_page_links_to_the_export_with_its_filters(staff, worklist):
    page = staff.get(URL, {**Q, "state": "ended"}).content.decode()
    assert f'href="{CSV}?state=ended&amp;regency=33.02&amp;as_of=2026-11-22"' in page
    assert f'href="{XLSX}?state=ended&amp;regency=33.02&amp;as_of=2026-11-22"' in page


# --- Pages and queries -----------------------------------------------------------------------


def _lapsing_kaurs(count: int, first: int = 0) -> None:
    for index in range(first, first + count):
        post = PostFactory(village_id=KARANGLEWAS, code="KASI", unit=f"Seksi {index:03d}")
        covered(post.person, until=dt.date(2026, 12, 5))


def test_it_pages_50_rows_at_a_time(staff, worklist):
    _lapsing_kaurs(60)
    first = staff.get(URL, Q)
    assert (len(first.context["rows"]), first.context["page"].paginator.count) == (50, 64)
    second = staff.get(URL, {**Q, "page": "2"})
    assert len(second.context["rows"]) == 14
    assert "Page 2 of 2" in second.content.decode()
    assert 'href="?regency=33.02&amp;as_of=2026-11-22&amp;page=1" rel="prev"' in (
        second.content.decode()
    )
    # Out of range or junk: the nearest page, never an error.
    assert staff.get(URL, {**Q, "page": "99"}).context["page"].number == 2
    assert staff.get(URL, {**Q, "page": "x"}).context["page"].number == 1


# Branch staff: the session, the user, the role and its areas (4), the filters' regencies and
# districts (2), the rule sets (1), may they see full NIKs (2), the list (the page: its count
# and its 50 rows; the export: every row), the rows' posts and memberships (2), the access log.
@pytest.mark.parametrize("url", [URL, CSV])
def test_the_query_count_does_not_grow_with_the_list(
    staff, worklist, url, django_assert_num_queries
):
    staff.get(url, Q)  # the session's first save
    counts = []
    for first, count in [(0, 3), (3, 70)]:
        _lapsing_kaurs(count, first)
        with django_assert_num_queries(15 if url == URL else 14) as queries:
            assert staff.get(url, Q).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, CSV, XLSX])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


@pytest.mark.parametrize("url", [URL, CSV, XLSX])
def test_users_without_a_role_are_refused(client, db, url):
    client.force_login(UserFactory(username="warga"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [URL, CSV, XLSX])
def test_it_refuses_post(staff, url):
    assert staff.post(url).status_code == 405


def _choices(client, **params) -> tuple:
    filters = client.get(URL, {**Q, **params}).context["filters"]
    return (
        [r["code"] for r in filters.regencies],
        len(filters.districts),
        len(filters.villages),
        filters.chosen,
        filters.area.code if filters.area else None,
        filters.must_choose,
    )


def test_the_filters_offer_each_level_within_the_scope(staff, head_office, secretary, worklist):
    # Branch staff of one regency have it chosen; a district offers its villages.
    assert _choices(staff) == (["33.02"], 27, 0, {"regency": "33.02"}, "33.02", False)
    assert _choices(staff, district="33.02.03") == (
        ["33.02"],
        27,
        11,
        {"regency": "33.02", "district": "33.02.03"},
        "33.02.03",
        False,
    )
    # A link to a village names its district and regency too.
    assert _choices(staff, village=KARANGLEWAS)[2:5] == (
        11,
        {"regency": "33.02", "district": "33.02.03", "village": KARANGLEWAS},
        KARANGLEWAS,
    )
    # Head office chooses among every regency (the test database holds three provinces).
    regencies, districts, villages, chosen, area, must = _choices(head_office)
    assert (len(regencies), districts, villages, chosen, area, must) == (81, 0, 0, {}, None, True)
    # A secretary has nothing to choose: their village is their list.
    assert _choices(secretary) == ([], 0, 0, {}, None, False)


def test_a_camat_has_their_district_chosen(worklist):
    camat = _client(user_role_set(username="camat", kind="manager", area_codes=["33.02.03"]).user)
    assert _choices(camat) == ([], 1, 11, {"district": "33.02.03"}, "33.02.03", False)
    assert [row[1] for row in _rows(camat)] == ["Tukiyem", "Paijo", "Romini", "Sutrisno"]


def test_a_wide_scope_exports_only_once_an_area_is_chosen(head_office, worklist):
    response = head_office.get(CSV, Q)
    assert response.status_code == 400
    assert response.content.decode() == "Choose a regency, a district or a village first."
    assert len(_csv(head_office.get(CSV, {**Q, "regency": "35.23"}))) == 2
