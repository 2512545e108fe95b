"""Targets below the regency: a district's targets of the year against its figures on its
dashboard, its regency's table of districts with targets and their gaps, the admin, the model.

The data is the small district of tests/enrollment/conftest.py, Kec. Jatilawang (33.02.03, 11
villages), as of 22/11/2026: 6 posts, 4 covered (66.67 %); Karanglewas (2 of 4 covered) and
Gunungwetan (2 of 2) are enrolled, the 9 other villages have no posts.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from enrollment.rules import Figures
from enrollment.selectors import coverage_for_area
from enrollment.selectors.targets import DistrictGap, district_gaps
from enrollment.summary import roll_day
from tests.admin.helpers import form_data
from tests.enrollment.conftest import known_area
from tests.factories import BranchOfficeFactory, PostFactory, covered
from villages.models import DistrictTarget, Regency, Village
from villages.roles import user_role_set
from villages.selectors import Area

AS_OF = dt.date(2026, 11, 22)
Q = "?as_of=2026-11-22"
JATILAWANG, LUMBIR, KEREK = "33.02.03", "33.02.01", "35.23.08"


def _target(code=JATILAWANG, year=2026, pct=None, villages=None) -> DistrictTarget:
    pct = None if pct is None else Decimal(pct)
    return DistrictTarget.objects.create(
        district_id=code, year=year, officials_pct=pct, villages_enrolled=villages
    )


def _gaps(code: str, day=AS_OF) -> list[DistrictGap]:
    return district_gaps(coverage=coverage_for_area(area=known_area(code), as_of=day))


def _row(gap: DistrictGap) -> tuple:
    return (
        gap.district.code,
        gap.figures.posts,
        gap.figures.covered,
        gap.posts_to_cover,
        gap.villages,
        gap.villages_enrolled,
        gap.villages_to_enroll,
        gap.behind,
    )


@pytest.fixture
def client_en(client, db):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(user_role_set(username="pusat", kind="head_office").user)
    return client


# --- The gaps ------------------------------------------------------------------------------


def test_a_districts_gap_to_its_targets(district):
    _target(pct="80", villages=5)
    # 80 % of 6 posts is 4.8: 5 covered posts wanted, 4 reached; 5 villages wanted, 2 enrolled.
    assert [_row(gap) for gap in _gaps(JATILAWANG)] == [(JATILAWANG, 6, 4, 1, 11, 2, 3, True)]


def test_a_district_that_reached_its_targets_is_not_behind(district):
    _target(pct="66", villages=2)  # 66 % of 6 posts is 3.96: 4 wanted
    assert [_row(gap) for gap in _gaps(JATILAWANG)] == [(JATILAWANG, 6, 4, 0, 11, 2, 0, False)]


def test_a_target_left_out_has_no_gap(district):
    _target(villages=3)
    (gap,) = _gaps(JATILAWANG)
    assert (gap.posts_to_cover, gap.villages_to_enroll, gap.behind) == (None, 1, True)


def test_only_the_targets_of_the_year_of_the_figures_count(district):
    _target(year=2025, pct="90")
    assert _gaps(JATILAWANG) == []
    assert [g.target.year for g in _gaps(JATILAWANG, dt.date(2025, 11, 22))] == [2025]


def test_a_regency_lists_its_districts_with_targets_in_code_order(district):
    _target(JATILAWANG, pct="60", villages=2)
    _target(LUMBIR, pct="50", villages=2)  # no posts at all
    _target(KEREK, pct="10")  # Tuban: not Banyumas's
    assert [_row(gap) for gap in _gaps("33.02")] == [
        (LUMBIR, 0, 0, 0, 10, 0, 2, True),
        (JATILAWANG, 6, 4, 0, 11, 2, 0, False),
    ]


def test_no_gaps_above_the_regency_or_without_targets(district):
    assert _gaps("33.02") == []
    _target(pct="80")
    assert _gaps("33") == [] and _gaps("") == []


def test_an_enrolled_village_needs_a_covered_post_not_only_a_post(district):
    # A Lumbir village with an uncovered post is not enrolled; one with a covered post is.
    PostFactory(code="KAUR", village_id="33.02.01.2001")
    covered(PostFactory(code="KEPALA_DESA", village_id="33.02.01.2002").person)
    _target(LUMBIR, villages=3)
    assert [_row(gap) for gap in _gaps("33.02")] == [(LUMBIR, 2, 1, None, 10, 1, 2, True)]


@pytest.mark.parametrize("source", ["summary", "day"])
def test_the_regency_table_costs_a_fixed_number_of_queries(
    client_en, district, source, django_assert_max_num_queries
):
    if source == "day":
        roll_day(AS_OF)
    client_en.get("/wilayah/33.02/" + Q)  # the session's first save is not the page's
    counts = []
    for first, last in [(0, 5), (5, 50)]:
        codes = Village.objects.filter(code__startswith="33.02.").order_by("code")
        codes = codes.exclude(code__startswith=f"{JATILAWANG}.")  # the fixture's posts
        for code in codes.values_list("code", flat=True)[first:last]:
            covered(PostFactory(code="KEPALA_DESA", village_id=code).person)
            DistrictTarget.objects.get_or_create(
                district_id=code[:8], year=2026, defaults={"officials_pct": Decimal(50)}
            )
        # The contributions and claims card (finance), the latest outreach events (campaign),
        # the villages enrolled by month and the data version (enrollment.page_cache) have a
        # query each; the national standing's card 6 more from the day's figures, 2 summed
        # from the summary (it links to its page then).
        ceiling = {"summary": 21, "day": 24}[source]
        with django_assert_max_num_queries(ceiling) as queries:
            response = client_en.get("/wilayah/33.02/" + Q)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert len(response.context["district_gaps"]) == len(
        set(DistrictTarget.objects.values_list("district_id", flat=True))
    )


# --- The pages -----------------------------------------------------------------------------


def test_the_district_dashboard_shows_its_targets_and_the_gap(client_en, district):
    _target(pct="80", villages=5)
    page = client_en.get(f"/wilayah/{JATILAWANG}/{Q}").content.decode()
    assert "District targets 2026" in page
    assert "Officials' posts covered" in page
    assert "80.00\u00a0%" in page
    assert "66.67\u00a0% (4 of 6)" in page
    assert "1 post to cover" in page
    assert "5 of 11" in page
    assert "3 villages to enroll" in page
    assert "A village is enrolled when at least one of its officials' posts is covered" in page


def test_the_district_dashboard_without_targets_has_no_card(client_en, district):
    page = client_en.get(f"/wilayah/{JATILAWANG}/{Q}").content.decode()
    assert 'id="district-target"' not in page


def test_the_regency_dashboard_says_which_districts_are_behind(client_en, district):
    Regency.objects.filter(code="33.02").get().targets.create(
        year=2026, target_pct=40, worker_base=700_000
    )
    _target(JATILAWANG, pct="60", villages=2)
    _target(LUMBIR, pct="50", villages=2)
    page = client_en.get("/wilayah/33.02/" + Q).content.decode()
    assert "<strong>1</strong> of 2 districts with targets are behind" in page
    rows = page.split('id="district-targets-table"')[1].split("</tbody>")[0].split("<tr>")[2:]
    assert ["Lumbir" in rows[0], "Jatilawang" in rows[1]] == [True, True]
    assert "Behind" in rows[0] and "On target" in rows[1]
    assert "2 of 11" in rows[1] and "0 of 10" in rows[0]
    assert "The district targets below are set on the officials' posts themselves." in page


# --- The model and the admin -------------------------------------------------------------------


def test_one_target_row_per_district_and_year(db):
    _target(pct="50")
    with pytest.raises(IntegrityError), transaction.atomic():
        _target(villages=3)
    with pytest.raises(ValidationError) as raised:
        DistrictTarget(
            district_id=JATILAWANG, year=2026, villages_enrolled=3
        ).validate_constraints()
    assert raised.value.messages == ["This district already has targets for that year."]


def test_a_target_row_needs_a_target(db):
    with pytest.raises(ValidationError) as raised:
        DistrictTarget(district_id=JATILAWANG, year=2026).full_clean()
    assert raised.value.messages == [
        "Give the officials covered target, the villages enrolled target, or both."
    ]


def test_the_villages_target_cannot_pass_the_districts_villages(db):
    with pytest.raises(ValidationError) as raised:
        DistrictTarget(district_id=JATILAWANG, year=2026, villages_enrolled=12).full_clean()
    assert raised.value.message_dict == {
        "villages_enrolled": ["The district has 11 villages; the target cannot be more."]
    }


@pytest.mark.parametrize("pct", ["-1", "100.01"])
def test_a_percentage_stays_between_0_and_100(db, pct):
    with pytest.raises(ValidationError) as raised:
        DistrictTarget(district_id=JATILAWANG, year=2026, officials_pct=Decimal(pct)).full_clean()
    assert list(raised.value.message_dict) == ["officials_pct"]


@pytest.fixture
def banyumas_staff(db) -> Client:
    branch = BranchOfficeFactory.create(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(
        user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto").user
    )
    return client


ADD = reverse("admin:villages_districttarget_add")
CHANGELIST = reverse("admin:villages_districttarget_changelist")


def test_branch_staff_set_a_districts_target_with_history(banyumas_staff):
    data = form_data(banyumas_staff.get(ADD), district=JATILAWANG, year="2026", officials_pct="75")
    assert banyumas_staff.post(ADD, data).status_code == 302
    target = DistrictTarget.objects.get()
    assert (target.officials_pct, target.villages_enrolled) == (Decimal("75.00"), None)
    change = reverse("admin:villages_districttarget_change", args=[target.pk])
    data = form_data(banyumas_staff.get(change), villages_enrolled="4")
    assert banyumas_staff.post(change, data).status_code == 302
    assert list(
        DistrictTarget.history.order_by("history_id").values_list(
            "history_type", "officials_pct", "villages_enrolled"
        )
    ) == [("+", Decimal("75.00"), None), ("~", Decimal("75.00"), 4)]


def test_branch_staff_cannot_set_a_target_outside_their_scope(banyumas_staff):
    data = form_data(banyumas_staff.get(ADD), district=KEREK, year="2026", officials_pct="75")
    response = banyumas_staff.post(ADD, data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["district"]
    assert DistrictTarget.objects.count() == 0


def test_the_admin_lists_only_the_targets_in_scope(banyumas_staff):
    _target(JATILAWANG, pct="60")
    _target(KEREK, pct="60")
    rows = banyumas_staff.get(CHANGELIST).context["cl"].result_list
    assert [t.district_id for t in rows] == [JATILAWANG]
    assert banyumas_staff.get(CHANGELIST, {"district__regency": "35.23"}).status_code == 404


def test_a_second_target_for_the_year_is_refused_with_a_message(banyumas_staff):
    _target(JATILAWANG, pct="60")
    data = form_data(
        banyumas_staff.get(ADD), district=JATILAWANG, year="2026", villages_enrolled="3"
    )
    response = banyumas_staff.post(ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "This district already has targets for that year."
    ]


@pytest.mark.parametrize(
    "pct,posts,covered,to_cover",
    [("40", 11, 4, 1), ("66.67", 6, 4, 1), ("66.66", 6, 4, 0), ("100", 6, 6, 0), ("50", 0, 0, 0)],
)
def test_the_posts_a_target_asks_for_are_rounded_up(pct, posts, covered, to_cover):
    # 40 % of 11 posts is 4.4: 5 wanted; 66.67 % of 6 is 4.0002: 5 wanted.
    gap = DistrictGap(
        district=Area(code=JATILAWANG, name="Jatilawang", level="district"),
        target=DistrictTarget(officials_pct=Decimal(pct)),
        figures=Figures(posts=posts, covered=covered),
        villages=3,
        villages_enrolled=1,
    )
    assert gap.posts_to_cover == to_cover
