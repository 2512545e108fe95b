"""NIK checks (villages.nik) and what Person does with a NIK."""

import datetime as dt

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from tests.factories import PersonFactory, make_nik
from villages.models import Person
from villages.nik import NikFacts, mask_nik, parse_nik, validate_nik

# Kec. Jatilawang, Kab. Banyumas (33.02.03); born 12 April 1980; serial 0001.
MAN_NIK = "3302031204800001"
WOMAN_NIK = "3302035204800001"  # the same birth date, day + 40


def nik_error_codes(value: str) -> list[str | None]:
    with pytest.raises(ValidationError) as exc:
        validate_nik(value)
    return [error.code for error in exc.value.error_list]


@pytest.fixture
def today_is_15_may_2026(monkeypatch):
    """Pin "today" so that birth dates around it are stable whatever day the tests run."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 5, 15))


# --- valid NIKs -------------------------------------------------------------------------------


def test_it_reads_birth_date_and_sex_from_a_mans_nik():
    validate_nik(MAN_NIK)

    assert parse_nik(MAN_NIK) == NikFacts(
        district_code="33.02.03", birth_date=dt.date(1980, 4, 12), sex="L"
    )


def test_it_reads_day_plus_40_as_a_womans_birth_day():
    validate_nik(WOMAN_NIK)

    assert parse_nik(WOMAN_NIK) == NikFacts(
        district_code="33.02.03", birth_date=dt.date(1980, 4, 12), sex="P"
    )


def test_make_nik_helper_builds_the_niks_used_here():
    assert make_nik("33.02.03", dt.date(1980, 4, 12), "L", 1) == MAN_NIK
    assert make_nik("33.02.03", dt.date(1980, 4, 12), "P", 1) == WOMAN_NIK


def test_it_accepts_29_february_of_a_leap_year_for_a_woman():
    nik = "3302036902800007"  # 29 + 40 = 69, February 1980

    validate_nik(nik)

    assert parse_nik(nik) == NikFacts(
        district_code="33.02.03", birth_date=dt.date(1980, 2, 29), sex="P"
    )


def test_it_accepts_a_known_province_with_an_unknown_district():
    # 33.02.99 does not exist, but a NIK keeps the district code it was issued with
    # (pre-split codes): a known province is enough.
    nik = "3302991204800001"

    validate_nik(nik)

    assert parse_nik(nik) == NikFacts(
        district_code="33.02.99", birth_date=dt.date(1980, 4, 12), sex="L"
    )


def test_it_accepts_a_known_province_with_an_unknown_regency():
    nik = "3398011204800001"

    validate_nik(nik)

    assert parse_nik(nik).district_code == "33.98.01"


def test_it_reads_a_two_digit_year_after_this_year_as_last_century(today_is_15_may_2026):
    nik = "3302031505270001"  # 15 May (19)27

    validate_nik(nik)

    assert parse_nik(nik).birth_date == dt.date(1927, 5, 15)


def test_it_accepts_a_person_born_today(today_is_15_may_2026):
    nik = "3302031505260001"

    validate_nik(nik)

    assert parse_nik(nik).birth_date == dt.date(2026, 5, 15)


# --- format ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("330203120480001", id="15-digits"),
        pytest.param("33020312048000011", id="17-digits"),
        pytest.param("33020312048000A1", id="letter"),
        pytest.param("3302 0312 0480 0001", id="spaces"),
        pytest.param("33.02.03.120480.0001", id="dots"),
        pytest.param("3302031204800001 ", id="trailing-space"),
        pytest.param("3302031204800001\n", id="trailing-newline"),
        pytest.param("", id="empty"),
    ],
)
def test_it_rejects_anything_but_16_digits_with_nik_format(value):
    assert nik_error_codes(value) == ["nik_format"]


def test_it_rejects_scientific_nik():
    # What a spreadsheet makes of a NIK stored as a number.
    assert nik_error_codes("3.30218E+15") == ["nik_format"]


def test_it_rejects_none_with_nik_format():
    assert nik_error_codes(None) == ["nik_format"]


def test_the_format_message_says_how_many_characters_it_got():
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        validate_nik("330203120480001")

    assert exc.value.messages == [
        "A NIK is exactly 16 digits; got 15 characters, 15 of them digits."
    ]


# --- birth date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("3302033204800001", id="day-32"),
        pytest.param("3302037204800001", id="woman-day-32"),
        pytest.param("3302031213800001", id="month-13"),
        pytest.param("3302031200800001", id="month-00"),
        pytest.param("3302030004800001", id="day-00"),
        pytest.param("3302034004800001", id="day-40"),
        pytest.param("3302033102800001", id="31-february"),
        pytest.param("3302037002800001", id="woman-30-february"),
        pytest.param("3302032902810001", id="29-february-non-leap-year"),
        pytest.param("3302033104800001", id="31-april"),
    ],
)
def test_it_rejects_an_impossible_birth_date_with_nik_birth_date(value):
    assert nik_error_codes(value) == ["nik_birth_date"]


def test_it_rejects_a_birth_date_in_the_future(today_is_15_may_2026):
    assert nik_error_codes("3302031605260001") == ["nik_birth_date"]  # 16 May 2026


def test_it_rejects_a_womans_birth_date_in_the_future(today_is_15_may_2026):
    assert nik_error_codes("3302035012260001") == ["nik_birth_date"]  # 10 December 2026


def test_parse_nik_gives_nothing_for_a_birth_date_in_the_future(today_is_15_may_2026):
    assert parse_nik("3302031605260001") is None


# --- region and serial ----------------------------------------------------------------------


def test_it_rejects_an_unknown_province_with_nik_province():
    assert nik_error_codes("9902031204800001") == ["nik_province"]


def test_it_rejects_province_00_with_nik_province():
    assert nik_error_codes("0002031204800001") == ["nik_province"]


def test_it_rejects_regency_00_with_nik_wilayah():
    assert nik_error_codes("3300031204800001") == ["nik_wilayah"]


def test_it_rejects_district_00_with_nik_wilayah():
    assert nik_error_codes("3302001204800001") == ["nik_wilayah"]


def test_it_rejects_serial_0000_with_nik_serial():
    assert nik_error_codes("3302031204800000") == ["nik_serial"]


def test_it_reports_every_reason_at_once():
    # Province 99, district 00, 31 February, serial 0000.
    assert nik_error_codes("9902003102800000") == [
        "nik_province",
        "nik_wilayah",
        "nik_birth_date",
        "nik_serial",
    ]


def test_the_region_message_names_the_dotted_region_code():
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        validate_nik("9902031204800001")

    assert exc.value.messages == [
        "The NIK's region code 99.02.03 is not a known district or province."
    ]


@pytest.mark.parametrize(
    "value",
    [None, "", "330203120480001", "3.30218E+15", "9902031204800001", "3302031204800000"],
)
def test_parse_nik_gives_nothing_for_an_invalid_nik(value):
    assert parse_nik(value) is None


# --- masking --------------------------------------------------------------------------------


def test_mask_nik_shows_the_first_6_and_last_4_digits():
    assert mask_nik(MAN_NIK) == "330203******0001"


def test_mask_nik_hides_every_character_of_a_value_that_is_not_16_long():
    assert mask_nik("330203120480001") == "***************"


# --- Person ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_person_full_clean_accepts_a_matching_sex():
    person = Person(nik=WOMAN_NIK, name="Siti Aminah", sex="P")

    person.full_clean()

    assert person.sex == "P"


@pytest.mark.django_db
def test_person_full_clean_refuses_a_sex_the_nik_contradicts():
    person = Person(nik=WOMAN_NIK, name="Siti Aminah", sex="L")

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        person.full_clean()

    assert exc.value.message_dict == {"sex": ["The NIK says female, but male was given."]}


@pytest.mark.django_db
def test_person_full_clean_fills_a_missing_sex_from_the_nik():
    person = Person(nik=WOMAN_NIK, name="Siti Aminah")

    person.full_clean()

    assert person.sex == "P"


@pytest.mark.django_db
def test_person_save_fills_a_missing_sex_and_the_birth_date_from_the_nik():
    Person.objects.create(nik=WOMAN_NIK, name="Siti Aminah")

    person = Person.objects.get(nik=WOMAN_NIK)
    assert (person.sex, person.birth_date) == ("P", dt.date(1980, 4, 12))


@pytest.mark.django_db
def test_person_save_sets_a_mans_birth_date_from_the_nik():
    person = PersonFactory(nik=MAN_NIK, sex="")

    person.refresh_from_db()
    assert (person.sex, person.birth_date) == ("L", dt.date(1980, 4, 12))


@pytest.mark.django_db
def test_person_full_clean_reports_the_nik_error_code_on_the_nik_field():
    person = Person(nik="3.30218E+15", name="Budi", sex="L")

    with pytest.raises(ValidationError) as exc:
        person.full_clean()

    assert list(exc.value.error_dict) == ["nik"]
    assert [error.code for error in exc.value.error_dict["nik"]] == ["nik_format"]


@pytest.mark.django_db
def test_person_full_clean_reports_every_nik_error_code():
    person = Person(nik="3302003102800000", name="Budi", sex="L")

    with pytest.raises(ValidationError) as exc:
        person.full_clean()

    assert [error.code for error in exc.value.error_dict["nik"]] == [
        "nik_wilayah",
        "nik_birth_date",
        "nik_serial",
    ]


@pytest.mark.django_db
def test_person_full_clean_refuses_a_duplicate_nik():
    PersonFactory(nik=MAN_NIK)
    duplicate = Person(nik=MAN_NIK, name="Budi Lain", sex="L")

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        duplicate.full_clean()

    assert exc.value.message_dict == {NON_FIELD_ERRORS: ["A person with this NIK already exists."]}


@pytest.mark.django_db
def test_person_validate_constraints_refuses_a_duplicate_nik():
    PersonFactory(nik=MAN_NIK)
    duplicate = Person(nik=MAN_NIK, name="Budi Lain", sex="L")

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        duplicate.validate_constraints()

    assert exc.value.messages == ["A person with this NIK already exists."]


@pytest.mark.django_db
def test_person_full_clean_accepts_the_saved_person_itself():
    person = PersonFactory(nik=MAN_NIK)

    person.full_clean()

    assert Person.objects.filter(nik=MAN_NIK).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_nik():
    PersonFactory(nik=MAN_NIK)

    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(nik=MAN_NIK, name="Budi Lain", sex="L")

    assert Person.objects.filter(nik=MAN_NIK).count() == 1
