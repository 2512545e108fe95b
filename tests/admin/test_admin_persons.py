"""Persons without a post in the admin: a scoped user sees those entered in their area (to
give them a post next) and nobody entered elsewhere; head office sees everyone."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.admin.helpers import form_data
from tests.factories import BranchOfficeFactory, PersonFactory, PostFactory, make_nik
from villages.models import Person, Post, Regency
from villages.roles import user_role_set

PERSONS = reverse("admin:villages_person_changelist")
KARANGLEWAS = "33.02.03.2003"


def _autocomplete(client, model: str, term: str) -> list[str]:
    params = {"app_label": "villages", "model_name": model, "field_name": "person", "term": term}
    return [
        item["text"] for item in client.get(reverse("admin:autocomplete"), params).json()["results"]
    ]


@pytest.fixture
def tuban_staff(db) -> Client:
    branch = BranchOfficeFactory.create(name="Tuban", regional_office__name="Kanwil Jawa Timur")
    branch.regencies.set(Regency.objects.filter(code="35.23"))
    client = Client()
    client.force_login(
        user_role_set(username="tuban", kind="branch_staff", branch_name="Tuban").user
    )
    return client


@pytest.fixture
def unplaced(db) -> dict:
    """Persons with no post: one entered by head office (no area), one entered in Tuban."""
    return {
        "nowhere": PersonFactory(name="Tanpa Wilayah"),
        "tuban": PersonFactory(name="Warga Tuban", district_code="35.23.08", created_in="35.23"),
    }


def test_branch_staff_do_not_see_persons_without_a_post_entered_elsewhere(banyumas_staff, unplaced):
    assert banyumas_staff.get(PERSONS).context["cl"].result_count == 0
    for person in unplaced.values():
        url = reverse("admin:villages_person_change", args=[person.pk])
        assert banyumas_staff.get(url).status_code == 404
    assert _autocomplete(banyumas_staff, "post", "Tanpa") == []
    assert _autocomplete(banyumas_staff, "post", "Tuban") == []


def test_branch_staff_see_persons_entered_in_their_area_and_holders_of_posts_there(
    banyumas_staff, unplaced
):
    entered = PersonFactory(name="Warga Baru", created_in="33.02")
    holder = PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name="Pemegang")).person
    cl = banyumas_staff.get(PERSONS).context["cl"]
    assert sorted(cl.queryset.values_list("name", flat=True)) == [holder.name, entered.name]


def test_head_office_sees_every_person(head_office, unplaced):
    assert head_office.get(PERSONS).context["cl"].result_count == 2


def test_a_person_entered_by_branch_staff_can_be_given_a_post_by_them(banyumas_staff, tuban_staff):
    add = reverse("admin:villages_person_add")
    page = banyumas_staff.get(add)
    assert page.context["adminform"].form.fields["created_in"].choices == [
        ("33.02", "Kabupaten Banyumas (33.02)")
    ]
    nik = make_nik("33.02.03", dt.date(1985, 2, 3), "L", 17)
    response = banyumas_staff.post(add, form_data(page, nik=nik, name="Darsono", sex="L"))
    assert response.status_code == 302
    person = Person.objects.get(nik=nik)
    assert person.created_in == "33.02"
    # Found again to give a post: the autocomplete of the post form, and the post form itself.
    assert _autocomplete(banyumas_staff, "post", "Darsono") == ["Darsono"]
    post_add = reverse("admin:villages_post_add")
    data = form_data(
        banyumas_staff.get(post_add),
        person=str(person.pk),
        village=KARANGLEWAS,
        code="KASI",
        term_start="01/01/2025",
    )
    assert banyumas_staff.post(post_add, data).status_code == 302
    assert list(Post.objects.values_list("person__name", "village_id")) == [
        ("Darsono", KARANGLEWAS)
    ]
    # Another branch does not see them.
    assert _autocomplete(tuban_staff, "post", "Darsono") == []
    url = reverse("admin:villages_person_change", args=[person.pk])
    assert tuban_staff.get(url).status_code == 404


def test_a_scoped_user_can_only_enter_a_person_in_their_own_area(banyumas_staff):
    add = reverse("admin:villages_person_add")
    nik = make_nik("33.02.03", dt.date(1985, 2, 3), "L", 18)
    response = banyumas_staff.post(
        add,
        form_data(banyumas_staff.get(add), nik=nik, name="Darsono", sex="L", created_in="35.23"),
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["created_in"]
    assert not Person.objects.filter(nik=nik).exists()


def test_head_office_enters_a_person_with_no_area(head_office):
    add = reverse("admin:villages_person_add")
    page = head_office.get(add)
    assert "created_in" not in page.context["adminform"].form.fields
    nik = make_nik("33.02.03", dt.date(1985, 2, 3), "L", 19)
    assert head_office.post(add, form_data(page, nik=nik, name="Pusat", sex="L")).status_code == 302
    assert Person.objects.get(nik=nik).created_in is None
