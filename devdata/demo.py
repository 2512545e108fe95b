"""`load_demo`: a believable, deterministic demo data set on real region codes.

The rows are drawn in `devdata.demo_draw` (same regions, same people); this module saves
what is missing. Idempotent: persons are found by NIK, posts by (person, village, code, unit,
term start), memberships by (person, program), village profiles are filled only while empty;
a second run creates nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from campaign.models import PerisaiAgent
from devdata import demo_data as data
from devdata.demo_campaign import AGENTS as STORY_AGENTS
from devdata.demo_campaign import demo_campaign_load
from devdata.demo_draw import DemoPlan, draw_plan
from devdata.demo_finance import demo_finance_load
from enrollment.models import Membership
from enrollment.services import coverage_snapshot
from villages.batches import chunks
from villages.models import (
    SINGLE_HOLDER_POSTS,
    UNIT_SINGLE_HOLDER_POSTS,
    BranchOffice,
    DistrictTarget,
    Person,
    Post,
    Regency,
    RegencyTarget,
    RegionalOffice,
    Village,
)
from villages.roles import user_role_set


class DemoRegionsMissing(Exception):
    """The regions the demo is built on have not been loaded (run load_regions first)."""


@dataclass
class DemoResult:
    """How many rows one run created, per model (villages: profiles filled in)."""

    regional_offices: int = 0
    branch_offices: int = 0
    regency_targets: int = 0
    district_targets: int = 0
    villages_profiled: int = 0
    persons: int = 0
    posts: int = 0
    memberships: int = 0
    users: int = 0
    # The campaign (devdata.demo_campaign).
    outreach_events: int = 0
    attendance: int = 0
    perisai_agents: int = 0
    registrations: int = 0
    declarations: int = 0
    # Contributions and claims (devdata.demo_finance).
    finance_records: int = 0

    def rows(self) -> list[tuple[str, int]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]

    @property
    def total(self) -> int:
        return sum(count for _name, count in self.rows())


def missing_villages(codes) -> list[str]:
    """The codes among `codes` that are not in the village table."""
    found = set(Village.objects.filter(code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code not in found]


def require_regions(codes=None) -> None:
    """Raise DemoRegionsMissing, saying how to load them, unless the demo's villages exist."""
    missing = missing_villages(codes or data.REQUIRED_VILLAGE_CODES)
    if missing:
        provinces = " ".join(f"--province {code}" for code in data.REGION_PROVINCES)
        raise DemoRegionsMissing(
            _(
                "The demo is built on real regions, but these villages are not loaded: "
                "%(codes)s. Run `python manage.py load_regions %(provinces)s` first."
            )
            % {"codes": ", ".join(missing), "provinces": provinces}
        )


def demo_load(*, today: dt.date | None = None, stdout=None) -> DemoResult:
    """Create the demo offices, targets, village profiles, rosters, memberships and logins."""
    today = today or timezone.localdate()
    require_regions()
    result = DemoResult()
    with transaction.atomic():
        _load_offices(result)
        _load_regencies(result)
        _load_villages(today, stdout, result)
        _load_users(result)
        demo_campaign_load(today=today, result=result)
        demo_finance_load(result=result)
    return result


def demo_snapshots_backfill(today: dt.date, months: int = 12) -> int:
    """Monthly figures for the trend chart: this month and the eleven before it (rewritten
    on every run, so they follow the data). Returns the number of rows written."""
    return sum(
        coverage_snapshot(month=(today - relativedelta(months=back)).replace(day=1))
        for back in range(months)
    )


def _load_villages(today: dt.date, stdout, result: DemoResult) -> None:
    villages = list(demo_villages())
    plan = draw_plan(villages, today)
    sizes = {
        name: formats.number_format(count, force_grouping=True)
        for name, count in [
            ("persons", len(plan.persons)),
            ("posts", len(plan.posts)),
            ("villages", len(villages)),
        ]
    }
    # The plan, not what is written: a second run draws the same people and creates none.
    message = _(
        "The demo holds %(persons)s persons and %(posts)s posts in %(villages)s villages; "
        "only those not loaded yet are created."
    )
    _say(stdout, message % sizes)
    _save_profiles(villages, plan, result)
    _save_people(plan, [village.code for village in villages], result)


def _say(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(f"{message}\n")


# --- Offices, regencies, logins ----------------------------------------------------------
def _load_offices(result: DemoResult) -> None:
    for kanwil, branch, regency_codes in data.OFFICES:
        regional, created = RegionalOffice.objects.get_or_create(name=kanwil)
        result.regional_offices += created
        office, created = BranchOffice.objects.get_or_create(
            name=branch, defaults={"regional_office": regional, "kind": BranchOffice.Kind.KC}
        )
        result.branch_offices += created
        # The stubs take a primary key given to add() as an int; Regency's is its code.
        office.regencies.add(*regency_codes)  # type: ignore[arg-type]


def _load_regencies(result: DemoResult) -> None:
    for code, year, pct, base in data.REGENCY_TARGETS:
        _target, created = RegencyTarget.objects.get_or_create(
            regency_id=code, year=year, defaults={"target_pct": pct, "worker_base": base}
        )
        result.regency_targets += created
    for district, year, officials, villages in data.DISTRICT_TARGETS:
        _district_target, created = DistrictTarget.objects.get_or_create(
            district_id=district,
            year=year,
            defaults={"officials_pct": officials, "villages_enrolled": villages},
        )
        result.district_targets += created
    for code, regulation in data.REGENCY_REGULATIONS.items():
        Regency.objects.filter(code=code, regulation="").update(regulation=regulation)


def _load_users(result: DemoResult) -> None:
    """Create the demo logins that do not exist yet, with their roles; never reset an
    existing user's password or role."""
    user_model = get_user_model()
    for spec in data.DEMO_USERS:
        if user_model.objects.filter(username=spec.username).exists():
            continue
        user = user_model(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_superuser,
            is_superuser=spec.is_superuser,
        )
        user.set_password(spec.password)
        user.save()
        if spec.role:
            user_role_set(
                username=spec.username,
                kind=spec.role,
                area_codes=list(spec.areas),
                branch_name=spec.branch or None,
                regional_office_name=spec.regional_office or None,
            )
        result.users += 1


# --- Saving the plan: create only what is missing ----------------------------------------
def demo_villages():
    """The villages that get a roster: every village below one of the demo areas."""
    areas = Q(*[Q(code__startswith=f"{area}.") for area in data.DEMO_AREAS], _connector=Q.OR)
    return Village.objects.filter(areas).order_by("code")


def _save_profiles(villages: list[Village], plan: DemoPlan, result: DemoResult) -> None:
    """Fill in the profile of villages whose households are still empty; leave the rest."""
    unprofiled = [village for village in villages if village.households is None]
    for village in unprofiled:
        for name, value in plan.profiles[village.code].items():
            setattr(village, name, value)
    Village.objects.bulk_update(unprofiled, data.PROFILE_FIELDS, batch_size=data.BATCH_SIZE)
    result.villages_profiled = len(unprofiled)
    # The story agents (devdata.demo_campaign) are saved with the campaign, not drawn here.
    stories = {story.village for story in STORY_AGENTS}
    drawn = [v for v in unprofiled if v.code in plan.agents and v.code not in stories]
    result.perisai_agents += _save_agents(drawn, plan)


def _save_agents(villages: list[Village], plan: DemoPlan) -> int:
    """The Perisai agent drawn for each newly profiled village, serving it, coded
    PRS-<regency>-<number> with the first number free (the stories' codes kept for them).
    Returns the number created."""
    taken = set(PerisaiAgent.objects.values_list("code", flat=True))
    taken |= {story.code for story in STORY_AGENTS}
    for village in villages:
        drawn = plan.agents[village.code]
        regency = village.district_id.rsplit(".", 1)[0]
        number = 1
        while f"PRS-{regency.replace('.', '')}-{number:03d}" in taken:
            number += 1
        code = f"PRS-{regency.replace('.', '')}-{number:03d}"
        taken.add(code)
        agent = PerisaiAgent.objects.create(
            code=code, name=drawn["name"], regency_id=regency, active_from=drawn["since"]
        )
        agent.villages.add(village)
    return len(villages)


def _ids_by_nik(niks: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for chunk in chunks(niks, data.BATCH_SIZE):
        ids.update(Person.objects.filter(nik__in=chunk).values_list("nik", "pk"))
    return ids


def _save_people(plan: DemoPlan, village_codes: list[str], result: DemoResult) -> None:
    """New persons by NIK, then their posts and memberships.

    The drawn rows carry sex and birth date, which Person.save() would derive from the NIK:
    bulk_create skips save(). It skips history too, which demo data can do without.
    """
    existing = _ids_by_nik(list(plan.persons))
    new = [Person(**row) for nik, row in plan.persons.items() if nik not in existing]
    Person.objects.bulk_create(new, batch_size=data.BATCH_SIZE)
    result.persons = len(new)
    ids = existing | _ids_by_nik([person.nik for person in new])
    result.posts = _save_posts(plan, ids, village_codes)
    result.memberships = _save_memberships(plan, ids, set(existing.values()))


def _holder_key(village_id: str, code: str, unit: str) -> tuple[str, str, str]:
    """Who else may hold this post: per village, or per unit for RT/RW posts."""
    return village_id, code, unit if code in UNIT_SINGLE_HOLDER_POSTS else ""


def _save_posts(plan: DemoPlan, ids: dict[str, int], village_codes: list[str]) -> int:
    """Skip posts already there, and current single-holder posts someone else already holds."""
    existing = Post.objects.filter(village_id__in=village_codes)
    keys = set(existing.values_list("person_id", "village_id", "code", "unit", "term_start"))
    current = existing.filter(term_end__isnull=True, code__in=SINGLE_HOLDER_POSTS)
    held = {_holder_key(*row) for row in current.values_list("village_id", "code", "unit")}
    new = []
    for row in plan.posts:
        key = (ids[row["nik"]], row["village_id"], row["code"], row["unit"], row["term_start"])
        open_single = row["term_end"] is None and row["code"] in SINGLE_HOLDER_POSTS
        clash = open_single and _holder_key(*key[1:4]) in held
        if key not in keys and not clash:
            keys.add(key)
            new.append(Post(person_id=key[0], **{k: v for k, v in row.items() if k != "nik"}))
    Post.objects.bulk_create(new, batch_size=data.BATCH_SIZE)
    return len(new)


def _save_memberships(plan: DemoPlan, ids: dict[str, int], old_ids: set[int]) -> int:
    """Memberships new by (person, program); only persons that existed before can have one."""
    keys: set[tuple[int, str]] = set()
    for chunk in chunks(sorted(old_ids), data.BATCH_SIZE):
        found = Membership.objects.filter(person_id__in=chunk)
        keys.update(found.values_list("person_id", "program_id"))
    new = []
    for row in plan.memberships:
        key = (ids[row["nik"]], row["program_id"])
        if key not in keys:
            keys.add(key)
            new.append(Membership(person_id=key[0], **{k: v for k, v in row.items() if k != "nik"}))
    Membership.objects.bulk_create(new, batch_size=data.BATCH_SIZE)
    return len(new)
