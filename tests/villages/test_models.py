"""Villages, posts and coverage targets: the rules the models keep."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation

from tests.factories import KARANGLEWAS, MembershipFactory, PersonFactory, PostFactory
from villages.models import CATEGORY_OF_POST, Person, Post, Regency, RegencyTarget, Village

PEKUNCEN = "33.02.03.2002"  # another desa in the same district as Karanglewas

# The roster import contract: post codes by dashboard category.
CONTRACT = {
    "KEPALA_DESA": "PERANGKAT",
    "SEKRETARIS_DESA": "PERANGKAT",
    "KAUR": "PERANGKAT",
    "KASI": "PERANGKAT",
    "KEPALA_DUSUN": "PERANGKAT",
    "KETUA_BPD": "BPD",
    "ANGGOTA_BPD": "BPD",
    "KETUA_RW": "RT_RW",
    "SEKRETARIS_RW": "RT_RW",
    "KETUA_RT": "RT_RW",
    "SEKRETARIS_RT": "RT_RW",
    "PENGURUS_LKD": "LKD",
    "LINMAS": "LINMAS",
    "PENGELOLA_BUMDES": "LAINNYA",
    "LAINNYA": "LAINNYA",
}
VILLAGE_SINGLE = ["KEPALA_DESA", "SEKRETARIS_DESA", "KETUA_BPD"]
UNIT_SINGLE = ["KETUA_RW", "SEKRETARIS_RW", "KETUA_RT", "SEKRETARIS_RT"]

pytestmark = pytest.mark.django_db


def village(code: str = KARANGLEWAS) -> Village:
    return Village.objects.get(code=code)


def new_post(**kwargs) -> Post:
    """An unsaved post in Karanglewas held by a new person."""
    fields = {"person": PersonFactory(), "village": village(), "term_start": dt.date(2024, 1, 1)}
    fields.update(kwargs)
    return Post(**fields)


def errors_of(instance) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return exc.value.message_dict


# --- categories -----------------------------------------------------------------------------


def test_category_of_post_is_exactly_the_contract():
    assert CATEGORY_OF_POST == CONTRACT


def test_every_post_code_has_a_category():
    assert sorted(Post.Code.values) == sorted(CONTRACT)


@pytest.mark.parametrize(("code", "category"), sorted(CONTRACT.items()))
def test_save_sets_the_category_from_the_code(code, category):
    post = PostFactory(code=code, unit="RT 001 / RW 001")

    post.refresh_from_db()
    assert post.category == category


@pytest.mark.parametrize(("code", "category"), sorted(CONTRACT.items()))
def test_full_clean_sets_the_category_from_the_code(code, category):
    post = new_post(code=code)

    post.full_clean()

    assert post.category == category


def test_changing_the_code_changes_the_category_on_save():
    post = PostFactory(code=Post.Code.KAUR)
    post.code = Post.Code.LINMAS
    post.save()

    post.refresh_from_db()
    assert post.category == "LINMAS"


def test_the_database_refuses_a_category_that_does_not_match_the_code():
    post = PostFactory(code=Post.Code.KAUR)

    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(category="BPD")

    post.refresh_from_db()
    assert post.category == "PERANGKAT"


# --- terms ----------------------------------------------------------------------------------


def test_an_ended_post_is_not_current_and_is_kept():
    today = timezone.localdate()
    post = PostFactory(term_start=dt.date(2019, 1, 1), term_end=today - dt.timedelta(days=1))

    assert post.is_current(today) is False
    assert Post.objects.filter(pk=post.pk).exists()


def test_a_post_is_current_on_the_last_day_of_its_term():
    today = timezone.localdate()
    post = PostFactory(term_start=dt.date(2019, 1, 1), term_end=today)

    assert post.is_current(today) is True


def test_a_post_is_not_current_before_its_term_starts():
    post = PostFactory(term_start=dt.date(2025, 1, 1))

    assert post.is_current(dt.date(2024, 12, 31)) is False
    assert post.is_current(dt.date(2025, 1, 1)) is True


def test_a_post_without_dates_is_current():
    post = PostFactory(term_start=None, term_end=None)

    assert post.is_current(timezone.localdate()) is True


def test_full_clean_refuses_a_term_that_ends_before_it_starts():
    post = new_post(
        code=Post.Code.KAUR, term_start=dt.date(2024, 1, 1), term_end=dt.date(2023, 12, 31)
    )

    assert errors_of(post) == {"term_end": ["A term cannot end before it starts."]}


def test_full_clean_accepts_a_term_of_one_day():
    post = new_post(
        code=Post.Code.KAUR, term_start=dt.date(2024, 1, 1), term_end=dt.date(2024, 1, 1)
    )

    post.full_clean()

    assert post.term_end == post.term_start


def test_the_database_refuses_a_term_that_ends_before_it_starts():
    post = new_post(
        code=Post.Code.KAUR, term_start=dt.date(2024, 1, 1), term_end=dt.date(2023, 12, 31)
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        post.save()

    assert Post.objects.count() == 0


# --- holders --------------------------------------------------------------------------------


def test_a_person_can_hold_two_posts():
    person = PersonFactory()
    PostFactory(person=person, code=Post.Code.KAUR)
    second = Post(person=person, village=village(), code=Post.Code.KETUA_RT, unit="RT 003 / RW 001")

    second.full_clean()
    second.save()

    assert sorted(person.posts.values_list("code", flat=True)) == ["KAUR", "KETUA_RT"]


def test_many_people_can_hold_a_multi_holder_post_in_one_village():
    PostFactory(code=Post.Code.KAUR, unit="Kaur Keuangan")
    PostFactory(code=Post.Code.KAUR, unit="Kaur Keuangan")
    third = new_post(code=Post.Code.KAUR, unit="Kaur Keuangan")

    third.full_clean()
    third.save()

    assert Post.objects.filter(code="KAUR").count() == 3


def test_the_database_refuses_the_same_person_holding_the_same_open_post_twice():
    post = PostFactory(code=Post.Code.KAUR, unit="Kaur Umum")

    with pytest.raises(IntegrityError), transaction.atomic():
        PostFactory(person=post.person, code=Post.Code.KAUR, unit="Kaur Umum")

    assert Post.objects.count() == 1


def test_full_clean_refuses_the_same_person_holding_the_same_open_post_twice():
    post = PostFactory(code=Post.Code.KAUR, unit="Kaur Umum")
    again = new_post(person=post.person, code=Post.Code.KAUR, unit="Kaur Umum")

    assert errors_of(again) == {NON_FIELD_ERRORS: ["This person already holds this post."]}


def test_full_clean_accepts_the_current_holder_itself():
    post = PostFactory(code=Post.Code.KEPALA_DESA)

    post.full_clean()

    assert Post.objects.filter(code="KEPALA_DESA").count() == 1


@pytest.mark.parametrize("code", VILLAGE_SINGLE)
def test_full_clean_refuses_a_second_current_holder_of_a_village_post(code):
    PostFactory(code=code, person=PersonFactory(name="Sutrisno"))
    second = new_post(code=code)

    assert errors_of(second) == {
        NON_FIELD_ERRORS: [
            f"{Post.Code(code).label} already has a holder for this term: Sutrisno. "
            "End that term first (set its term end).",
            "This post already has a current holder in this village.",
        ]
    }


@pytest.mark.parametrize("code", VILLAGE_SINGLE)
def test_full_clean_refuses_a_second_village_post_holder_in_any_unit(code):
    PostFactory(code=code, unit="Dusun I", person=PersonFactory(name="Sutrisno"))
    second = new_post(code=code, unit="Dusun II")

    assert errors_of(second) == {
        NON_FIELD_ERRORS: [
            f"{Post.Code(code).label} already has a holder for this term: Sutrisno. "
            "End that term first (set its term end).",
            "This post already has a current holder in this village.",
        ]
    }


@pytest.mark.parametrize("code", VILLAGE_SINGLE)
def test_the_database_refuses_two_open_holders_of_a_village_post(code):
    PostFactory(code=code, unit="Dusun I", term_end=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        PostFactory(code=code, unit="Dusun II", term_end=None)

    assert Post.objects.filter(code=code).count() == 1


@pytest.mark.parametrize("code", VILLAGE_SINGLE)
def test_a_village_post_can_have_a_holder_in_another_village(code):
    PostFactory(code=code)
    other = new_post(code=code, village=village(PEKUNCEN))

    other.full_clean()
    other.save()

    assert Post.objects.filter(code=code).count() == 2


@pytest.mark.parametrize("code", VILLAGE_SINGLE)
def test_full_clean_refuses_overlapping_terms_with_end_dates(code):
    PostFactory(
        code=code,
        person=PersonFactory(name="Sutrisno"),
        term_start=dt.date(2019, 1, 1),
        term_end=dt.date(2024, 12, 31),
    )
    second = new_post(code=code, term_start=dt.date(2024, 6, 1), term_end=dt.date(2030, 12, 31))

    assert errors_of(second) == {
        NON_FIELD_ERRORS: [
            f"{Post.Code(code).label} already has a holder for this term: Sutrisno. "
            "End that term first (set its term end)."
        ]
    }


def test_full_clean_refuses_a_term_inside_another_holders_term():
    PostFactory(code="KEPALA_DESA", term_start=dt.date(2019, 1, 1), term_end=dt.date(2024, 12, 31))
    second = new_post(
        code="KEPALA_DESA", term_start=dt.date(2020, 1, 1), term_end=dt.date(2020, 6, 30)
    )

    assert list(errors_of(second)) == [NON_FIELD_ERRORS]


def test_full_clean_refuses_an_earlier_term_that_runs_into_the_holders_term():
    PostFactory(code="KEPALA_DESA", term_start=dt.date(2025, 1, 1), term_end=None)
    earlier = new_post(
        code="KEPALA_DESA", term_start=dt.date(2019, 1, 1), term_end=dt.date(2025, 1, 1)
    )

    assert list(errors_of(earlier)) == [NON_FIELD_ERRORS]


def test_full_clean_refuses_a_successor_while_the_predecessor_has_no_term_end():
    PostFactory(code="KEPALA_DESA", term_start=dt.date(2019, 1, 1), term_end=None)
    successor = new_post(code="KEPALA_DESA", term_start=dt.date(2025, 1, 1))

    assert list(errors_of(successor)) == [NON_FIELD_ERRORS]


def test_full_clean_refuses_a_successor_starting_on_the_predecessors_last_day():
    PostFactory(code="KEPALA_DESA", term_start=dt.date(2019, 1, 1), term_end=dt.date(2024, 12, 31))
    successor = new_post(code="KEPALA_DESA", term_start=dt.date(2024, 12, 31))

    assert list(errors_of(successor)) == [NON_FIELD_ERRORS]


@pytest.mark.parametrize("code", VILLAGE_SINGLE + UNIT_SINGLE)
def test_a_successor_starting_after_the_predecessors_term_end_is_allowed(code):
    PostFactory(
        code=code, unit="RT 001", term_start=dt.date(2019, 1, 1), term_end=dt.date(2024, 12, 31)
    )
    successor = new_post(code=code, unit="RT 001", term_start=dt.date(2025, 1, 1))

    successor.full_clean()
    successor.save()

    assert Post.objects.filter(code=code).count() == 2


def test_a_predecessor_entered_after_the_successor_is_allowed():
    PostFactory(code="KETUA_BPD", term_start=dt.date(2025, 1, 1), term_end=None)
    predecessor = new_post(
        code="KETUA_BPD", term_start=dt.date(2019, 1, 1), term_end=dt.date(2024, 12, 31)
    )

    predecessor.full_clean()
    predecessor.save()

    assert Post.objects.filter(code="KETUA_BPD").count() == 2


@pytest.mark.parametrize("code", UNIT_SINGLE)
def test_full_clean_refuses_a_second_current_holder_in_the_same_unit(code):
    PostFactory(code=code, unit="RT 003 / RW 001", person=PersonFactory(name="Parmin"))
    second = new_post(code=code, unit="RT 003 / RW 001")

    assert errors_of(second) == {
        NON_FIELD_ERRORS: [
            f"{Post.Code(code).label} already has a holder for this term: Parmin. "
            "End that term first (set its term end).",
            "This post already has a current holder in this unit.",
        ]
    }


@pytest.mark.parametrize("code", UNIT_SINGLE)
def test_full_clean_refuses_overlapping_terms_in_the_same_unit(code):
    PostFactory(
        code=code,
        unit="RT 003 / RW 001",
        term_start=dt.date(2019, 1, 1),
        term_end=dt.date(2024, 12, 31),
    )
    second = new_post(
        code=code,
        unit="RT 003 / RW 001",
        term_start=dt.date(2024, 1, 1),
        term_end=dt.date(2027, 12, 31),
    )

    assert list(errors_of(second)) == [NON_FIELD_ERRORS]


@pytest.mark.parametrize("code", UNIT_SINGLE)
def test_a_unit_post_can_have_a_holder_in_another_unit(code):
    PostFactory(code=code, unit="RT 003 / RW 001")
    other = new_post(code=code, unit="RT 004 / RW 001")

    other.full_clean()
    other.save()

    assert sorted(Post.objects.filter(code=code).values_list("unit", flat=True)) == [
        "RT 003 / RW 001",
        "RT 004 / RW 001",
    ]


@pytest.mark.parametrize("code", UNIT_SINGLE)
def test_the_database_refuses_two_open_holders_in_the_same_unit(code):
    PostFactory(code=code, unit="RT 003 / RW 001", term_end=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        PostFactory(code=code, unit="RT 003 / RW 001", term_end=None)

    assert Post.objects.filter(code=code).count() == 1


@pytest.mark.parametrize("code", UNIT_SINGLE)
def test_the_database_allows_open_holders_in_different_units(code):
    PostFactory(code=code, unit="RT 003 / RW 001", term_end=None)
    PostFactory(code=code, unit="RT 004 / RW 001", term_end=None)

    assert Post.objects.filter(code=code).count() == 2


def test_the_database_allows_an_ended_and_an_open_holder_of_a_village_post():
    PostFactory(code="KEPALA_DESA", term_start=dt.date(2013, 1, 1), term_end=dt.date(2018, 12, 31))
    PostFactory(code="KEPALA_DESA", term_start=dt.date(2019, 1, 1), term_end=None)

    assert Post.objects.filter(code="KEPALA_DESA").count() == 2


# --- protection on delete -------------------------------------------------------------------


def test_deleting_a_village_with_posts_is_refused():
    post = PostFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        village().delete()

    assert Post.objects.filter(pk=post.pk, village_id=KARANGLEWAS).exists()


def test_deleting_a_person_with_posts_is_refused():
    post = PostFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        post.person.delete()

    assert Person.objects.filter(pk=post.person.pk).exists()


def test_deleting_a_person_with_memberships_is_refused():
    membership = MembershipFactory()

    with pytest.raises(ProtectedError), transaction.atomic():
        membership.person.delete()

    assert Person.objects.filter(pk=membership.person.pk).exists()


def test_deleting_a_person_without_posts_or_memberships_is_allowed():
    person = PersonFactory()

    person.delete()

    assert Person.objects.filter(nik=person.nik).exists() is False


# --- villages and targets -------------------------------------------------------------------


def test_village_str_shows_name_and_code():
    assert str(village()) == "Karanglewas (33.02.03.2003)"


def test_village_absolute_url_is_its_admin_change_page():
    assert village().get_absolute_url() == "/admin/villages/village/33.02.03.2003/change/"


def test_village_regency_code_is_the_first_five_characters():
    assert village().regency_code == "33.02"


def test_target_workers_is_the_share_of_the_worker_base():
    target = RegencyTarget.objects.create(
        regency=Regency.objects.get(code="33.02"),
        year=2026,
        target_pct=Decimal("40.00"),
        worker_base=700_000,
    )

    target.refresh_from_db()
    assert target.target_workers == 280_000


def test_target_str_shows_regency_year_and_percentage():
    target = RegencyTarget.objects.create(
        regency=Regency.objects.get(code="33.02"),
        year=2026,
        target_pct=Decimal("40.00"),
        worker_base=700_000,
    )

    assert str(target) == "Kabupaten Banyumas 2026: 40.00%"


def test_the_database_refuses_two_targets_for_one_regency_and_year():
    banyumas = Regency.objects.get(code="33.02")
    RegencyTarget.objects.create(regency=banyumas, year=2026, target_pct=40, worker_base=700_000)

    with pytest.raises(IntegrityError), transaction.atomic():
        RegencyTarget.objects.create(regency=banyumas, year=2026, target_pct=50, worker_base=1)

    assert RegencyTarget.objects.filter(regency=banyumas).count() == 1


def test_full_clean_refuses_two_targets_for_one_regency_and_year():
    banyumas = Regency.objects.get(code="33.02")
    RegencyTarget.objects.create(regency=banyumas, year=2026, target_pct=40, worker_base=700_000)
    again = RegencyTarget(regency=banyumas, year=2026, target_pct=50, worker_base=1)

    assert errors_of(again) == {
        NON_FIELD_ERRORS: ["This regency already has a target for that year."]
    }


def test_targets_for_another_year_or_regency_are_allowed():
    banyumas = Regency.objects.get(code="33.02")
    RegencyTarget.objects.create(regency=banyumas, year=2026, target_pct=40, worker_base=700_000)
    next_year = RegencyTarget(regency=banyumas, year=2027, target_pct=45, worker_base=700_000)
    tuban = RegencyTarget(
        regency=Regency.objects.get(code="35.23"), year=2026, target_pct=40, worker_base=500_000
    )

    next_year.full_clean()
    tuban.full_clean()
    next_year.save()
    tuban.save()

    assert RegencyTarget.objects.count() == 3


def test_the_database_refuses_a_target_above_100_percent():
    banyumas = Regency.objects.get(code="33.02")

    with pytest.raises(IntegrityError), transaction.atomic():
        RegencyTarget.objects.create(
            regency=banyumas, year=2026, target_pct=Decimal("100.01"), worker_base=1
        )

    assert RegencyTarget.objects.count() == 0


def test_target_workers_round_half_up():
    from decimal import Decimal

    from villages.models import RegencyTarget

    assert RegencyTarget(target_pct=Decimal(50), worker_base=5).target_workers == 3
