"""The header's links: each role taken to its work, on the coverage pages and in the admin.

Decided by the role the scope already carries (villages.access.scope_for, computed once per
request), so the header adds no query to a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from villages.access import scope_for
from villages.models import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

HEAD_OFFICE, REGIONAL, BRANCH, MANAGER, SECRETARY = (
    Role.Kind.HEAD_OFFICE,
    Role.Kind.REGIONAL_OFFICE,
    Role.Kind.BRANCH_STAFF,
    Role.Kind.MANAGER,
    Role.Kind.VILLAGE_SECRETARY,
)
SUPERUSER = "superuser"
STAFF_ROLES = {SUPERUSER, HEAD_OFFICE, REGIONAL, BRANCH, MANAGER}

# (label, URL name, the roles it is shown to), in the header's order. A URL name that does not
# resolve (a page not installed) is left out.
LINKS: list[tuple[StrOrPromise, str, set[str]]] = [
    (_("Dashboards"), "enrollment:area_dashboard", STAFF_ROLES),
    (_("My village"), "enrollment:area_dashboard", {SECRETARY}),
    # The work list and the Desa Sadar list; an entry shows only once its URL name exists.
    (_("Work list"), "enrollment:work_list", {SUPERUSER, BRANCH, SECRETARY}),
    (_("Desa Sadar list"), "enrollment:desa_sadar", STAFF_ROLES),
    (_("Campaign"), "campaign:area", STAFF_ROLES),
    (_("Find a person"), "admin:villages_person_changelist", {SUPERUSER, HEAD_OFFICE, BRANCH}),
    (_("Memberships"), "admin:enrollment_membership_changelist", {SUPERUSER, BRANCH}),
    (_("Import a roster"), "admin:enrollment_importrecord_upload", {SUPERUSER, BRANCH}),
    (_("Declarations"), "admin:enrollment_declaration_changelist", {SUPERUSER, BRANCH}),
    # The campaign's daily work: outreach events and the residents' registrations.
    (_("Outreach events"), "admin:campaign_outreachevent_changelist", {SUPERUSER, BRANCH}),
    (_("Import registrations"), "admin:campaign_registration_import", {SUPERUSER, BRANCH}),
    (_("Rule sets"), "admin:enrollment_ruleset_changelist", {SUPERUSER, HEAD_OFFICE, MANAGER}),
    (_("Admin"), "admin:index", STAFF_ROLES),
]


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool


def nav_links(*, user, path: str) -> list[NavLink]:
    """The header's links for `user` on the page at `path`; none for a user without a role.
    The link whose address starts `path` the longest is the current one."""
    if not user.is_authenticated:
        return []
    role = scope_for(user).role
    found = [
        (str(label), url)
        for label, name, roles in LINKS
        if role in roles and (user.is_staff or not name.startswith("admin:"))
        for url in _url(name)
    ]
    current = max((url for _label, url in found if _starts(path, url)), key=len, default=None)
    if current is None and found and not path.startswith(reverse("admin:index")):
        current = found[0][1]  # an area or village page: the dashboards' link
    return [NavLink(label, url, url == current) for label, url in found]


def _url(name: str) -> list[str]:
    try:
        return [reverse(name)]
    except NoReverseMatch:
        return []


def _starts(path: str, url: str) -> bool:
    # An area's own copy of a page (/wilayah/33.02/desa-sadar/) counts as the page.
    return url != "/" and (path.startswith(url) or path.endswith(url))
