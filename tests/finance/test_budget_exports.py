"""The budget planner's downloads (/anggaran/<code>/ekspor.csv, .xlsx; finance.budget_exports):
exact rows against the hand calculation of test_budget, totals equal to the rows summed,
plain integers in CSV, rupiah cells in XLSX, and the page's scoping.

Karanglewas (33.02.03.2003) today, at the default choices (BPU, Rp 1.000.000, the default
rule set's JKK + JKM, APBDes): A, the Kepala Desa, covered (JKK + JKM, APBDes); B, a Kasi,
uncovered. JKK 10.000 + JKM 6.800 = 16.800 a person a month. Full strength adds the
Sekretaris Desa and the Ketua BPD. Gunungwetan (33.02.03.2001): C, Kepala Desa, JKK by APBD.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from finance.budget_exports import RUPIAH_FORMAT
from tests.factories import MembershipFactory, PersonFactory, PostFactory
from villages.models import AccessLog, District, Regency, Village

KARANGLEWAS, GUNUNGWETAN = "33.02.03.2003", "33.02.03.2001"
DISTRICT, REGENCY, PROVINCE = "33.02.03", "33.02", "33"


def _post(village, code, memberships=()):
    person = PersonFactory()
    PostFactory(person=person, village_id=village, code=code)
    until = timezone.localdate() + dt.timedelta(days=30)
    for program, source in memberships:
        MembershipFactory(
            person=person, program_id=program, funding_source=source, paid_until=until
        )


@pytest.fixture(autouse=True)
def direct(settings):
    """Direct downloads, even of Jawa Tengah's 8,563 villages (its job: test_budget_jobs)."""
    settings.EXPORT_JOB_MIN_VILLAGES = 100_000


@pytest.fixture
def villages(db):
    _post(KARANGLEWAS, "KEPALA_DESA", [("JKK", "APBDES"), ("JKM", "APBDES")])
    _post(KARANGLEWAS, "KASI")
    _post(GUNUNGWETAN, "KEPALA_DESA", [("JKK", "APBD")])


def _client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content)).active


COST_HEADERS = [
    f"{cost}, {per}"
    for per in ("a month", "a year")
    for cost in (
        "Minimum, filled posts",
        "Minimum, full strength",
        "Chosen, filled posts",
        "Chosen, full strength",
        "Paid now",
    )
]


def _year(month: list[int]) -> list[int]:
    return [12 * m for m in month]


# --- A village ------------------------------------------------------------------------------


def test_the_village_csv_rows_by_program_and_payer(villages, users):
    response = _client(users["village_secretary"]).get(f"/anggaran/{KARANGLEWAS}/ekspor.csv")
    assert response.status_code == 200
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="anggaran-{KARANGLEWAS}-{today:%Y-%m-%d}.csv"'
    )
    rows = _csv(response)
    assert rows[0] == ["Section", "Item", *COST_HEADERS]
    # Minimum filled: 2 persons; full: + 2 vacant single posts; chosen = minimum; now: A.
    jkk = [20_000, 40_000, 20_000, 40_000, 10_000]
    jkm = [13_600, 27_200, 13_600, 27_200, 6_800]
    # A pays from APBDes, B and the vacant posts by the default payer, APBDes too.
    apbdes = [33_600, 67_200, 33_600, 67_200, 16_800]
    zero = [0] * 5
    expected = [
        ["Program", "JKK", *jkk, *_year(jkk)],
        ["Program", "JKM", *jkm, *_year(jkm)],
        ["Program", "JHT", *zero, *zero],
        ["Program", "JP", *zero, *zero],
        ["Paid by", "Village budget (APBDes)", *apbdes, *_year(apbdes)],
        ["Paid by", "Regency budget (APBD)", *zero, *zero],
        ["Paid by", "Self-paid (mandiri)", *zero, *zero],
        ["Paid by", "Other (e.g. CSR)", *zero, *zero],
        ["Total", "", *apbdes, *_year(apbdes)],
    ]
    assert rows[1:] == [[str(cell) for cell in row] for row in expected]
    # The total is the programs' rows summed, and the payers' rows summed.
    numbers = [[int(cell) for cell in row[2:]] for row in rows[1:]]
    assert numbers[8] == [sum(column) for column in zip(*numbers[:4], strict=True)]
    assert numbers[8] == [sum(column) for column in zip(*numbers[4:8], strict=True)]


def test_the_village_xlsx_has_rupiah_cells(villages, users):
    query = "?scheme=PU&risk_class=3&income=2345678&programs=JKK&programs=JHT&payer=LAINNYA"
    response = _client(users["manager"]).get(f"/anggaran/{KARANGLEWAS}/ekspor.xlsx{query}")
    assert response.status_code == 200
    sheet = _xlsx(response)
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Section", "Item", *COST_HEADERS]
    # PU class 3 on Rp 2.345.678: JKK 20.877, JKM 7.037, JHT 133.704 a person (test_budget).
    # Chosen JKK + JHT: 154.581 a person; B pays by the chosen payer (LAINNYA).
    assert rows[1][2:7] == [41_754, 83_508, 41_754, 83_508, 20_877]
    assert rows[3][2:7] == [0, 0, 267_408, 534_816, 0]
    assert rows[9][:7] == ["Total", None, 55_828, 111_656, 309_162, 618_324, 27_914]
    assert rows[9][7:] == [12 * v for v in rows[9][2:7]]
    for row in sheet.iter_rows(min_row=2):
        assert [cell.number_format for cell in row[2:]] == [RUPIAH_FORMAT] * 10
    assert RUPIAH_FORMAT == "[$Rp-421] #,##0"
    assert [cell.font.b for cell in sheet[1]] == [True] * 12
    assert sheet.freeze_panes == "A2"


# --- A district, a regency, a province -------------------------------------------------------


def test_the_district_csv_one_row_per_village_and_the_total(villages, users):
    response = _client(users["manager"]).get(f"/anggaran/{DISTRICT}/ekspor.csv")
    rows = _csv(response)
    assert rows[0][:5] == ["Code", "Village", "Persons", "Vacant single posts", "Minimum programs"]
    assert rows[0][5:15] == COST_HEADERS
    assert rows[0][15:] == [
        "Chosen, filled posts, a year, paid by Village budget (APBDes)",
        "Chosen, filled posts, a year, paid by Regency budget (APBD)",
        "Chosen, filled posts, a year, paid by Self-paid (mandiri)",
        "Chosen, filled posts, a year, paid by Other (e.g. CSR)",
    ]
    codes = list(
        Village.objects.filter(code__startswith=f"{DISTRICT}.").values_list("code", flat=True)
    )
    assert [row[0] for row in rows[1:-1]] == sorted(codes)
    by_code = {row[0]: row for row in rows[1:-1]}
    karanglewas = ["2", "2", "JKK + JKM", "33600", "67200", "33600", "67200", "16800"]
    karanglewas += ["403200", "806400", "403200", "806400", "201600", "403200", "0", "0", "0"]
    assert by_code[KARANGLEWAS] == [KARANGLEWAS, "Karanglewas", *karanglewas]
    # C: JKK + JKM, 16.800, all by APBD (JKM takes JKK's source); 2 vacant posts by APBDes.
    gunungwetan = ["1", "2", "JKK + JKM", "16800", "50400", "16800", "50400", "10000"]
    gunungwetan += ["201600", "604800", "201600", "604800", "120000", "0", "201600", "0", "0"]
    assert by_code[GUNUNGWETAN][2:] == gunungwetan
    empty = next(row for code, row in by_code.items() if code not in (KARANGLEWAS, GUNUNGWETAN))
    assert empty[2:8] == ["0", "3", "JKK + JKM", "0", "50400", "0"]
    # The total row: the rows summed, in every number column.
    total = rows[-1]
    assert total[:2] == ["", "Total"] and total[4] == ""
    numbers = [[int(v) for i, v in enumerate(row) if i >= 2 and i != 4] for row in rows[1:-1]]
    assert [int(v) for i, v in enumerate(total) if i >= 2 and i != 4] == [
        sum(column) for column in zip(*numbers, strict=True)
    ]
    # Two single posts held (the two Kepala Desa): every other one vacant.
    assert total[2:4] == ["3", str(3 * len(codes) - 2)]
    assert total[5] == "50400"


def test_the_regency_and_province_exports_name_district_and_regency(villages, users):
    client = _client(users["head_office"])
    rows = _csv(client.get(f"/anggaran/{REGENCY}/ekspor.csv"))
    assert rows[0][:4] == ["Code", "Village", "District", "Persons"]
    by_code = {row[0]: row for row in rows[1:-1]}
    district = District.objects.get(code=DISTRICT).name
    assert by_code[KARANGLEWAS][:4] == [KARANGLEWAS, "Karanglewas", district, "2"]
    assert len(by_code) == Village.objects.filter(code__startswith=f"{REGENCY}.").count()
    assert rows[-1][:5] == ["", "Total", "", "3", str(3 * len(by_code) - 2)]

    sheet = _xlsx(client.get(f"/anggaran/{PROVINCE}/ekspor.xlsx?payer=MANDIRI"))
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:6] == [
        "Code",
        "Village",
        "District",
        "Regency / city",
        "Persons",
        "Vacant single posts",
    ]
    villages = Village.objects.filter(code__startswith=f"{PROVINCE}.").count()
    assert len(rows) == 1 + villages + 1
    by_code = {row[0]: row for row in rows[1:-1]}
    regency = Regency.objects.get(code=REGENCY).name
    assert by_code[KARANGLEWAS][:5] == [KARANGLEWAS, "Karanglewas", district, regency, 2]
    # B's and the vacant posts' payer is the chosen one (MANDIRI): 16.800 × 12 for B.
    assert by_code[KARANGLEWAS][-4:] == [201_600, 0, 201_600, 0]
    total = rows[-1]
    assert total[:4] == [None, "Total", None, None]
    assert total[4:6] == [3, 3 * villages - 2]
    assert total[7:] == [sum(row[i] for row in rows[1:-1]) for i in range(7, len(total))]
    # The minimum at full strength, a month: 3 persons and every vacant post, 16.800 each.
    assert total[8] == 16_800 * (3 + 3 * villages - 2)
    last = list(sheet.iter_rows(min_row=sheet.max_row))[0]
    assert [c.number_format for c in last[7:]] == [RUPIAH_FORMAT] * 14
    assert [c.number_format for c in last[4:6]] == ["#,##0", "#,##0"]
    assert last[1].font.b and last[4].font.b


def test_an_export_is_logged(villages, users):
    _client(users["manager"]).get(f"/anggaran/{DISTRICT}/ekspor.xlsx")
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    villages = Village.objects.filter(code__startswith=f"{DISTRICT}.").count()
    today = timezone.localdate()
    assert (log.user.username, log.area_code, log.rows) == ("manager", DISTRICT, villages)
    assert log.what == f"anggaran-{DISTRICT}-{today:%Y-%m-%d}.xlsx"


def test_the_page_links_its_downloads_with_its_choices(villages, users):
    html = _client(users["manager"]).get(f"/anggaran/{REGENCY}/?scheme=PU&risk_class=2")
    html = html.content.decode()
    assert f'href="/anggaran/{REGENCY}/ekspor.csv?scheme=PU&amp;risk_class=2"' in html
    assert f'href="/anggaran/{REGENCY}/ekspor.xlsx?scheme=PU&amp;risk_class=2"' in html


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code", "status"),
    [
        ("village_secretary", KARANGLEWAS, 200),
        ("village_secretary", GUNUNGWETAN, 404),
        ("village_secretary", DISTRICT, 404),
        ("manager", REGENCY, 200),
        ("manager", "35.23", 404),
        ("manager", "35.23.08.2016", 404),
        ("manager", PROVINCE, 404),
        ("province_manager", PROVINCE, 200),
        ("province_manager", "35", 404),
        ("head_office", "35", 200),
        ("head_office", "99.99", 404),
    ],
)
def test_scoping(villages, users, role, code, status):
    for fmt in ("csv", "xlsx"):
        assert _client(users[role]).get(f"/anggaran/{code}/ekspor.{fmt}").status_code == status


def test_anonymous_goes_to_the_login_and_post_is_not_allowed(villages, users):
    response = _client().get(f"/anggaran/{KARANGLEWAS}/ekspor.csv")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert _client(users["no_role"]).get(f"/anggaran/{KARANGLEWAS}/ekspor.csv").status_code == 403
    client = _client(users["manager"])
    for code in (KARANGLEWAS, DISTRICT, REGENCY):
        assert client.post(f"/anggaran/{code}/ekspor.csv").status_code == 405
    assert _client(users["province_manager"]).post("/anggaran/33/ekspor.xlsx").status_code == 405
    assert client.get(f"/anggaran/{REGENCY}/ekspor.pdf").status_code == 404


def test_bad_choices_are_a_400_and_undotted_codes_redirect(villages, users):
    client = _client(users["manager"])
    response = client.get(f"/anggaran/{REGENCY}/ekspor.csv?risk_class=9")
    assert response.status_code == 400
    assert "Risk class (PU JKK)" in response.content.decode()
    response = client.get("/anggaran/3302/ekspor.csv?scheme=PU")
    assert response.status_code == 302
    assert response["Location"] == f"/anggaran/{REGENCY}/ekspor.csv?scheme=PU"


def _counted(sql: str) -> bool:
    return not sql.startswith(('UPDATE "django_session"', "SAVEPOINT", "RELEASE SAVEPOINT"))


def test_the_queries_do_not_grow_with_the_villages(villages, users):
    client = _client(users["head_office"])
    urls = [
        f"/anggaran/{code}/ekspor.{fmt}" for code in (PROVINCE, REGENCY) for fmt in ("csv", "xlsx")
    ]

    def counts() -> list[int]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            # Not the session's save (its last-seen time, once a minute: a slow run).
            found.append(sum(_counted(q["sql"]) for q in queries.captured_queries))
        return found

    before = counts()
    for village in Village.objects.filter(code__startswith="33.02.01").order_by("code")[:15]:
        _post(village.code, "KETUA_BPD", [("JKM", "LAINNYA")])
    assert counts() == before
    # Session, user, role, area; the villages counted (a job above the threshold); rates,
    # rule sets, villages, single posts held, holders; names of districts (and regencies);
    # the access log.
    assert before == [13, 13, 12, 12]
