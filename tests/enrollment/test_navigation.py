"""The header takes each role to its work: the coverage pages and the admin share one menu
(enrollment.navigation, templates/site_nav.html); the admin links back to the dashboards."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from enrollment.navigation import NavLink, nav_links
from tests.factories import BranchOfficeFactory, RegionalOfficeFactory, UserFactory
from villages.roles import user_role_set

KARANGLEWAS = "33.02.03.2003"
ADMIN = reverse("admin:index")
PERSONS = reverse("admin:villages_person_changelist")
MEMBERSHIPS = reverse("admin:enrollment_membership_changelist")
IMPORT = reverse("admin:enrollment_importrecord_upload")
DECLARATIONS = reverse("admin:enrollment_declaration_changelist")
EVENTS = reverse("admin:campaign_outreachevent_changelist")
REGISTRATIONS = reverse("admin:campaign_registration_import")
RULE_SETS = reverse("admin:enrollment_ruleset_changelist")
DESA_SADAR = reverse("enrollment:desa_sadar")
WORK_LIST = reverse("enrollment:work_list")
CAMPAIGN = reverse("campaign:area")


def _user(kind: str):
    if kind == "superuser":
        return UserFactory(username="root", is_staff=True, is_superuser=True)
    if kind == "none":
        return UserFactory(username="warga")
    options: dict[str, dict] = {
        "head_office": {},
        "regional_office": {"regional_office_name": RegionalOfficeFactory().name},
        "branch_staff": {"branch_name": BranchOfficeFactory().name},
        "manager": {"area_codes": ["33.02"]},
        "village_secretary": {"area_codes": [KARANGLEWAS]},
    }
    return user_role_set(username=kind, kind=kind, **options[kind]).user


MENUS = {
    "head_office": [
        ("Dashboards", "/"),
        ("Desa Sadar list", DESA_SADAR),
        ("Campaign", CAMPAIGN),
        ("Find a person", PERSONS),
        ("Rule sets", RULE_SETS),
        ("Admin", ADMIN),
    ],
    "regional_office": [
        ("Dashboards", "/"),
        ("Desa Sadar list", DESA_SADAR),
        ("Campaign", CAMPAIGN),
        ("Admin", ADMIN),
    ],
    "branch_staff": [
        ("Dashboards", "/"),
        ("Work list", WORK_LIST),
        ("Desa Sadar list", DESA_SADAR),
        ("Campaign", CAMPAIGN),
        ("Find a person", PERSONS),
        ("Memberships", MEMBERSHIPS),
        ("Import a roster", IMPORT),
        ("Declarations", DECLARATIONS),
        ("Outreach events", EVENTS),
        ("Import registrations", REGISTRATIONS),
        ("Admin", ADMIN),
    ],
    "manager": [
        ("Dashboards", "/"),
        ("Desa Sadar list", DESA_SADAR),
        ("Campaign", CAMPAIGN),
        ("Rule sets", RULE_SETS),
        ("Admin", ADMIN),
    ],
    "village_secretary": [("My village", "/"), ("Work list", WORK_LIST)],
    "superuser": [
        ("Dashboards", "/"),
        ("Work list", WORK_LIST),
        ("Desa Sadar list", DESA_SADAR),
        ("Campaign", CAMPAIGN),
        ("Find a person", PERSONS),
        ("Memberships", MEMBERSHIPS),
        ("Import a roster", IMPORT),
        ("Declarations", DECLARATIONS),
        ("Outreach events", EVENTS),
        ("Import registrations", REGISTRATIONS),
        ("Rule sets", RULE_SETS),
        ("Admin", ADMIN),
    ],
    "none": [],
}


@pytest.mark.parametrize("kind", sorted(MENUS))
def test_each_role_gets_the_links_to_its_work(db, kind):
    links = nav_links(user=_user(kind), path="/wilayah/33.02/")
    assert [(link.label, link.url) for link in links] == MENUS[kind]


def test_an_anonymous_visitor_gets_no_links(db):
    assert nav_links(user=AnonymousUser(), path="/login/") == []


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "/"),
        (f"/desa/{KARANGLEWAS}/", "/"),  # an area or village page: the dashboards
        (PERSONS, PERSONS),
        ("/wilayah/33.02/desa-sadar/", DESA_SADAR),  # an area's list
        (f"{PERSONS}12/change/", PERSONS),
        (IMPORT, IMPORT),
        ("/kampanye/33.02/", CAMPAIGN),  # an area's campaign
        (reverse("admin:villages_post_changelist"), ADMIN),  # the admin's other lists
    ],
)
def test_the_current_page_is_marked(db, path, current):
    links = nav_links(user=_user("branch_staff"), path=path)
    assert [link.url for link in links if link.current] == [current]


def test_a_staff_role_without_the_admin_gets_no_admin_links(db):
    user = _user("manager")
    user.is_staff = False
    assert nav_links(user=user, path="/") == [
        NavLink("Dashboards", "/", True),
        NavLink("Desa Sadar list", DESA_SADAR, False),
        NavLink("Campaign", CAMPAIGN, False),
    ]


def _nav(response) -> list[tuple[str, str, bool]]:
    nav = re.search(r'<nav class="site-nav".*?</nav>', response.content.decode(), re.S)
    assert nav is not None
    return [
        (label, url, bool(current))
        for url, current, label in re.findall(
            r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav.group(0)
        )
    ]


def test_the_coverage_pages_show_the_menu(client, db):
    client.force_login(_user("branch_staff"))
    response = client.get("/wilayah/33.02/", HTTP_ACCEPT_LANGUAGE="en")
    assert _nav(response)[:5] == [
        ("Dashboards", "/", True),
        ("Work list", WORK_LIST, False),
        ("Desa Sadar list", DESA_SADAR, False),
        ("Campaign", CAMPAIGN, False),
        ("Find a person", PERSONS, False),
    ]


def test_the_admin_shows_the_same_menu_with_the_way_back(client, db):
    client.force_login(_user("manager"))
    response = client.get(RULE_SETS, HTTP_ACCEPT_LANGUAGE="en")
    assert _nav(response) == [
        ("Dashboards", "/", False),
        ("Desa Sadar list", DESA_SADAR, False),
        ("Campaign", CAMPAIGN, False),
        ("Rule sets", RULE_SETS, True),
        ("Admin", ADMIN, False),
    ]


def test_the_login_page_has_no_menu(client, db):
    assert '<nav class="site-nav"' not in client.get("/login/").content.decode()


def test_the_menu_is_in_indonesian_by_default(client, db):
    client.force_login(_user("village_secretary"))
    response = client.get(f"/desa/{KARANGLEWAS}/")
    assert _nav(response) == [("Desa saya", "/", True), ("Daftar kerja", WORK_LIST, False)]


def test_the_language_menu_names_each_language_in_itself(client, db):
    page = client.get("/login/").content.decode()
    options = re.findall(r'<option value="(\w+)" lang="\w+"[^>]*>([^<]+)</option>', page)
    assert options == [("id", "Bahasa Indonesia"), ("en", "English")]
