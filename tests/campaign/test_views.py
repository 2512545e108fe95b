"""The campaign pages and their exports: what they show, the period picker, scoping (allowed,
out of scope, anonymous, wrong method), the exports' rows, and a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import cast

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaign import exports, views
from tests.campaign.conftest import GUNUNGWETAN, KARANGLEWAS, KARANGLO
from tests.factories import (
    BranchOfficeFactory,
    OutreachEventFactory,
    PerisaiAgentFactory,
    RegistrationFactory,
    UserFactory,
)
from villages.models import AccessLog, BranchOffice, Regency, Village
from villages.roles import user_role_set

PERIOD = {"from": "2024-01-01", "to": "2024-12-31"}


def page(code: str = "") -> str:
    return reverse("campaign:area", args=[code]) if code else reverse("campaign:area")


def export(code: str, table: str, fmt: str) -> str:
    args = [code, table, fmt] if code else [table, fmt]
    return reverse("campaign:export", args=args)


@pytest.fixture
def staff(db):
    return user_role_set(username="kp", kind="head_office").user


@pytest.fixture
def staff_client(client, staff):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(staff)
    return client


@pytest.fixture
def banyumas(db):
    """Banyumas on 24 April 2024: outreach for BPD, RT/RW and LKD at Karanglewas, an agent
    there, registrations around it."""
    branch = cast(BranchOffice, BranchOfficeFactory.create(name="Purwokerto"))
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    event = OutreachEventFactory(
        date=dt.date(2024, 4, 24),
        title="Sosialisasi BPD, RT/RW dan LKD",
        branch=branch,
        place_village_id=KARANGLEWAS,
        villages=[KARANGLEWAS, GUNUNGWETAN],
        attendance={"BPD": 40, "RT_RW": 60, "LKD": 20},
    )
    agent = PerisaiAgentFactory(code="PRS-3302-001", name="Budi Santoso", villages=[KARANGLEWAS])
    rows = [
        (dt.date(2024, 4, 1), KARANGLEWAS, "MANDIRI", None, 4, 67_200),
        (dt.date(2024, 4, 24), KARANGLEWAS, "SOSIALISASI", None, 30, 504_000),
        (dt.date(2024, 5, 2), GUNUNGWETAN, "MANDIRI", None, 6, 100_800),
        (dt.date(2024, 5, 20), KARANGLEWAS, "PERISAI", agent, 120, 2_016_000),
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


# --- What the page shows -------------------------------------------------------------------


def test_the_regency_page_shows_totals_channels_events_branches_children_and_agents(
    banyumas, staff_client
):
    response = staff_client.get(page("33.02"), PERIOD)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.registrations.total.registrations == 160
    assert response.context["channels"] == [
        ("PERISAI", 120),
        ("MANDIRI", 10),
        ("SOSIALISASI", 30),
        ("LAINNYA", 0),
    ]
    html = response.content.decode()
    assert "Rp\xa02,688,000" in html  # the contributions (English: a comma groups)
    assert "Rp\xa0151,200" in html  # the agent's commission, 7.5 % of Rp 2,016,000
    assert "Sosialisasi BPD, RT/RW dan LKD" in html
    assert "Kantor Cabang Purwokerto" in html
    assert "Rate 7.50\xa0% from 01/01/2000." in html
    [event] = figures.events
    assert (event.before, event.after, event.attendees) == (4, 156, 120)
    assert [(b.name, b.tally.registrations) for b in figures.branches] == [
        ("Kantor Cabang Purwokerto", 160)
    ]
    assert sum(c.tally.registrations for c in figures.children) == 160
    assert len(figures.children) == 27  # every district of Banyumas, zeros included
    assert 'role="img"' in html and "<polyline" in html  # the chart, with its text
    assert "Registrations by month" in html


def test_the_chart_marks_each_event_at_its_day(banyumas, staff_client):
    chart = staff_client.get(page("33.02"), PERIOD).context["chart"]
    [marker] = chart.markers
    assert marker.number == 1 and marker.label == "24/04/2024 Sosialisasi BPD, RT/RW dan LKD"
    # 24 April is day 114 of 366: x = 48 + 664 × 114 / 365
    assert marker.x == round(48 + 664 * 114 / 365, 1)
    assert chart.peak == 120


def test_the_village_page_shows_its_events_and_agents(banyumas, client):
    user = user_role_set(username="s", kind="village_secretary", area_codes=[KARANGLEWAS]).user
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user)
    response = client.get(page(KARANGLEWAS), PERIOD)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert [e.title for e in figures.events] == ["Sosialisasi BPD, RT/RW dan LKD"]
    assert [(a.code, a.registrations, a.commission) for a in figures.agents] == [
        ("PRS-3302-001", 120, 151_200)
    ]
    assert figures.registrations.total.registrations == 154
    assert (figures.children, figures.branches) == ([], [])
    assert "Budi Santoso" in response.content.decode()


def test_the_period_defaults_to_the_last_12_months(staff_client):
    response = staff_client.get(page("33.02"))
    period = response.context["period"]
    assert period.end.replace(day=1) == period.start.replace(year=period.start.year + 1) or (
        (period.end.year * 12 + period.end.month) - (period.start.year * 12 + period.start.month)
        == 11
    )
    assert period.start.day == 1
    assert response.context["period_query"] == ""


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2024-05-01", "to": "2024-04-01"}, "The start (from) is after the end (to)."),
        ({"from": "2018-01-01", "to": "2024-01-01"}, "Ask for 5 years at most."),
        ({"from": "kemarin"}, "Enter a valid date."),
    ],
)
def test_an_unusable_period_is_reported_and_the_last_12_months_shown(staff_client, params, message):
    response = staff_client.get(page("33.02"), params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["period_query"] == ""


def test_links_keep_the_period(banyumas, staff_client):
    response = staff_client.get(page("33.02"), PERIOD)
    query = "?from=2024-01-01&to=2024-12-31"
    assert (
        response.context["export_urls"]["events"]["csv"] == export("33.02", "events", "csv") + query
    )
    assert f'href="{page("33.02.03")}{query}"' in response.content.decode().replace("&amp;", "&")


def test_the_dashboards_link_to_the_campaign_pages(staff_client):
    dashboard = staff_client.get(reverse("enrollment:area_dashboard", args=["33.02"]))
    assert f'href="{page("33.02")}"' in dashboard.content.decode()
    village = staff_client.get(reverse("enrollment:village", args=[KARANGLEWAS]))
    assert f'href="{page(KARANGLEWAS)}"' in village.content.decode()


def test_the_header_links_staff_to_the_campaign(staff_client):
    html = staff_client.get(page("33.02")).content.decode()
    assert f'href="{page()}"' in html


# --- Scoping -------------------------------------------------------------------------------


@pytest.fixture
def manager_client(client, db):
    user = user_role_set(username="m", kind="manager", area_codes=["33.02"]).user
    client.force_login(user)
    return client


URLS_IN = [
    page("33.02"),
    page(KARANGLEWAS),
    export("33.02", "agents", "csv"),
    export(KARANGLEWAS, "registrations", "xlsx"),
]
URLS_OUT = [
    page("35.23"),
    page(KARANGLO),
    export("35.23", "events", "xlsx"),
    export(KARANGLO, "registrations", "csv"),
    export("", "events", "csv"),
]


@pytest.mark.parametrize("url", URLS_IN)
def test_a_manager_opens_their_areas(manager_client, url):
    assert manager_client.get(url).status_code == 200


@pytest.mark.parametrize("url", URLS_OUT)
def test_an_area_outside_the_scope_is_a_404(manager_client, url):
    assert manager_client.get(url).status_code == 404


def test_the_country_page_sends_a_scoped_user_to_their_area(manager_client):
    response = manager_client.get(page(), PERIOD)
    assert response.status_code == 302
    assert response["Location"] == page("33.02") + "?from=2024-01-01&to=2024-12-31"


def test_an_undotted_code_redirects_to_the_dotted(staff_client):
    response = staff_client.get(page("3302"))
    assert (response.status_code, response["Location"]) == (302, page("33.02"))


@pytest.mark.parametrize("url", [*URLS_IN, page()])
def test_anonymous_users_are_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", URLS_IN)
def test_a_user_without_a_role_is_a_403(client, db, url):
    client.force_login(UserFactory(username="warga"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS_IN)
def test_writes_are_a_405(staff_client, url):
    assert staff_client.post(url).status_code == 405


@pytest.mark.parametrize("code", ["99", "33.99", "33.02.03.9999"])
def test_an_unknown_code_is_a_404(staff_client, code):
    assert staff_client.get(page(code)).status_code == 404


# --- Exports -------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_events_export(banyumas, staff_client):
    response = staff_client.get(export("33.02", "events", "csv"), PERIOD)
    assert response["Content-Disposition"] == (
        'attachment; filename="kampanye-33.02-kegiatan-2024-01-01-2024-12-31.csv"'
    )
    assert read_csv(response) == [
        [
            "Date",
            "Title",
            "Place code",
            "Place",
            "Villages it was held for",
            "Officials attending",
            "Residents attending",
            "Branch office",
            "Registrations 30 days before",
            "Registrations 30 days from the event day",
            "Difference",
        ],
        [
            "2024-04-24",
            "Sosialisasi BPD, RT/RW dan LKD",
            KARANGLEWAS,
            "Karanglewas",
            f"{GUNUNGWETAN}; {KARANGLEWAS}",
            "120",
            "0",
            "Kantor Cabang Purwokerto",
            "4",
            "156",
            "152",
        ],
        ["", "Total", "", "", "", "", "", "", "4", "156", "152"],
    ]


def test_the_agents_export_in_indonesian(banyumas, client, staff):
    client.force_login(staff)  # the interface's default language
    response = client.get(export("33.02", "agents", "csv"), PERIOD)
    rows = read_csv(response)
    assert rows[1:] == [
        ["PRS-3302-001", "Budi Santoso", KARANGLEWAS, "Ya", "120", "2016000", "151200"],
        ["", "Total", "", "", "120", "2016000", "151200"],
    ]
    assert rows[0] == [
        "Kode agen",
        "Nama",
        "Desa yang dilayani",
        "Aktif",
        "Pendaftaran",
        "Iuran (Rp)",
        "Komisi (Rp)",
    ]


def test_the_registrations_export_is_in_the_columns_of_the_import(banyumas, staff_client):
    response = staff_client.get(export("33.02.03", "registrations", "xlsx"), PERIOD)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.iter_rows(values_only=True)) == [
        ("tanggal", "kode_desa", "kanal", "kode_agen", "jumlah", "iuran"),
        (dt.datetime(2024, 4, 1), KARANGLEWAS, "MANDIRI", None, 4, 67_200),
        (dt.datetime(2024, 4, 24), KARANGLEWAS, "SOSIALISASI", None, 30, 504_000),
        (dt.datetime(2024, 5, 2), GUNUNGWETAN, "MANDIRI", None, 6, 100_800),
        (dt.datetime(2024, 5, 20), KARANGLEWAS, "PERISAI", "PRS-3302-001", 120, 2_016_000),
    ]
    log = AccessLog.objects.get()
    assert (log.action, log.area_code, log.rows) == ("export", "33.02.03", 4)


def test_the_registrations_export_refuses_too_many_rows(banyumas, staff_client, monkeypatch):
    monkeypatch.setattr(exports, "REGISTRATIONS_MAX_ROWS", 3)
    response = staff_client.get(export("33.02", "registrations", "csv"), PERIOD)
    assert response.status_code == 400
    assert "More than 3 rows" in response.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "kemarin"}, "from: Use YYYY-MM-DD, e.g. 2026-11-22."),
        (
            {"from": "2024-05-01", "to": "2024-04-01"},
            "from: The start (from) is after the end (to).",
        ),
    ],
)
def test_an_export_with_a_bad_period_is_a_400(staff_client, params, message):
    response = staff_client.get(export("33.02", "events", "csv"), params)
    assert (response.status_code, response.content.decode()) == (400, message)


# --- Queries -------------------------------------------------------------------------------


def _campaign_in(villages: int) -> None:
    others = Village.objects.filter(code__startswith="33.02.").exclude(code=GUNUNGWETAN)
    codes = [GUNUNGWETAN, *others.order_by("code").values_list("code", flat=True)[: villages - 1]]
    branch = cast(BranchOffice, BranchOfficeFactory(name="Purwokerto"))
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    for code in codes:
        agent = PerisaiAgentFactory(villages=[code])
        OutreachEventFactory(date=dt.date(2024, 4, 24), villages=[code], branch=branch)
        RegistrationFactory(village_id=code, agent=agent, channel="PERISAI")
        RegistrationFactory(village_id=code, date=dt.date(2024, 4, 1))


# The session, its user, the role; the area and the areas above it; the campaign figures
# (see test_api.py); the header's links need none.
PAGE_QUERIES = {"33.02": 16, GUNUNGWETAN: 13}


@pytest.mark.parametrize("villages", [1, 40])
@pytest.mark.parametrize("code", ["33.02", GUNUNGWETAN])
def test_the_page_query_count_does_not_grow_with_villages(
    staff_client, villages, code, django_assert_num_queries
):
    _campaign_in(villages)
    with django_assert_num_queries(PAGE_QUERIES[code]):
        response = staff_client.get(page(code), PERIOD)
    assert response.status_code == 200


def test_a_long_list_shows_the_latest_events_and_the_busiest_agents(
    banyumas, staff_client, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_ROWS", 1)
    later = OutreachEventFactory(
        date=dt.date(2024, 9, 1), title="Sosialisasi kedua", villages=[KARANGLEWAS]
    )
    PerisaiAgentFactory(code="PRS-3302-000", villages=[GUNUNGWETAN])  # no registrations
    response = staff_client.get(page("33.02"), PERIOD)
    assert [e.id for _n, e in response.context["events"]] == [later.pk]
    assert [a.code for a in response.context["agents"]] == ["PRS-3302-001"]
    assert len(response.context["chart"].markers) == 1
    html = response.content.decode()
    assert "The latest 1 events of 2; the download lists them all" in html
    assert "The 1 agents with the most registrations of 2; the download lists them all." in html


# --- The latest events on the coverage pages -----------------------------------------------


def test_the_dashboards_and_the_village_page_list_the_latest_events_held_there(client, db):
    from tests.factories import OutreachEventFactory
    from villages.roles import user_role_set

    for day, title, villages in [
        (dt.date(2024, 4, 24), "Sosialisasi BPD", [GUNUNGWETAN]),
        (dt.date(2024, 5, 2), "Sosialisasi RT/RW", [GUNUNGWETAN, "33.02.03.2003"]),
        (dt.date(2024, 6, 1), "Sosialisasi Lumbir", ["33.02.01.2001"]),
        (dt.date(2018, 7, 9), "Sosialisasi Kerek", ["35.23.08.2016"]),
    ]:
        OutreachEventFactory(date=day, title=title, villages=villages, place_name="Balai Desa")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user_role_set(username="pusat", kind="head_office").user)

    def listed(url: str) -> list[tuple[str, str, int]]:
        events = client.get(url).context["recent_events"]
        return [(e.date.isoformat(), e.title, e.villages) for e in events]

    district = listed("/wilayah/33.02.03/")  # once: asked again, the page comes from the cache
    assert district == [
        ("2024-05-02", "Sosialisasi RT/RW", 2),
        ("2024-04-24", "Sosialisasi BPD", 1),
    ]
    assert listed(f"/desa/{GUNUNGWETAN}/") == district
    assert listed("/desa/33.02.03.2003/") == [("2024-05-02", "Sosialisasi RT/RW", 2)]
    assert [e[1] for e in listed("/wilayah/33.02/")] == [
        "Sosialisasi Lumbir",
        "Sosialisasi RT/RW",
        "Sosialisasi BPD",
    ]
    assert len(listed("/")) == 4
    assert listed("/desa/33.02.03.2004/") == []
    page = client.get("/desa/33.02.03.2004/").content.decode()
    assert "No outreach event has been recorded for this area yet." in page
    page = client.get("/wilayah/33.02.03/").content.decode()
    assert "02/05/2024" in page and "for 2 villages" in page
    assert 'href="/kampanye/33.02.03/"' in page
