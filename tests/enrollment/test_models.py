"""Programs and memberships: the data migration, states at their boundaries, the constraints."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from enrollment.models import Membership, Program, State, arrears_since, state_of
from tests.factories import MembershipFactory, PersonFactory


def errors_of(instance) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return exc.value.message_dict


# --- programs -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_data_migration_creates_the_five_programs_in_order():
    assert list(Program.objects.values_list("code", "name", "order")) == [
        ("JKK", "Jaminan Kecelakaan Kerja", 1),
        ("JKM", "Jaminan Kematian", 2),
        ("JHT", "Jaminan Hari Tua", 3),
        ("JP", "Jaminan Pensiun", 4),
        ("JKP", "Jaminan Kehilangan Pekerjaan", 5),
    ]


# --- state_of at its boundaries -------------------------------------------------------------


def test_paid_until_today_is_active():
    today = timezone.localdate()

    assert state_of(today, today) == State.ACTIVE


def test_paid_until_a_future_day_is_active():
    today = timezone.localdate()

    assert state_of(today + dt.timedelta(days=1), today) == State.ACTIVE


def test_paid_until_yesterday_is_in_arrears():
    today = timezone.localdate()

    assert state_of(today - dt.timedelta(days=1), today) == State.IN_ARREARS


def test_paid_until_exactly_three_months_ago_is_in_arrears():
    today = timezone.localdate()

    assert state_of(today - relativedelta(months=3), today) == State.IN_ARREARS


def test_paid_until_three_months_and_one_day_ago_is_ended():
    today = timezone.localdate()

    assert state_of(today - relativedelta(months=3, days=1), today) == State.ENDED


def test_no_paid_until_date_is_ended():
    assert state_of(None, timezone.localdate()) == State.ENDED


@pytest.mark.parametrize(
    ("paid_until", "day", "state"),
    [
        # Month end: three months before 31 May 2026 is 28 February 2026.
        (dt.date(2026, 2, 28), dt.date(2026, 5, 31), State.IN_ARREARS),
        (dt.date(2026, 2, 27), dt.date(2026, 5, 31), State.ENDED),
        # Leap year: three months before 31 May 2028 is 29 February 2028.
        (dt.date(2028, 2, 29), dt.date(2028, 5, 31), State.IN_ARREARS),
        (dt.date(2028, 2, 28), dt.date(2028, 5, 31), State.ENDED),
        # Across the new year.
        (dt.date(2025, 10, 31), dt.date(2026, 1, 31), State.IN_ARREARS),
        (dt.date(2025, 10, 30), dt.date(2026, 1, 31), State.ENDED),
        (dt.date(2026, 1, 31), dt.date(2026, 1, 31), State.ACTIVE),
        (dt.date(2026, 1, 30), dt.date(2026, 1, 31), State.IN_ARREARS),
    ],
)
def test_state_of_at_fixed_boundaries(paid_until, day, state):
    assert state_of(paid_until, day) == state


def test_arrears_window_starts_three_calendar_months_back_clamped_to_month_end():
    assert arrears_since(dt.date(2026, 5, 31)) == dt.date(2026, 2, 28)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("paid_until", "state"),
    [
        (dt.date(2026, 5, 31), State.ACTIVE),
        (dt.date(2026, 5, 30), State.IN_ARREARS),
        (dt.date(2026, 2, 28), State.IN_ARREARS),
        (dt.date(2026, 2, 27), State.ENDED),
        (None, State.ENDED),
    ],
)
def test_membership_state_on_follows_paid_until(paid_until, state):
    membership = MembershipFactory(paid_until=paid_until)

    membership.refresh_from_db()
    assert membership.state_on(dt.date(2026, 5, 31)) == state


@pytest.mark.django_db
def test_membership_paid_until_today_is_active_today():
    today = timezone.localdate()
    membership = MembershipFactory(enrolled_on=today - dt.timedelta(days=400), paid_until=today)

    assert membership.state_on(today) == State.ACTIVE
    assert membership.state_on(today + dt.timedelta(days=1)) == State.IN_ARREARS


# --- constraints ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_two_memberships_of_a_person_in_one_program():
    first = MembershipFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(person=first.person, program=first.program)

    assert Membership.objects.filter(person=first.person).count() == 1


@pytest.mark.django_db
def test_full_clean_refuses_two_memberships_of_a_person_in_one_program():
    first = MembershipFactory()
    again = Membership(person=first.person, program=first.program)

    assert errors_of(again) == {
        NON_FIELD_ERRORS: ["This person already has a membership in this program."]
    }


@pytest.mark.django_db
def test_a_person_can_be_a_member_of_every_program():
    person = PersonFactory()
    for program in Program.objects.all():
        membership = Membership(person=person, program=program)
        membership.full_clean()
        membership.save()

    assert list(person.memberships.values_list("program_id", flat=True)) == [
        "JKK",
        "JKM",
        "JHT",
        "JP",
        "JKP",
    ]


@pytest.mark.django_db
def test_full_clean_refuses_paid_until_before_enrolled_on():
    membership = MembershipFactory.build(
        person=PersonFactory(), enrolled_on=dt.date(2025, 3, 1), paid_until=dt.date(2025, 2, 28)
    )

    assert errors_of(membership) == {
        NON_FIELD_ERRORS: ["Contributions cannot be paid until a date before enrolment."]
    }


@pytest.mark.django_db
def test_the_database_refuses_paid_until_before_enrolled_on():
    person = PersonFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(
            person=person, enrolled_on=dt.date(2025, 3, 1), paid_until=dt.date(2025, 2, 28)
        )

    assert person.memberships.count() == 0


@pytest.mark.django_db
def test_paid_until_on_the_enrolment_day_is_allowed():
    membership = MembershipFactory.build(
        person=PersonFactory(), enrolled_on=dt.date(2025, 3, 1), paid_until=dt.date(2025, 3, 1)
    )

    membership.full_clean()
    membership.save()

    assert Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kpj", ["12345678901", "0", ""])
def test_full_clean_accepts_a_kpj_of_digits_only(kpj):
    membership = MembershipFactory.build(person=PersonFactory(), kpj_number=kpj)

    membership.full_clean()

    assert membership.kpj_number == kpj


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kpj", ["KPJ12345678", "1234-5678-901", "12345 678901", " 12345678901", "1.23457E+10"]
)
def test_full_clean_refuses_a_kpj_that_is_not_digits_only(kpj):
    membership = MembershipFactory.build(person=PersonFactory(), kpj_number=kpj)

    assert errors_of(membership) == {"kpj_number": ["A KPJ number is digits only."]}


def test_kpj_number_with_a_trailing_newline_is_refused():
    from django.core.exceptions import ValidationError

    from enrollment.models import Membership

    field = Membership._meta.get_field("kpj_number")
    with pytest.raises(ValidationError):
        field.run_validators("12345678901\n")
    field.run_validators("12345678901")
