"""Who may open what: every role × every URL name × an object in and out of scope.

The URL names come from the URL configuration, so a new URL is covered automatically: a
name this module cannot classify fails `test_every_url_name_is_classified` until it is
added here. Admin model URLs are generated for every registered model.

Scopes: the Banyumas users (regional office via KC Purwokerto, branch staff of KC Purwokerto,
a manager of 33.02) see Banyumas but not Tuban; the village secretary of Karanglewas sees
only that village; head office and the superuser see everything; a user without a role sees
nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from campaign.models import OutreachEvent, PerisaiAgent, Registration
from digest.links import unsubscribe_token
from enrollment.models import CoverageSnapshot, Declaration, ImportRecord, RuleSet
from finance.models import FinanceRecord
from tests.factories import (
    BranchOfficeFactory,
    MembershipFactory,
    PersonFactory,
    PostFactory,
    UserFactory,
)
from villages.models import AccessLog, DistrictTarget, Regency, RegencyTarget, Village
from villages.roles import user_role_set

IN_VILLAGE, OUT_VILLAGE = "33.02.03.2003", "35.23.08.2016"  # Karanglewas (Banyumas), Karanglo
IN_AREA, OUT_AREA = "33.02", "35.23"  # Banyumas, Tuban

ROLES = [
    "anonymous",
    "no_role",
    "superuser",
    "head_office",
    "regional_office",
    "branch_staff",
    "manager",
    "village_secretary",
]
EVERYTHING = {"superuser", "head_office"}
BANYUMAS = {"regional_office", "branch_staff", "manager"}
STAFF = EVERYTHING | BANYUMAS


def _sees(role: str, code: str) -> bool:
    """The scope rules, written out for the two regencies this module uses."""
    if role in EVERYTHING:
        return True
    if role in BANYUMAS:
        return code.startswith(IN_AREA)
    if role == "village_secretary":
        return code == IN_VILLAGE
    return False


# --- URL names -----------------------------------------------------------------------------


def _names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{prefix}{pattern.name}")
    return names


ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete", "simple_history")
OBJECT_VIEWS = ("change", "history", "delete", "simple_history", "password_change")
ADMIN_MODELS = {
    f"admin:{m._meta.app_label}_{m._meta.model_name}_{view}": (m, view)
    for m in admin.site._registry
    for view in ADMIN_VIEWS
    # simple_history's view of one past version, on the models that keep history
    if view != "simple_history" or hasattr(m, "history")
}
ADMIN_MODELS["admin:auth_user_password_change"] = (
    next(m for m in admin.site._registry if m._meta.label == "auth.User"),
    "password_change",
)
# Admin URLs that are not about one model, with what they answer to a staff user's GET.
ADMIN_SITE = {
    "admin:index": 200,
    "admin:login": 302,  # a logged-in staff user is sent on to the index
    "admin:logout": 405,  # POST only
    "admin:password_change": 200,
    "admin:password_change_done": 200,
    "admin:jsi18n": 200,
    "admin:autocomplete": 200,
    "admin:villages_person_nik_search": 405,  # POST only: no NIK in an address
}
PAGES = {
    "enrollment:area_dashboard",
    "enrollment:area_export",
    "enrollment:desa_sadar",
    "enrollment:ranking",
    "enrollment:ranking_export",
    "enrollment:village",
    "enrollment:village_export",
    "enrollment:work_list",
    "enrollment:work_list_export",
    "api:coverage",
    "api:coverage_area",
    "api:campaign",
    "api:campaign_area",
    "api:finance",
    "api:finance_area",
    "api:schema",
    "campaign:area",
    "campaign:export",
    "finance:budget",
    "finance:budget_export",
    "finance:budget_retry",
}
PUBLIC = {"login": 200, "logout": 405, "set_language": 302, "healthz": 200}
# The weekly mail's pages (digest): each user's own e-mail settings, and the link in each mail,
# which answers whoever holds its signed token, logged in or not (`_digest_cases`).
DIGEST = {"digest:preferences", "digest:unsubscribe"}
# A job's page, file and retry (jobs.views): the owner's (head office: every one), else 404;
# tests/jobs/test_views.py requests each for the owner, another user, head office, anonymous
# and the wrong method.
JOB_PAGES = {"jobs:job", "jobs:download", "jobs:retry"}
# Admin URLs reached through another page, with no object of their own.
NOT_REQUESTED = {"admin:app_list", "admin:view_on_site"}
# Admin URLs of one object besides the model's own views (cases in `_object_extra_cases`).
ADMIN_OBJECT_EXTRA = {"admin:campaign_outreachevent_attachment"}


def test_every_url_name_is_classified():
    unknown = {
        name
        for name in _names()
        if name not in ADMIN_MODELS
        and name not in ADMIN_SITE
        and name not in PAGES
        and name not in PUBLIC
        and name not in DIGEST
        and name not in JOB_PAGES
        and name not in NOT_REQUESTED
        and name not in ADMIN_OBJECT_EXTRA
        and not _is_import_admin(name)
        and name not in REGISTRATION_IMPORT
    }
    assert unknown == set(), f"Add these URL names to the permission matrix: {sorted(unknown)}"


def _is_import_admin(name: str) -> bool:
    # The roster import's own admin views (upload, preview, confirm, templates, rejected
    # rows) are covered by its tests; their model URLs are in ADMIN_MODELS.
    # The finance import's (upload, preview, confirm): tests/finance/test_admin.py.
    return name.startswith(("admin:enrollment_importrecord_", "admin:finance_financerecord_import"))


# The registrations import's pages (campaign.registration_admin): requested below by
# `_registration_import_cases`, with what each role may do.
REGISTRATION_IMPORT = {
    "admin:campaign_registration_import",
    "admin:campaign_registration_import_report",
    "admin:campaign_registration_import_confirm",
    "admin:campaign_registration_import_rejected",
    "admin:campaign_registration_import_template",
    "admin:campaign_registration_import_retry",
}
IMPORTERS = {"superuser", "head_office", "branch_staff"}


# --- Data ----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    objects: dict  # model -> (in-scope pk, out-of-scope pk) or (pk, None) if unscoped


PASSWORD = "kata-sandi-uji-123"


def _users() -> dict:
    branch = BranchOfficeFactory.create(name="Purwokerto")
    branch.regencies.set(Regency.objects.filter(code=IN_AREA))
    tuban = BranchOfficeFactory.create(name="Tuban", regional_office__name="Kanwil Jawa Timur")
    tuban.regencies.set(Regency.objects.filter(code=OUT_AREA))
    kinds: dict[str, dict[str, Any]] = {  # user_role_set's arguments for each role
        "head_office": {},
        "regional_office": {"regional_office_name": branch.regional_office.name},
        "branch_staff": {"branch_name": "Purwokerto"},
        "manager": {"area_codes": [IN_AREA]},
        "village_secretary": {"area_codes": [IN_VILLAGE]},
    }
    users: dict[str, User | None] = {
        kind: user_role_set(username=kind, kind=kind, **kw).user for kind, kw in kinds.items()
    }
    users["superuser"] = UserFactory.create(username="root", is_staff=True, is_superuser=True)
    users["no_role"] = UserFactory.create(username="warga")
    users["anonymous"] = None
    return users


def _objects(users) -> dict:
    post_in = PostFactory.create(code="KAUR", village_id=IN_VILLAGE)
    post_out = PostFactory.create(
        code="KAUR", village_id=OUT_VILLAGE, person=PersonFactory(district_code="35.23.08")
    )
    m_in = MembershipFactory.create(person=post_in.person)
    m_out = MembershipFactory.create(person=post_out.person)
    rule_in = RuleSet.objects.create(name="Banyumas", year=2026, regency_id=IN_AREA)
    rule_out = RuleSet.objects.create(name="Tuban", year=2026, regency_id=OUT_AREA)
    day = dt.date(2026, 1, 1)
    objects = {
        "village": (IN_VILLAGE, OUT_VILLAGE),
        "district": (IN_VILLAGE[:8], OUT_VILLAGE[:8]),
        "regency": (IN_AREA, OUT_AREA),
        "province": (IN_AREA[:2], OUT_AREA[:2]),
        "post": (post_in.pk, post_out.pk),
        "person": (post_in.person.pk, post_out.person.pk),
        "membership": (m_in.pk, m_out.pk),
        "ruleset": (rule_in.pk, rule_out.pk),
        "regencytarget": tuple(
            RegencyTarget.objects.create(regency_id=c, year=2026, target_pct=40, worker_base=9).pk
            for c in (IN_AREA, OUT_AREA)
        ),
        "districttarget": tuple(
            DistrictTarget.objects.create(district_id=c[:8], year=2026, villages_enrolled=1).pk
            for c in (IN_VILLAGE, OUT_VILLAGE)
        ),
        "declaration": tuple(
            Declaration.objects.create(village_id=c, declared_on=day, declared_by="KC").pk
            for c in (IN_VILLAGE, OUT_VILLAGE)
        ),
        "coveragesnapshot": tuple(
            CoverageSnapshot.objects.create(
                village_id=c, month=day, category="PERANGKAT", posts=1, covered=1
            ).pk
            for c in (IN_VILLAGE, OUT_VILLAGE)
        ),
    }
    objects.update(_campaign_objects(day))
    objects["registration"] = tuple(
        Registration.objects.create(date=day, village_id=c, channel="MANDIRI", count=3).pk
        for c in (IN_VILLAGE, OUT_VILLAGE)
    )
    # Registrations imports with rejected rows: the branch officer's own, and a command's.
    objects["registration_import"] = tuple(
        ImportRecord.objects.create(
            kind="registrations", user=user, origin=origin, status="imported",
            imported_at=timezone.now(), invalid=1, rejected=b"tanggal,error\r\n",
        ).pk
        for user, origin in ((users["branch_staff"], "admin"), (None, "command"))
    )  # fmt: skip
    # The history of imports' own pages are the import tests' (they answer a registrations
    # import with a redirect to its report): no object for the generic admin cases.
    objects["importrecord"] = (None, None)
    objects["financerecord"] = tuple(
        FinanceRecord.objects.create(
            year=2023, area_code=c, group="SEMUA", program="SEMUA", contributions=2, claims=1
        ).pk
        for c in (IN_AREA, OUT_AREA)
    )
    AccessLog.objects.create(user=users["manager"], action="export", area_code=IN_AREA)
    return objects


def _campaign_objects(day: dt.date) -> dict:
    """An outreach event (with a photo) and a Perisai agent in each regency."""
    events, agents = [], []
    for code in (IN_VILLAGE, OUT_VILLAGE):
        event = OutreachEvent(date=day, title="Sosialisasi", regency_id=code[:5])
        event.attachment.save("foto.jpg", ContentFile(b"\xff\xd8\xff\xe0 foto"), save=False)
        event.save()
        event.villages.set(Village.objects.filter(code=code))
        events.append(event.pk)
        agent = PerisaiAgent.objects.create(
            code=f"PRS-{code[:5].replace('.', '')}-001",
            name="Agen",
            regency_id=code[:5],
            active_from=day,
        )
        agent.villages.set(Village.objects.filter(code=code))
        agents.append(agent.pk)
    return {"outreachevent": tuple(events), "perisaiagent": tuple(agents)}


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    users = _users()
    return World(users=users, objects=_objects(users))


# --- Expected statuses ---------------------------------------------------------------------


def _admin_cases(world: World, role: str) -> list[tuple[str, int]]:
    """(url, expected status) for every registered admin model and view."""
    cases = []
    user = world.users[role]
    for name, (model, view) in sorted(ADMIN_MODELS.items()):
        model_admin = admin.site._registry[model]
        scoped = hasattr(model, "visible_by")  # rows on the map (villages.visibility)
        pks = world.objects.get(model._meta.model_name)
        if pks is None:
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            if first is None and view in OBJECT_VIEWS:
                continue  # nothing of this kind exists in this world (e.g. axes records)
            pks = (first, None)
        for pk, inside in ((pks[0], True), (pks[1], False)):
            if (pk is None and view in OBJECT_VIEWS) or (
                view in ("changelist", "add") and not inside
            ):
                continue
            url = _admin_url(name, model, view, pk)
            if url is None:
                continue
            sees = inside or not scoped or role in EVERYTHING
            cases.append((url, _admin_status(model_admin, user, role, view, sees)))
    return cases


def _admin_url(name: str, model, view: str, pk) -> str | None:
    if view in ("changelist", "add"):
        return reverse(name)
    if view != "simple_history":
        return reverse(name, args=[pk])
    version = model.history.filter(**{model._meta.pk.attname: pk}).values_list(
        "history_id", flat=True
    )
    return reverse(name, args=[pk, version[0]]) if version else None


def _admin_status(model_admin, user, role: str, view: str, sees: bool) -> int:
    if role not in STAFF:
        return 302  # the admin's login page
    request = RequestFactory().get("/")
    request.user = user
    can_view = model_admin.has_view_or_change_permission(request)
    if view == "changelist":
        return 200 if can_view else 403
    if view == "add":
        return 200 if model_admin.has_add_permission(request) else 403
    if view == "change":  # Django checks the permission before looking the object up
        return 403 if not can_view else 200 if sees else 404
    if view == "delete":
        return 403 if not model_admin.has_delete_permission(request) else 200 if sees else 404
    if view == "password_change":
        return 200 if model_admin.has_change_permission(request) else 403
    return 404 if not sees else 200 if can_view else 403  # history: lookup first


def _object_extra_cases(world: World, role: str) -> list[tuple[str, int]]:
    """An outreach event's photo: to staff who may see the event, else 404 (or the login)."""
    cases = []
    for pk, inside in zip(world.objects["outreachevent"], (True, False), strict=True):
        url = reverse("admin:campaign_outreachevent_attachment", args=[pk])
        if role not in STAFF:
            cases.append((url, 302))
        else:
            cases.append((url, 200 if inside or role in EVERYTHING else 404))
    return cases


def _page_cases(role: str) -> list[tuple[str, int]]:
    area_pages = [
        reverse("enrollment:area_dashboard", args=[IN_AREA]),
        reverse("enrollment:area_export", args=[IN_AREA, "children", "csv"]),
        reverse("enrollment:desa_sadar", args=[IN_AREA]),
        reverse("enrollment:area_export", args=[IN_AREA, "candidates", "xlsx"]),
        reverse("enrollment:area_export", args=[IN_AREA, "forecast", "csv"]),
    ]
    area_pages += [
        reverse("campaign:area", args=[IN_AREA]),
        reverse("campaign:export", args=[IN_AREA, "events", "csv"]),
        reverse("campaign:export", args=[IN_AREA, "agents", "xlsx"]),
        reverse("campaign:export", args=[IN_AREA, "registrations", "csv"]),
        reverse("finance:budget", args=[IN_AREA]),
        reverse("finance:budget", args=[IN_VILLAGE[:8]]),
        reverse("finance:budget_export", args=[IN_AREA, "csv"]),
        reverse("finance:budget_export", args=[IN_VILLAGE[:8], "xlsx"]),
    ]
    village_pages = [
        reverse("campaign:area", args=[IN_VILLAGE]),
        reverse("campaign:export", args=[IN_VILLAGE, "registrations", "xlsx"]),
        reverse("enrollment:village", args=[IN_VILLAGE]),
        reverse("enrollment:village", args=[IN_VILLAGE]) + "?status=ended",
        reverse("enrollment:village_export", args=[IN_VILLAGE, "xlsx"]),
        reverse("enrollment:village_export", args=[IN_VILLAGE, "csv"]) + "?status=in_arrears",
        reverse("finance:budget", args=[IN_VILLAGE]),
        reverse("finance:budget_export", args=[IN_VILLAGE, "csv"]),
        reverse("finance:budget_export", args=[IN_VILLAGE, "xlsx"]),
    ]
    out = [
        reverse("enrollment:area_dashboard", args=[OUT_AREA]),
        reverse("enrollment:area_export", args=[OUT_AREA, "children", "xlsx"]),
        reverse("enrollment:desa_sadar", args=[OUT_AREA]),
        reverse("enrollment:area_export", args=[OUT_AREA, "candidates", "csv"]),
        reverse("enrollment:area_export", args=[OUT_AREA, "forecast", "xlsx"]),
        reverse("enrollment:village", args=[OUT_VILLAGE]),
        reverse("enrollment:village", args=[OUT_VILLAGE]) + "?status=ended",
        reverse("enrollment:village_export", args=[OUT_VILLAGE, "csv"]),
        reverse("campaign:area", args=[OUT_AREA]),
        reverse("campaign:area", args=[OUT_VILLAGE]),
        reverse("campaign:export", args=[OUT_AREA, "agents", "csv"]),
        reverse("campaign:export", args=[OUT_VILLAGE, "events", "xlsx"]),
        reverse("finance:budget", args=[OUT_AREA]),
        reverse("finance:budget", args=[OUT_VILLAGE]),
        reverse("finance:budget_export", args=[OUT_AREA, "xlsx"]),
        reverse("finance:budget_export", args=[OUT_VILLAGE, "csv"]),
        # Banyumas' province, above the Banyumas users' scope: head office's and the
        # superuser's only.
        reverse("finance:budget", args=[IN_AREA[:2]]),
    ]
    # Its download: more villages than EXPORT_JOB_MIN_VILLAGES, so a background job; the
    # request sends head office and the superuser to the job's page (finance.budget_jobs).
    province_download = reverse("finance:budget_export", args=[IN_AREA[:2], "csv"])
    province_retry = reverse("finance:budget_retry", args=[IN_AREA[:2]])
    country = [
        reverse("enrollment:area_dashboard"),
        reverse("enrollment:area_export", args=["categories", "csv"]),
        reverse("enrollment:desa_sadar"),
        reverse("campaign:area"),
        reverse("campaign:export", args=["events", "csv"]),
    ]
    # The work list is of the user's own scope; a district or village filter is theirs only.
    work = [reverse("enrollment:work_list"), reverse("enrollment:work_list_export", args=["csv"])]
    work_in = [f"{url}?village={IN_VILLAGE}" for url in work]
    work_district = [f"{url}?district={IN_VILLAGE[:8]}" for url in work]
    work_out = [f"{url}?district={OUT_VILLAGE[:8]}" for url in work]
    # The national standing: the regencies of the user's scope (every one for head office),
    # ranked among all; the provinces only to a scope holding a whole province (none here but
    # head office's).
    ranking = [reverse("enrollment:ranking"), reverse("enrollment:ranking_export", args=["csv"])]
    ranking_provinces = [
        reverse("enrollment:ranking") + "?level=province",
        reverse("enrollment:ranking_export", args=["xlsx"]) + "?level=province",
    ]
    every = area_pages + village_pages + out + country + work + work_in + work_district + work_out
    every += ranking + ranking_provinces + [province_download, province_retry]
    if role == "anonymous":
        return [(url, 302) for url in every]
    if role == "no_role":
        return [(url, 403) for url in every]
    # Head office and the superuser choose a regency first: the page asks, the export is 400.
    cases = [(work[0], 200), (work[1], 400 if role in EVERYTHING else 200)]
    cases += [(url, 200 if _sees(role, IN_VILLAGE) else 404) for url in work_in]
    cases += [(url, 200 if _sees(role, IN_AREA) else 404) for url in work_district]
    cases += [(url, 200 if role in EVERYTHING else 404) for url in work_out]
    cases += [(url, 200 if _sees(role, IN_AREA) else 404) for url in area_pages]
    cases += [(url, 200 if _sees(role, IN_VILLAGE) else 404) for url in village_pages]
    cases += [(url, 200 if role in EVERYTHING else 404) for url in out]
    cases += [(province_download, 302 if role in EVERYTHING else 404)]
    # The province budget's retry is POST only (its scoping: tests/finance/
    # test_budget_page_jobs.py).
    cases += [(province_retry, 405)]
    # The country page sends a scoped user to their own area; its export is theirs only.
    cases += [(country[0], 200 if role in EVERYTHING else 302)]
    cases += [(country[1], 200 if role in EVERYTHING else 404)]
    # The country's Desa Sadar list too: to their area's list (a secretary: their village).
    cases += [(country[2], 200 if role in EVERYTHING else 302)]
    # The campaign's country page too; its export is theirs only.
    cases += [(country[3], 200 if role in EVERYTHING else 302)]
    cases += [(country[4], 200 if role in EVERYTHING else 404)]
    cases += [(url, 200 if _sees(role, IN_AREA) else 404) for url in ranking]
    cases += [(url, 200 if role in EVERYTHING else 404) for url in ranking_provinces]
    return cases


def _api_cases(role: str) -> list[tuple[str, int]]:
    urls = {
        "in_area": (reverse("api:coverage_area", args=[IN_AREA]), _sees(role, IN_AREA)),
        "in_village": (reverse("api:coverage_area", args=[IN_VILLAGE]), _sees(role, IN_VILLAGE)),
        "out_area": (reverse("api:coverage_area", args=[OUT_AREA]), role in EVERYTHING),
        "out_village": (reverse("api:coverage_area", args=[OUT_VILLAGE]), role in EVERYTHING),
        # The country answers everyone with a scope: its figures, or the user's own areas.
        "country": (reverse("api:coverage"), True),
        "campaign_area": (reverse("api:campaign_area", args=[IN_AREA]), _sees(role, IN_AREA)),
        "campaign_village": (
            reverse("api:campaign_area", args=[IN_VILLAGE]),
            _sees(role, IN_VILLAGE),
        ),
        "campaign_out": (reverse("api:campaign_area", args=[OUT_AREA]), role in EVERYTHING),
        # The campaign's country is the country's figures: only for the whole country.
        "campaign_country": (reverse("api:campaign"), role in EVERYTHING),
        # Finance: a regency or province; the country is head office's only.
        "finance_in": (reverse("api:finance_area", args=[IN_AREA]), _sees(role, IN_AREA)),
        "finance_out": (reverse("api:finance_area", args=[OUT_AREA]), role in EVERYTHING),
        "finance_country": (reverse("api:finance"), role in EVERYTHING),
    }
    if role == "anonymous":
        return [(url, 401) for url, _ in urls.values()] + [(reverse("api:schema"), 401)]
    if role == "no_role":
        return [(url, 403) for url, _ in urls.values()] + [(reverse("api:schema"), 200)]
    return [(url, 200 if seen else 404) for url, seen in urls.values()] + [
        (reverse("api:schema"), 200)
    ]


def _registration_import_cases(world: World, role: str) -> list[tuple[str, int]]:
    """Importers see the upload and templates, their own imports (head office: every one);
    the confirm is POST only. Others with the admin are forbidden; the rest sent to log in."""
    own, others = world.objects["registration_import"]
    name = "admin:campaign_registration_import%s"
    pages = {
        reverse(name % ""): 200,
        reverse(name % "_template", args=["xlsx"]): 200,
        reverse(name % "_report", args=[own]): 200,
        reverse(name % "_rejected", args=[own]): 200,
        reverse(name % "_confirm", args=[own]): 405,
        reverse(name % "_retry", args=[own]): 405,  # POST only: the job's retry
        reverse(name % "_report", args=[others]): 200 if role in EVERYTHING else 404,
        reverse(name % "_rejected", args=[others]): 200 if role in EVERYTHING else 404,
    }
    if role not in STAFF:
        return [(url, 302) for url in pages]
    if role not in IMPORTERS:
        return [(url, 403) for url in pages]
    return list(pages.items())


def _digest_cases(world: World, role: str) -> list[tuple[str, int]]:
    """The settings page to anyone logged in (each sees their own); the village secretary's
    unsubscribe link to anyone, logged in or not (it asks; only a POST stops the mail), and
    a 404 for the link with its signature altered."""
    token = unsubscribe_token(world.users["village_secretary"])
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    return [
        (reverse("digest:preferences"), 302 if role == "anonymous" else 200),
        (reverse("digest:unsubscribe", args=[token]), 200),
        (reverse("digest:unsubscribe", args=[altered]), 404),
    ]


def _site_cases(role: str) -> list[tuple[str, int]]:
    cases = [(reverse(name), status) for name, status in PUBLIC.items()]
    for name, status in ADMIN_SITE.items():
        url = reverse(name)
        if name == "admin:autocomplete":
            url += "?app_label=villages&model_name=post&field_name=village&term=Karang"
        if role not in STAFF:
            # The admin sends everyone else to its login page, which answers them itself.
            status = 200 if name == "admin:login" else 302
        cases.append((url, status))
    return cases


# --- The matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role):
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    cases = _admin_cases(world, role) + _page_cases(role) + _api_cases(role) + _site_cases(role)
    cases += _registration_import_cases(world, role)
    cases += _object_extra_cases(world, role)
    cases += _digest_cases(world, role)
    got = {url: client.get(url).status_code for url, _expected in cases}
    wrong = {url: (expected, got[url]) for url, expected in cases if got[url] != expected}
    assert wrong == {}, f"{role}: url -> (expected, got)"
    assert len(cases) > 60


# Admins whose change form has no editable field: an empty POST saves the row unchanged.
SAVED_UNCHANGED = {"axes.AccessLog"}


def _post_cases(world: World, role: str) -> list[tuple[str, dict, int]]:
    """(url, data, expected status) for POSTs to every admin model's add, change and delete
    views that must write nothing: an empty form (invalid wherever it is allowed), and a
    delete confirmation by anyone who may not delete, or of a row out of scope."""
    cases: list[tuple[str, dict, int]] = []
    user = world.users[role]
    for name, (model, view) in sorted(ADMIN_MODELS.items()):
        if view not in ("add", "change", "delete"):
            continue
        model_admin = admin.site._registry[model]
        scoped = hasattr(model, "visible_by")
        pks = world.objects.get(model._meta.model_name)
        if pks is None:
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            pks = (first, None)
        if view == "add":
            targets = [(None, True)]
        else:
            targets = [
                (pk, inside)
                for pk, inside in zip(pks, (True, False), strict=True)
                if pk is not None
            ]
        for pk, inside in targets:
            url = reverse(name) if pk is None else reverse(name, args=[pk])
            sees = inside or not scoped or role in EVERYTHING
            if role not in STAFF:
                cases.append((url, {}, 302))
                continue
            request = RequestFactory().get("/")
            request.user = user
            if view == "add":
                status = 200 if model_admin.has_add_permission(request) else 403
                cases.append((url, {}, status))
            elif view == "change":
                # A POST needs the change permission, not only the view one, before the
                # object is looked up (out of scope: 404).
                can_change = model_admin.has_change_permission(request)
                status = 403 if not can_change else 404 if not sees else 200
                if status == 200 and model._meta.label in SAVED_UNCHANGED:
                    status = 302
                cases.append((url, {}, status))
            elif not model_admin.has_delete_permission(request) or not sees:
                can = model_admin.has_delete_permission(request)
                cases.append((url, {"post": "yes"}, 403 if not can else 404))
    return cases


@pytest.mark.parametrize("role", ROLES)
def test_posts_by_each_role_write_nothing_they_may_not(world, role):
    """Every role POSTs to every admin model's forms: refused (403, 404, the login page) or
    an invalid form (200); no row of any model is added, changed or removed."""
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    models = {model for model, _view in ADMIN_MODELS.values()}
    before = {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}
    cases = _post_cases(world, role)
    got = {url: client.post(url, data).status_code for url, data, _expected in cases}
    wrong = {url: (exp, got[url]) for url, _data, exp in cases if got[url] != exp}
    assert wrong == {}, f"{role}: url -> (expected, got)"
    after = {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}
    changed = [label for label in before if before[label] != after[label]]
    assert changed == [] or changed == ["auth.User"] and role != "anonymous", changed
    assert len(cases) > 20
