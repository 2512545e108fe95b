"""`load_demo`: a deterministic, idempotent demo data set on the real regions of the test DB.

The full load runs once for the module (rolled back at the end) and once more to prove that a
second run creates nothing; everything else reads what that one load wrote.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Model, Q
from django.utils import translation

from campaign.models import OutreachEvent, PerisaiAgent, Registration
from devdata import demo_data
from devdata.demo import (
    DemoRegionsMissing,
    demo_load,
    demo_snapshots_backfill,
    demo_villages,
    require_regions,
)
from devdata.demo_data import BEJI, DEMO_USERS, KARANGLEWAS, KARANGLO, KEREK
from devdata.demo_draw import draw_plan, kerek_enrolment_days
from enrollment.models import Membership, State, state_of
from enrollment.selectors import VillagesMonth, coverage_for_area, villages_enrolled_trend
from finance.models import FinanceRecord
from villages.access import scope_for
from villages.models import (
    CATEGORY_OF_POST,
    SINGLE_HOLDER_POSTS,
    UNIT_SINGLE_HOLDER_POSTS,
    BranchOffice,
    DistrictTarget,
    Person,
    Post,
    Regency,
    RegencyTarget,
    Village,
)
from villages.nik import mask_nik, parse_nik, validate_nik
from villages.phones import validate_phone
from villages.selectors import area_get

TODAY = dt.date(2026, 3, 15)
BANYUMAS = "33.02"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo load shared by the module's tests, rolled back after the last of them."""
    with django_db_blocker.unblock(), transaction.atomic():
        result = demo_load(today=TODAY)
        yield result
        transaction.set_rollback(True)


def model_counts() -> dict[str, int]:
    models: list[type[Model]] = [Person, Post, Membership, get_user_model(), BranchOffice, Village]
    models += [Registration, OutreachEvent, PerisaiAgent]
    counts = {model.__name__: model._default_manager.count() for model in models}
    counts["profiled"] = Village.objects.filter(households__isnull=False).count()
    return counts


def current_posts(day=TODAY):
    started = Q(term_start__isnull=True) | Q(term_start__lte=day)
    return Post.objects.filter(started, Q(term_end__isnull=True) | Q(term_end__gte=day))


def covered_ids(day=TODAY) -> set[int]:
    """Persons covered on `day`: JKK and JKM both paid through the day."""
    paid = Membership.objects.filter(paid_until__gte=day)
    jkk = set(paid.filter(program_id="JKK").values_list("person_id", flat=True))
    return jkk & set(paid.filter(program_id="JKM").values_list("person_id", flat=True))


def share_covered(posts) -> float:
    holders = list(posts.values_list("person_id", flat=True))
    covered = covered_ids()
    return sum(holder in covered for holder in holders) / len(holders)


# --- Idempotence and determinism ---------------------------------------------------------
def test_the_first_run_creates_the_whole_data_set(demo):
    assert demo.persons == Person.objects.count() > 20_000
    assert demo.posts == Post.objects.count() > 20_000
    assert demo.memberships == Membership.objects.count() > 10_000
    assert (demo.regional_offices, demo.branch_offices, demo.users) == (3, 3, 6)
    assert demo.villages_profiled == demo_villages().count() == 331 + 17 + 15
    # The campaign's stories and background (tests/devdata/test_demo_campaign.py).
    assert (demo.outreach_events, demo.declarations) == (2, 1)
    # Two story agents, and one drawn for about a quarter of the other villages.
    assert demo.perisai_agents == PerisaiAgent.objects.count() == 115
    assert demo.registrations == Registration.objects.count() == 41_155
    # Banyumas' contributions and claims of 2022 and 2023 (tests/finance/test_demo.py).
    assert demo.finance_records == FinanceRecord.objects.count() == 2


def test_running_twice_creates_nothing_new(demo):
    before = model_counts()
    again = demo_load(today=TODAY)
    assert again.rows() == [(name, 0) for name, _count in demo.rows()]
    assert again.total == 0
    assert model_counts() == before


def test_the_command_reruns_quietly_and_prints_the_demo_logins(demo):
    before, out = model_counts(), StringIO()
    call_command("load_demo", today=TODAY, stdout=out)
    assert model_counts() == before
    assert "persons" in out.getvalue() and "posts" in out.getvalue()
    # A rerun says it created nothing; the first line gives the plan, not a count created.
    with translation.override("en"):
        call_command("load_demo", today=TODAY, stdout=(again := StringIO()))
    lines = again.getvalue().splitlines()
    assert lines[0] == (
        f"The demo holds {demo.persons:,} persons and {demo.posts:,} posts in 363 villages; "
        "only those not loaded yet are created."
    )
    assert "persons            created       0" in lines
    assert "registrations      created       0" in lines
    assert "Nothing new: the demo was already loaded." in lines
    for user in DEMO_USERS:
        assert f"{user.username} " in out.getvalue() and user.password in out.getvalue()


def test_the_same_regions_always_give_the_same_people(demo):
    villages = list(demo_villages())
    first = [(row["nik"], row["name"]) for row in draw_plan(villages, TODAY).persons.values()]
    later_day = TODAY + dt.timedelta(days=200)
    again = [(row["nik"], row["name"]) for row in draw_plan(villages, later_day).persons.values()]
    assert first == again
    assert set(Person.objects.values_list("nik", "name")) == set(first)


@pytest.mark.parametrize(
    ("village", "code", "nik", "name", "term_end"),
    [
        (KARANGLEWAS, "KEPALA_DESA", "3302033007731162", "Hadi Priyono", None),
        (KARANGLEWAS, "KEPALA_DESA", "3302032405782169", "Slamet Sudarmo", dt.date(2021, 2, 17)),
        (KARANGLO, "SEKRETARIS_DESA", "3523082209900823", "Slamet Wibowo", None),
        ("36.04.19.2004", "KEPALA_DESA", "3604194106880891", "Euis", None),
    ],
)
def test_known_people_hold_their_posts(demo, village, code, nik, name, term_end):
    post = Post.objects.select_related("person").get(village_id=village, code=code, person__nik=nik)
    assert (post.person.name, post.term_end) == (name, term_end)


# --- The rules every row keeps -----------------------------------------------------------
def test_every_nik_is_valid_and_agrees_with_sex_and_birth_date(demo):
    for nik, sex, born in Person.objects.values_list("nik", "sex", "birth_date"):
        validate_nik(nik)
        facts = parse_nik(nik)
        assert (facts.sex, facts.birth_date) == (sex, born), nik


def test_masked_niks_tell_the_people_of_a_village_apart(demo):
    # Serials are drawn (0001-2999), never the same twice in a village: the masked NIK of a
    # roster (330203******1162) names one person.
    rows = set(Post.objects.values_list("village_id", "person__nik"))
    masked = Counter((village, mask_nik(nik)) for village, nik in rows)
    assert max(masked.values()) == 1
    serials = Counter(nik[-4:] for nik in Person.objects.values_list("nik", flat=True))
    assert serials["0001"] < 30 and len(serials) > 2900
    assert max(int(serial) for serial in serials) <= 2999


def test_most_people_have_a_mobile_number(demo):
    phones = list(Person.objects.values_list("phone", flat=True))
    given = [phone for phone in phones if phone]
    assert (len(phones), len(given)) == (24_800, 19_874)
    for phone in given:
        validate_phone(phone)
        assert phone.startswith("08") and len(phone) == 12, phone


def test_every_nik_carries_the_district_of_its_holders_village(demo):
    rows = Post.objects.values_list("person__nik", "village_id").distinct()
    assert all(nik[:6] == village[:8].replace(".", "") for nik, village in rows)


def test_no_single_holder_post_has_two_current_holders(demo):
    rows = current_posts().filter(code__in=SINGLE_HOLDER_POSTS)
    holders = Counter(
        (village, code, unit if code in UNIT_SINGLE_HOLDER_POSTS else "")
        for village, code, unit in rows.values_list("village_id", "code", "unit")
    )
    assert holders and max(holders.values()) == 1


def test_every_ended_post_has_a_successor(demo):
    ended = Post.objects.filter(term_end__lt=TODAY)
    assert ended.filter(village_id=KARANGLEWAS, code="KEPALA_DESA").exists()
    for post in ended:
        successor = current_posts().filter(village_id=post.village_id, code=post.code)
        assert successor.filter(unit=post.unit, term_start__gt=post.term_end).exists(), post.pk


def test_every_post_category_matches_its_code(demo):
    pairs = set(Post.objects.values_list("code", "category"))
    assert pairs and all(CATEGORY_OF_POST[code] == category for code, category in pairs)


def test_a_few_people_hold_two_posts(demo):
    per_person = Counter(current_posts().values_list("person_id", flat=True))
    assert 10 <= sum(count > 1 for count in per_person.values()) <= 200


def test_banyumas_villages_have_believable_rosters(demo):
    posts = current_posts().filter(village__district__regency_id=BANYUMAS)
    per_village = Counter(posts.filter(category="PERANGKAT").values_list("village_id", flat=True))
    assert len(per_village) == 331
    assert 9 <= sum(per_village.values()) / len(per_village) <= 12
    bpd = Counter(posts.filter(category="BPD").values_list("village_id", flat=True))
    assert set(bpd.values()) == {5, 7, 9}


# --- Coverage shape ----------------------------------------------------------------------
def test_every_bpd_member_in_banyumas_is_covered(demo):
    bpd = current_posts().filter(village__district__regency_id=BANYUMAS, category="BPD")
    assert bpd.count() > 1500
    assert set(bpd.values_list("person_id", flat=True)) <= covered_ids()


def test_rt_rw_coverage_in_banyumas_is_between_5_and_10_percent(demo):
    rt_rw = current_posts().filter(village__district__regency_id=BANYUMAS, category="RT_RW")
    assert 0.05 <= share_covered(rt_rw) <= 0.10


def test_most_perangkat_in_banyumas_are_covered_and_all_in_beji(demo):
    perangkat = current_posts().filter(category="PERANGKAT")
    assert 0.70 <= share_covered(perangkat.filter(village__code__startswith="33.02.")) <= 0.85
    assert share_covered(perangkat.filter(village_id=BEJI)) == 1


def test_every_current_post_holder_in_karanglo_is_covered(demo):
    karanglo = current_posts().filter(village_id=KARANGLO)
    assert set(karanglo.values_list("category", flat=True)) >= {"PERANGKAT", "BPD", "RT_RW"}
    assert set(karanglo.values_list("person_id", flat=True)) <= covered_ids()
    assert Village.objects.get(code=KARANGLO).households == 1524


def test_some_memberships_lapse_soon_and_some_are_in_arrears(demo):
    paid = list(Membership.objects.values_list("paid_until", flat=True))
    states = Counter(state_of(day, TODAY) for day in paid)
    lapsing_soon = [day for day in paid if TODAY <= day <= TODAY + dt.timedelta(days=30)]
    assert lapsing_soon and states[State.IN_ARREARS] and states[State.ENDED]


def test_covered_means_jkk_and_jkm_and_pu_adds_jht(demo):
    programs = Counter(Membership.objects.values_list("program_id", flat=True))
    assert programs["JKK"] == programs["JKM"] > programs["JHT"] > programs["JP"] > 0
    pu_without_jht = Membership.objects.filter(participant_category="PU", program_id="JKK")
    assert not pu_without_jht.exclude(person__memberships__program_id="JHT").exists()


# --- Kec. Kerek: every village enrolled, one by one over the year ----------------------------
def kerek_codes() -> list[str]:
    return list(Village.objects.filter(district_id=KEREK).values_list("code", flat=True))


def test_kereks_villages_enrol_one_by_one_over_the_year_before_today(demo):
    days = kerek_enrolment_days(kerek_codes(), TODAY)
    assert len(days) == len(set(days.values())) == 17
    assert sorted(days.values()) == [days[code] for code in sorted(days)]  # in code order
    assert (min(days.values()), max(days.values())) == (dt.date(2025, 4, 5), TODAY)
    # Every current perangkat's memberships start on their village's day, and are verified
    # no earlier.
    perangkat = current_posts().filter(village__district_id=KEREK, category="PERANGKAT")
    rows = Membership.objects.filter(person__posts__in=perangkat).values_list(
        "person__posts__village_id", "enrolled_on", "verified_on"
    )
    assert {(village, enrolled) for village, enrolled, _verified in rows} == set(days.items())
    assert all(verified is None or verified >= enrolled for _v, enrolled, verified in rows)


def test_kereks_villages_trend_climbs_to_every_village_enrolled(demo):
    demo_snapshots_backfill(TODAY)
    months = [dt.date(2025, month, 1) for month in range(4, 13)]
    months += [dt.date(2026, month, 1) for month in range(1, 4)]
    enrolled = [2, 3, 5, 6, 7, 9, 10, 12, 13, 15, 16, 17]
    # All of a village's perangkat enrol on its day: every official covered from then on.
    assert villages_enrolled_trend(area=area_get(code=KEREK)) == [
        VillagesMonth(month, 17, n, n) for month, n in zip(months, enrolled, strict=True)
    ]
    # Tuban's other districts have no roster: the regency's trend is Kerek's.
    tuban = villages_enrolled_trend(area=area_get(code="35.23"))
    assert [(row.month, row.enrolled) for row in tuban] == list(zip(months, enrolled, strict=True))
    assert tuban[-1].villages == Village.objects.filter(code__startswith="35.23.").count()


def test_kerek_is_the_only_tuban_district_with_every_village_enrolled(demo):
    coverage = coverage_for_area(area=area_get(code="35.23"), as_of=TODAY)
    assert [row.area.code for row in coverage.children if row.all_villages_enrolled] == [KEREK]
    [kerek] = [row for row in coverage.children if row.area.code == KEREK]
    assert (kerek.villages_enrolled, kerek.area.villages, kerek.villages_enrolled_pct) == (
        17,
        17,
        100.0,
    )
    assert coverage.villages_enrolled == 17
    # The day before, the last of them was not enrolled yet.
    before = coverage_for_area(area=area_get(code=KEREK), as_of=TODAY - dt.timedelta(days=1))
    assert before.villages_enrolled == 16


# --- Regions, offices and logins ---------------------------------------------------------
def test_regency_targets_regulation_and_branches(demo):
    target = RegencyTarget.objects.get(regency_id=BANYUMAS, year=2024)
    assert target.target_workers == 280_000
    assert RegencyTarget.objects.filter(regency_id=BANYUMAS, year=2026).exists()
    assert Regency.objects.get(code="36.04").regulation == "Perbup 35/2017"
    assert list(
        DistrictTarget.objects.values_list(
            "district_id", "year", "officials_pct", "villages_enrolled"
        )
    ) == [
        ("33.02.03", 2026, Decimal("35.00"), 11),
        ("33.02.14", 2026, Decimal("30.00"), 12),
        ("33.02.23", 2026, None, 10),
        ("35.23.08", 2026, Decimal("100.00"), 17),
    ]
    purwokerto = BranchOffice.objects.get(name="Purwokerto")
    assert purwokerto.regional_office.name == "Kanwil Jawa Tengah dan DIY"
    assert list(purwokerto.regencies.values_list("code", flat=True)) == [BANYUMAS]


@pytest.mark.parametrize(
    ("username", "group", "is_staff", "is_superuser", "prefixes"),
    [
        ("admin", None, True, True, ()),
        ("pusat", "Kantor pusat", True, False, ()),
        ("kanwil.jateng", "Kantor wilayah", True, False, ("33.02",)),
        ("staf.cabang", "Staf cabang", True, False, ("33.02",)),
        ("sekdes.karanglewas", "Sekretaris desa", False, False, ("33.02.03.2003",)),
        ("manajer.banyumas", "Manajer", True, False, ("33.02",)),
    ],
)
def test_demo_users_have_their_roles_and_passwords(
    demo, username, group, is_staff, is_superuser, prefixes
):
    user = get_user_model().objects.get(username=username)
    password = next(spec.password for spec in DEMO_USERS if spec.username == username)
    assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)
    assert list(user.groups.values_list("name", flat=True)) == ([group] if group else [])
    assert scope_for(user).prefixes == prefixes
    assert user.check_password(password)
    validate_password(password, user)


def test_branch_staff_may_edit_and_managers_only_view(demo):
    staff = get_user_model().objects.get(username="staf.cabang")
    manager = get_user_model().objects.get(username="manajer.banyumas")
    assert staff.has_perms(["villages.change_post", "enrollment.add_membership"])
    assert not staff.has_perm("villages.delete_person")
    assert manager.has_perm("enrollment.view_membership")
    assert not manager.has_perm("villages.change_village")
    assert not staff.has_perm("auth.change_user")


# --- Missing regions ---------------------------------------------------------------------
def test_missing_regions_raise_an_error_that_says_to_load_them():
    require_regions([KARANGLEWAS])  # present in the test database: no error
    with pytest.raises(DemoRegionsMissing, match="load_regions --province 33"):
        require_regions([KARANGLEWAS, "99.99.99.9999"])


def test_the_command_stops_with_a_command_error_when_regions_are_missing(monkeypatch):
    monkeypatch.setattr(demo_data, "REQUIRED_VILLAGE_CODES", ("99.99.99.9999",))
    before = model_counts()
    with pytest.raises(CommandError, match=r"99\.99\.99\.9999.*load_regions"):
        call_command("load_demo", stdout=StringIO())
    assert model_counts() == before
