"""The card "Contributions and claims" on the regency and province dashboards: exact figures
in the table, the chart's bars, short money, one query whatever the rows; and the filter."""

import re

import pytest
from django.test import Client
from django.utils import translation

from finance.models import FinanceRecord
from finance.templatetags.money import rupiah_short

NBSP = "\u00a0"


def _row(code, year, contributions, claims, program="SEMUA"):
    FinanceRecord.objects.create(
        area_code=code,
        year=year,
        group="PEKERJA_RENTAN",
        program=program,
        contributions=contributions,
        claims=claims,
    )


@pytest.fixture
def banyumas(db):
    _row("33.02", 2022, 500_000_000, 1_500_000_000)
    _row("33.02", 2023, 500_000_000, 2_500_000_000)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _table(html: str) -> list[list[str]]:
    """The card's table, row by row, each cell's text."""
    start = html.index('<table class="data" id="finance-table">')
    table = html[start : html.index("</table>", start)]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [
        [cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


def test_the_regency_card_shows_the_figures(banyumas, users):
    html = _client(users["manager"]).get("/wilayah/33.02/").content.decode()
    assert _table(html) == [
        [
            "2022",
            "Vulnerable workers",
            f"Rp{NBSP}500{NBSP}million",
            f"Rp{NBSP}1.5{NBSP}billion",
            f"300.00{NBSP}%",
        ],
        [
            "2023",
            "Vulnerable workers",
            f"Rp{NBSP}500{NBSP}million",
            f"Rp{NBSP}2.5{NBSP}billion",
            f"500.00{NBSP}%",
        ],
    ]
    # The chart: claims of 2023 are the tallest bar (160), 2022's 96, contributions 32.
    assert 'y="24" width="32" height="160"' in html
    assert 'y="88" width="32" height="96"' in html
    assert html.count('width="32" height="32"') == 2


def test_the_province_card_sums_its_regencies(banyumas, users):
    _row("33.01", 2023, 100_000_000, 0)
    html = _client(users["province_manager"]).get("/wilayah/33/").content.decode()
    assert _table(html)[1][2] == f"Rp{NBSP}600{NBSP}million"


def test_no_card_on_a_district_and_an_empty_card_without_figures(db, users):
    client = _client(users["manager"])
    assert "finance-heading" not in client.get("/wilayah/33.02.03/").content.decode()
    html = client.get("/wilayah/33.02/").content.decode()
    assert "No contributions and claims have been imported for this area yet." in html


def test_the_card_costs_one_query_whatever_the_rows(
    banyumas, users, django_assert_num_queries, django_assert_max_num_queries
):
    from finance.selectors import finance_by_year
    from villages.selectors import area_get

    area = area_get(code="33")
    with django_assert_num_queries(1):
        finance_by_year(area=area)
    client = _client(users["province_manager"])
    client.get("/wilayah/33/")
    counts = []
    for extra in range(2):
        for year in range(2015, 2022):
            _row(f"33.{extra + 3:02d}", year, 10 * year, year, program="JKK")
        with django_assert_max_num_queries(40) as queries:
            assert client.get("/wilayah/33/").status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (16_800, "Rp 16.800"),
        (999_999, "Rp 999.999"),
        (1_000_000, "Rp 1 juta"),
        (500_000_000, "Rp 500 juta"),
        (1_500_000_000, "Rp 1,5 miliar"),
        (2_500_000_000, "Rp 2,5 miliar"),
        (2_549_000_000, "Rp 2,5 miliar"),
        (2_550_000_000, "Rp 2,6 miliar"),
        (1_234_000_000_000, "Rp 1,2 triliun"),
        (0, "Rp 0"),
        (None, "—"),
        ("x", "—"),
    ],
)
def test_short_money_in_indonesian(value, shown):
    with translation.override("id"):
        assert rupiah_short(value).replace(NBSP, " ") == shown


def test_the_card_in_indonesian(banyumas, users):
    client = Client(HTTP_ACCEPT_LANGUAGE="id")
    client.force_login(users["manager"])
    html = client.get("/wilayah/33.02/").content.decode()
    assert '<h2 id="finance-heading">Iuran dan klaim</h2>' in html
    assert _table(html)[1] == [
        "2023",
        "Pekerja rentan",
        f"Rp{NBSP}500{NBSP}juta",
        f"Rp{NBSP}2,5{NBSP}miliar",
        f"500,00{NBSP}%",
    ]
