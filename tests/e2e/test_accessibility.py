"""axe-core finds no critical or serious violation on the pages each role uses: the coverage
pages (country, regency, district, village on a desktop and on a phone), the login page, and
the admin's lists and forms for the roles that work there."""

import datetime as dt

import pytest
from django.urls import reverse

from enrollment.models import Declaration, RuleSet
from tests.e2e.axe import axe_violations
from tests.e2e.conftest import KARANGLEWAS, PASSWORD, login, t
from tests.factories import BranchOfficeFactory
from villages.roles import user_role_set

pytestmark = pytest.mark.e2e


def _admin(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def _records(roster):
    """A Banyumas rule set and a declaration, to open their forms."""
    rule_set = RuleSet.objects.create(name="Banyumas 2026", year=dt.date.today().year)
    rule_set.regency_id = "33.02"
    rule_set.save()
    rule_set.minimum_programs.set(["JKK", "JKM"])
    declaration = Declaration.objects.create(
        village_id=KARANGLEWAS, declared_on=dt.date(2026, 1, 5), declared_by="KC Purwokerto"
    )
    kades = roster["kades"]
    return {
        "person": kades.person.pk,
        "post": kades.pk,
        "membership": kades.person.memberships.order_by("pk").first().pk,
        "rule_set": rule_set.pk,
        "declaration": declaration.pk,
    }


def _pages(kind, ids):
    """The pages `kind` works on."""
    village = f"/desa/{KARANGLEWAS}/"
    pages = {
        "head_office": [
            "/",
            "/desa-sadar/",
            _admin("index"),
            _admin("villages_person_changelist"),
            _admin("villages_person_change", ids["person"]),
            _admin("enrollment_ruleset_changelist"),
            _admin("enrollment_ruleset_add"),
            _admin("enrollment_ruleset_change", ids["rule_set"]),
            _admin("enrollment_declaration_changelist"),
        ],
        "regional_office": ["/wilayah/33.02/", _admin("index"), _admin("villages_post_changelist")],
        "manager": [
            "/wilayah/33.02/",
            "/wilayah/33.02.03/",
            "/wilayah/33.02/desa-sadar/?status=not_yet",
            village,
            f"{village}?status=ended",
            _admin("enrollment_ruleset_changelist"),
            _admin("enrollment_ruleset_change", ids["rule_set"]),
        ],
        "branch_staff": [
            "/daftar-kerja/",
            _admin("index"),
            _admin("villages_districttarget_changelist"),
            _admin("villages_districttarget_add"),
            _admin("villages_person_changelist"),
            _admin("villages_person_change", ids["person"]),
            _admin("villages_person_add"),
            _admin("villages_post_changelist"),
            _admin("villages_post_change", ids["post"]),
            _admin("enrollment_membership_changelist"),
            _admin("enrollment_membership_change", ids["membership"]),
            _admin("enrollment_declaration_changelist"),
            _admin("enrollment_declaration_add"),
            _admin("enrollment_declaration_change", ids["declaration"]),
            _admin("enrollment_importrecord_upload"),
        ],
        "village_secretary": [village, "/daftar-kerja/"],
    }
    return pages[kind]


def _role(kind):
    branch = BranchOfficeFactory(name="Purwokerto")
    branch.regencies.add("33.02")
    options = {
        "head_office": {},
        "regional_office": {"regional_office_name": branch.regional_office.name},
        "manager": {"area_codes": ["33.02"]},
        "branch_staff": {"branch_name": branch.name},
        "village_secretary": {"area_codes": [KARANGLEWAS]},
    }[kind]
    user_role_set(username=kind, kind=kind, password=PASSWORD, **options)


@pytest.mark.parametrize(
    "kind", ["head_office", "regional_office", "manager", "branch_staff", "village_secretary"]
)
def test_no_serious_violation_on_the_pages_of_each_role(page, roster, live_server, kind):
    ids = _records(roster)
    _role(kind)
    login(page, live_server, kind)
    found = {}
    for url in _pages(kind, ids):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        found[url] = axe_violations(page)
    assert found == dict.fromkeys(found, [])
    assert page.errors == []


def test_no_serious_violation_on_the_village_page_on_a_phone(phone_page, roster, live_server):
    user_role_set(
        username="sekdes", kind="village_secretary", area_codes=[KARANGLEWAS], password=PASSWORD
    )
    login(phone_page, live_server, "sekdes")
    assert axe_violations(phone_page) == []
    phone_page.get_by_role("button", name=t("Menu", "id")).click()  # the menu, open
    assert axe_violations(phone_page) == []


def test_no_serious_violation_on_the_login_page_and_its_refusal(page, e2e_db, live_server):
    page.goto(f"{e2e_db.url}/login/")
    assert axe_violations(page) == []
    login(page, live_server, "nobody", password="salah")
    assert page.locator(".alert").count() == 1
    assert axe_violations(page) == []
