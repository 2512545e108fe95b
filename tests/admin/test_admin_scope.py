"""The admin through the eyes of scoped users: what a branch officer of Purwokerto (Banyumas)
and a regency manager may see and do."""

import pytest
from django.urls import reverse

from enrollment.models import Membership
from tests.factories import BranchOfficeFactory, MembershipFactory, PersonFactory, PostFactory
from villages.models import AccessLog, Regency, Village
from villages.roles import user_role_set

KARANGLEWAS = "33.02.03.2003"  # Banyumas: in scope
KARANGLO = "35.23.08.2016"  # Tuban: out of scope


@pytest.fixture
def people(db):
    inside = PostFactory(code="KAUR", village_id=KARANGLEWAS)
    outside = PostFactory(
        code="KAUR", village_id=KARANGLO, person=PersonFactory(district_code="35.23.08")
    )
    MembershipFactory(person=inside.person, kpj_number="18012345678")
    MembershipFactory(person=outside.person, kpj_number="18099999999")
    return {"inside": inside, "outside": outside}


@pytest.fixture
def officer(client, db):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code="33.02"))
    role = user_role_set(username="staf", kind="branch_staff", branch_name="Purwokerto")
    client.force_login(role.user)
    return client


@pytest.fixture
def manager(client, db):
    role = user_role_set(username="manajer", kind="manager", area_codes=["33.02"])
    client.force_login(role.user)
    return client


def test_the_village_list_holds_only_villages_in_scope(officer):
    response = officer.get(reverse("admin:villages_village_changelist"))
    assert response.context["cl"].result_count == 331
    assert response.context["cl"].queryset.filter(code=KARANGLO).exists() is False


def test_change_form_and_history_of_a_foreign_record_are_404(officer, people):
    outside = people["outside"]
    for name, pk in [
        ("villages_village", KARANGLO),
        ("villages_post", outside.pk),
        ("villages_person", outside.person.pk),
        ("enrollment_membership", Membership.objects.get(person=outside.person).pk),
    ]:
        for view in ("change", "history"):
            url = reverse(f"admin:{name}_{view}", args=[pk])
            assert officer.get(url).status_code == 404, url
        # Branch staff delete nothing (posts and memberships are ended, not erased): the
        # refusal comes before any lookup, so it says nothing about the record either.
        assert officer.get(reverse(f"admin:{name}_delete", args=[pk])).status_code == 403


def test_own_records_open(officer, people):
    inside = people["inside"]
    assert officer.get(reverse("admin:villages_post_change", args=[inside.pk])).status_code == 200
    url = reverse("admin:villages_person_history", args=[inside.person.pk])
    assert officer.get(url).status_code == 200


@pytest.mark.parametrize(
    "url_name,param,value",
    [
        ("admin:villages_village_changelist", "district__regency", "35.23"),
        ("admin:villages_village_changelist", "district__regency__province", "36"),
        ("admin:villages_post_changelist", "village", KARANGLO),
        ("admin:villages_post_changelist", "village__district", "35.23.08"),
        ("admin:villages_district_changelist", "regency", "35.23"),
    ],
)
def test_a_filter_naming_a_foreign_area_is_404(officer, url_name, param, value):
    assert officer.get(reverse(url_name), {param: value}).status_code == 404


def test_a_filter_on_the_own_province_is_allowed_but_shows_only_the_scope(officer, people):
    response = officer.get(
        reverse("admin:villages_post_changelist"), {"village__district__regency__province": "33"}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_a_membership_filter_on_a_foreign_person_is_404(officer, people):
    url = reverse("admin:enrollment_membership_changelist")
    assert officer.get(url, {"person": people["outside"].person.pk}).status_code == 404
    assert officer.get(url, {"person": "abc"}).status_code == 404
    assert officer.get(url, {"person": people["inside"].person.pk}).status_code == 200


def test_autocomplete_offers_only_villages_in_scope(officer):
    response = officer.get(
        reverse("admin:autocomplete"),
        {"app_label": "villages", "model_name": "post", "field_name": "village", "term": "Karang"},
    )
    codes = {item["id"] for item in response.json()["results"]}
    assert KARANGLEWAS in codes
    assert all(code.startswith("33.02.") for code in codes)


def test_a_post_cannot_be_added_in_a_foreign_village(officer, people):
    data = {
        "person": people["inside"].person.pk,
        "village": KARANGLO,
        "code": "KASI",
        "unit": "",
        "term_start": "01/01/2024",
    }
    response = officer.post(reverse("admin:villages_post_add"), data)
    assert response.status_code == 200
    assert "village" in response.context["adminform"].form.errors


def test_nik_search_posts_and_opens_the_person_in_scope(officer, people):
    inside, outside = people["inside"].person, people["outside"].person
    url = reverse("admin:villages_person_nik_search")
    response = officer.post(url, {"nik": inside.nik})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:villages_person_change", args=[inside.pk])
    response = officer.post(url, {"nik": outside.nik})
    assert response["Location"] == reverse("admin:villages_person_changelist")
    assert officer.get(url).status_code == 405


def test_the_changelist_search_ignores_nik(officer, people):
    url = reverse("admin:villages_person_changelist")
    response = officer.get(url, {"q": people["inside"].person.nik})
    assert response.context["cl"].result_count == 0


def test_branch_staff_see_full_nik_and_it_is_logged(officer, people):
    person = people["inside"].person
    response = officer.get(reverse("admin:villages_person_change", args=[person.pk]))
    assert person.nik in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.user.username, log.action, log.rows) == ("staf", "full_identifiers", 1)


def test_managers_see_masked_identifiers_only(manager, people):
    person = people["inside"].person
    response = manager.get(reverse("admin:villages_person_change", args=[person.pk]))
    html = response.content.decode()
    assert person.nik not in html
    assert f"{person.nik[:6]}******{person.nik[12:]}" in html
    membership = Membership.objects.get(person=person)
    html = manager.get(
        reverse("admin:enrollment_membership_change", args=[membership.pk])
    ).content.decode()
    assert "18012345678" not in html
    assert "*******5678" in html
    assert AccessLog.objects.count() == 0


def test_managers_cannot_change_or_delete(manager, people):
    post = people["inside"]
    url = reverse("admin:villages_post_change", args=[post.pk])
    response = manager.post(url, {"person": post.person.pk, "village": KARANGLEWAS, "code": "KASI"})
    assert response.status_code == 403
    assert (
        manager.post(
            reverse("admin:villages_post_delete", args=[post.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_branch_staff_cannot_delete_people(officer, people):
    url = reverse("admin:villages_person_delete", args=[people["inside"].person.pk])
    assert officer.post(url, {"post": "yes"}).status_code == 403


def test_a_village_secretary_has_no_admin(client, db):
    role = user_role_set(username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS])
    client.force_login(role.user)
    response = client.get(reverse("admin:villages_village_changelist"))
    assert response.status_code == 302
    assert Village.objects.filter(code=KARANGLEWAS).exists()
