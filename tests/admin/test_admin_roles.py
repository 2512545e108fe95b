"""Roles in the admin, posted as a browser would: nobody changes their own role; only a
superuser gives, changes or removes a head-office role or touches a superuser's role; a role
cannot be saved without the area it needs (the rules add_user keeps too); every change is in
the history of the role and of its areas."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.admin.helpers import form_data
from tests.factories import UserFactory
from villages.models import Role, RoleArea
from villages.roles import user_role_set

ADD = reverse("admin:villages_role_add")
OWN = "You cannot change your own role: ask another administrator."
HEAD = "Only a superuser gives, changes or removes a head-office role."
SUPER = "Only a superuser changes the role of a superuser."
VILLAGE = "A village secretary has exactly one village: give its code."
MANAGER = "A manager needs at least one area: a province, regency or district code."


def _change(client, role: Role, **values):
    url = reverse("admin:villages_role_change", args=[role.pk])
    return client.post(url, form_data(client.get(url), **values))


def _add(client, user, kind: str, *codes: str, **values):
    data = form_data(client.get(ADD), user=str(user.pk), kind=kind, **values)
    data |= {f"areas-{i}-code": code for i, code in enumerate(codes)}
    data["areas-TOTAL_FORMS"] = str(max(len(codes), 1))
    return client.post(ADD, data)


def _errors(response) -> list[str]:
    assert response.status_code == 200
    return response.context["adminform"].form.non_field_errors()


def _area_errors(response) -> list[str]:
    assert response.status_code == 200
    return [e for inline in response.context["inline_admin_formsets"]
            for e in inline.formset.non_form_errors()]  # fmt: skip


def _kind(username: str) -> str:
    return Role.objects.get(user__username=username).kind


@pytest.fixture
def branch_role(purwokerto) -> Role:
    return user_role_set(username="ani", kind="branch_staff", branch_name="Purwokerto")


def test_head_office_cannot_change_its_own_role(head_office, purwokerto):
    own = Role.objects.get(user__username="pusat")
    response = _change(head_office, own, kind="branch_staff", branch=str(purwokerto.pk))
    assert _errors(response) == [OWN]
    assert _kind("pusat") == "head_office"
    assert User.objects.get(username="pusat").groups.get().name == "Kantor pusat"


def test_a_superuser_cannot_change_their_own_role(root):
    role = user_role_set(username="root", kind="manager", area_codes=["33.02"])
    assert _errors(_change(root, role, kind="head_office")) == [OWN]
    assert _kind("root") == "manager"


def test_head_office_cannot_give_a_head_office_role(head_office, branch_role):
    assert _errors(_change(head_office, branch_role, kind="head_office")) == [HEAD]
    assert _kind("ani") == "branch_staff"
    assert _errors(_add(head_office, UserFactory(username="baru"), "head_office")) == [HEAD]
    assert not Role.objects.filter(user__username="baru").exists()


def test_head_office_cannot_change_another_head_office_role(head_office):
    other = user_role_set(username="pusat2", kind="head_office")
    response = _change(head_office, other, kind="manager", **{"areas-0-code": "33.02"})
    assert _errors(response) == [HEAD]
    assert _kind("pusat2") == "head_office"


def test_head_office_cannot_give_a_superuser_a_role(head_office):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = _add(head_office, superuser, "village_secretary", "33.02.03.2003")
    assert _errors(response) == [SUPER]
    assert not Role.objects.filter(user=superuser).exists()
    assert User.objects.get(username="root").is_staff is True


def test_head_office_cannot_change_a_superusers_role(head_office):
    role = user_role_set(username="root", kind="manager", area_codes=["33.02"])
    User.objects.filter(username="root").update(is_superuser=True)
    assert _errors(_change(head_office, role, **{"areas-0-code": "35.23"})) == [SUPER]
    assert list(role.areas.values_list("code", flat=True)) == ["33.02"]


def test_a_village_secretary_needs_exactly_one_village(head_office):
    user = UserFactory(username="sekdes")
    assert _area_errors(_add(head_office, user, "village_secretary")) == [VILLAGE]
    assert _area_errors(_add(head_office, user, "village_secretary", "33.02.03")) == [VILLAGE]
    response = _add(head_office, user, "village_secretary", "33.02.03.2003", "33.02.03.2001")
    assert _area_errors(response) == [VILLAGE]
    assert not Role.objects.filter(user=user).exists()
    assert _add(head_office, user, "village_secretary", "3302032003").status_code == 302
    assert list(Role.objects.get(user=user).areas.values_list("code", flat=True)) == [
        "33.02.03.2003"
    ]
    assert User.objects.get(username="sekdes").is_staff is False


def test_a_manager_needs_an_area(head_office, branch_role):
    response = _change(head_office, branch_role, kind="manager", branch="")
    assert _area_errors(response) == [MANAGER]
    assert _kind("ani") == "branch_staff"


def test_removing_the_only_village_of_a_village_secretary_is_refused(head_office):
    role = user_role_set(username="sekdes", kind="village_secretary", area_codes=["33.02.03.2003"])
    response = _change(head_office, role, **{"areas-0-DELETE": "on"})
    assert _area_errors(response) == [VILLAGE]
    assert RoleArea.objects.filter(role=role).count() == 1


def test_a_superuser_gives_and_changes_head_office_roles(root, branch_role):
    assert _change(root, branch_role, kind="head_office", branch="").status_code == 302
    assert _kind("ani") == "head_office"
    assert User.objects.get(username="ani").groups.get().name == "Kantor pusat"


def test_head_office_changes_other_roles_and_every_change_is_in_history(head_office, branch_role):
    response = _change(
        head_office, branch_role, kind="manager", branch="", **{"areas-0-code": "33.02"}
    )
    assert response.status_code == 302
    latest = Role.history.filter(id=branch_role.pk).latest()
    assert (latest.kind, latest.history_user.username) == ("manager", "pusat")
    area = RoleArea.objects.get(role=branch_role)
    assert [(h.history_type, h.code, h.history_user.username) for h in area.history.all()] == [
        ("+", "33.02", "pusat")
    ]
    url = reverse("admin:villages_role_change", args=[branch_role.pk])
    data = form_data(head_office.get(url), **{"areas-0-DELETE": "on", "areas-1-code": "35.23"})
    data["areas-TOTAL_FORMS"] = "2"
    assert head_office.post(url, data).status_code == 302
    deleted = RoleArea.history.filter(code="33.02").latest()
    assert (deleted.history_type, deleted.history_user.username) == ("-", "pusat")


def test_add_user_keeps_the_areas_history(db):
    role = user_role_set(username="manajer", kind="manager", area_codes=["33.02", "35.23"])
    user_role_set(username="manajer", kind="manager", area_codes=["33.02", "36.04"])
    assert sorted((h.code, h.history_type) for h in RoleArea.history.filter(role_id=role.pk)) == [
        ("33.02", "+"),
        ("35.23", "+"),
        ("35.23", "-"),
        ("36.04", "+"),
    ]
