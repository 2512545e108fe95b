"""A person's contact phone in the admin: entered and changed with history by users who may
see full identifiers (and their display logged), shown masked and read-only to others."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.admin.helpers import form_data
from tests.factories import PersonFactory, PostFactory, make_nik
from villages.models import AccessLog, Person

KARANGLEWAS = "33.02.03.2003"
PHONE = "081234567890"


@pytest.fixture
def holder(db):
    return PostFactory(village_id=KARANGLEWAS, person=PersonFactory(phone=PHONE)).person


def _change(person) -> str:
    return reverse("admin:villages_person_change", args=[person.pk])


def test_branch_staff_see_the_full_number_and_it_is_logged(banyumas_staff, holder):
    page = banyumas_staff.get(_change(holder))
    assert page.context["adminform"].form.initial["phone"] == PHONE
    assert list(AccessLog.objects.values_list("action", "area_code", "rows", "what")) == [
        ("full_identifiers", KARANGLEWAS, 1, f"admin person {holder.pk}")
    ]


def test_a_manager_sees_it_masked_and_cannot_change_it(banyumas_manager, holder):
    page = banyumas_manager.get(_change(holder))
    html = page.content.decode()
    assert PHONE not in html
    assert "********7890" in html
    assert "phone" not in page.context["adminform"].form.fields
    assert AccessLog.objects.count() == 0


def test_branch_staff_change_the_number_with_history(banyumas_staff, holder):
    page = banyumas_staff.get(_change(holder))
    response = banyumas_staff.post(_change(holder), form_data(page, phone="0813 2222 3333"))
    assert response.status_code == 302
    assert list(Person.history.filter(id=holder.pk).values_list("phone", flat=True)) == [
        "081322223333",
        PHONE,
    ]


def test_a_bad_number_is_refused_and_nothing_is_written(banyumas_staff, holder):
    page = banyumas_staff.get(_change(holder))
    response = banyumas_staff.post(_change(holder), form_data(page, phone="0812-ABC"))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["phone"]
    assert Person.objects.get(pk=holder.pk).phone == PHONE
    assert Person.history.filter(id=holder.pk).count() == 1


def test_head_office_enters_a_phone_with_a_new_person(head_office):
    add = reverse("admin:villages_person_add")
    nik = make_nik("33.02.03", dt.date(1985, 2, 3), "L", 21)
    data = form_data(head_office.get(add), nik=nik, name="Darsono", sex="L", phone="+62 812 1")
    assert list(head_office.post(add, data).context["adminform"].form.errors) == ["phone"]
    data["phone"] = "+62 812 3456 7890"
    assert head_office.post(add, data).status_code == 302
    assert Person.objects.get(nik=nik).phone == "+6281234567890"
