"""Persons' contact phones: normalized from what people type, validated, masked."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PersonFactory
from villages.models import Person
from villages.phones import mask_phone, normalize_phone


@pytest.mark.parametrize(
    "typed,kept",
    [
        ("081234567890", "081234567890"),
        ("0812-3456-7890", "081234567890"),
        ("0812 3456 7890", "081234567890"),
        ("+62 812.3456.7890", "+6281234567890"),
        ("(0281) 631234", "0281631234"),
        ("0281/631234", "0281631234"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_keeps_the_digits_people_type(typed, kept):
    assert normalize_phone(typed) == kept


@pytest.mark.parametrize(
    "value,masked",
    [("081234567890", "********7890"), ("+6281234567890", "**********7890"), ("", "")],
)
def test_it_masks_all_but_the_last_four_digits(value, masked):
    assert mask_phone(value) == masked


def test_a_person_is_saved_with_the_normalized_number(db):
    person = PersonFactory.build(phone="0812-3456-7890")
    person.full_clean()
    person.save()
    assert Person.objects.get(pk=person.pk).phone == "081234567890"


def test_the_phone_is_optional(db):
    person = PersonFactory.build(phone="")
    person.full_clean()  # no error


@pytest.mark.parametrize(
    "value", ["0812", "0812-3456-7890-1234", "0812 3456 789O", "+", "62+81234567", "tel 0812345678"]
)
def test_it_rejects_what_is_not_a_phone_number(db, value):
    person = PersonFactory.build(phone=value)
    with pytest.raises(ValidationError) as raised:
        person.full_clean()
    assert [error.code for error in raised.value.error_dict["phone"]] == ["phone"]


def test_the_form_field_leaves_room_for_separators():
    field = Person._meta.get_field("phone").formfield()
    assert field.widget.attrs["maxlength"] == "24"
    assert field.clean("+62 812-3456-7890") == "+6281234567890"
