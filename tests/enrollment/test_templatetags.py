"""Template filters and tags of the coverage pages: numbers the Indonesian way, labels, links."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from enrollment.templatetags.coverage import (
    category_label,
    level_label,
    percent,
    post_label,
    roster_status_label,
    rupiah,
    state_label,
    village_kind_label,
)

NBSP = "\u00a0"


def render(source: str, **context) -> str:
    return Template("{% load coverage %}" + source).render(Context(context))


@pytest.mark.parametrize(
    "value,expected",
    [
        (18.94, f"18,94{NBSP}%"),
        (100.0, f"100,00{NBSP}%"),
        (0, f"0,00{NBSP}%"),
        (Decimal("40.00"), f"40,00{NBSP}%"),
        (1234.5, f"1.234,50{NBSP}%"),
        (18.945, f"18,95{NBSP}%"),  # half up, not truncated
        (None, "—"),
        ("", "—"),
        ("not a number", "—"),
    ],
)
def test_percent_in_indonesian(value, expected):
    with translation.override("id"):
        assert percent(value) == expected


def test_percent_in_english_and_with_fewer_decimals():
    with translation.override("en"):
        assert percent(18.94) == f"18.94{NBSP}%"
        assert percent(Decimal("45.00"), 0) == f"45{NBSP}%"


@pytest.mark.parametrize(
    "value,expected",
    [
        (16800, f"Rp{NBSP}16.800"),
        (Decimal("16800.00"), f"Rp{NBSP}16.800"),
        (500_000_000, f"Rp{NBSP}500.000.000"),
        (6800.5, f"Rp{NBSP}6.801"),
        (0, f"Rp{NBSP}0"),
        (None, "—"),
    ],
)
def test_rupiah_in_indonesian(value, expected):
    with translation.override("id"):
        assert rupiah(value) == expected


def test_rupiah_in_english():
    with translation.override("en"):
        assert rupiah(16800) == f"Rp{NBSP}16,800"


def test_the_filters_work_in_templates():
    with translation.override("id"):
        assert render("{{ v|percent }} {{ r|rupiah }}", v=18.94, r=16800) == (
            f"18,94{NBSP}% Rp{NBSP}16.800"
        )
        assert render("{{ v|percent:1 }}", v=None) == "—"
        # Plain integers already get the Indonesian thousands separator.
        assert render("{{ n }}", n=3379) == "3.379"


def test_labels_in_english():
    with translation.override("en"):
        assert category_label("BPD") == "Village consultative body (BPD)"
        assert post_label("KEPALA_DESA") == "Village head (Kepala Desa)"
        assert state_label("in_arrears") == "in arrears"
        assert state_label("none") == "none"
        assert village_kind_label("kelurahan") == "kelurahan (urban ward)"
        assert level_label("district") == "District"
        assert roster_status_label("lapsing_soon") == "Covered, lapsing soon"


def test_unknown_codes_are_shown_as_they_are():
    assert category_label("NEW_CATEGORY") == "NEW_CATEGORY"
    assert post_label("") == ""
    assert level_label("planet") == "planet"


@pytest.mark.parametrize(
    "code,expected",
    [
        ("", "/"),
        ("33", "/wilayah/33/"),
        ("33.02", "/wilayah/33.02/"),
        ("33.02.03", "/wilayah/33.02.03/"),
        ("33.02.03.2003", "/desa/33.02.03.2003/"),
    ],
)
def test_area_url_points_to_the_page_of_each_level(code, expected):
    assert render("{% area_url code %}", code=code) == expected


def test_links_keep_the_as_of_day():
    query = "?as_of=2026-11-22"
    assert render("{% area_url '33.02' %}", as_of_query=query) == "/wilayah/33.02/" + query
    assert render("{% export_url '' 'children' 'csv' %}", as_of_query=query) == (
        "/ekspor/children.csv" + query
    )
    assert render("{% export_url '33.02' 'candidates' 'xlsx' %}") == (
        "/wilayah/33.02/ekspor/candidates.xlsx"
    )
    assert render("{% export_url '33.02.03.2003' 'roster' 'csv' %}") == (
        "/desa/33.02.03.2003/ekspor/roster.csv"
    )
