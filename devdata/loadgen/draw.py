"""The draw of the synthetic data set: names, posts, holders and memberships per village,
deterministic from a seed and the village code (see `devdata.loadgen`)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from villages.dates import month_end
from villages.models import CATEGORY_OF_POST, Person, Post, Village

SCALES = {"regency": "33.02", "province": "33", "country": ""}
DEFAULT_SEED = 2024

FIRST_NAMES = (
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Hadi",
    "Joko",
    "Slamet",
    "Sri",
    "Siti",
    "Ani",
    "Dewi",
    "Rina",
    "Wati",
    "Yanti",
    "Bambang",
    "Heru",
    "Sugeng",
    "Teguh",
    "Wahyu",
    "Nur",
    "Endang",
    "Tri",
    "Puji",
    "Ahmad",
    "Muhammad",
    "Rahmat",
    "Suparman",
    "Sutrisno",
    "Sukarni",
    "Lestari",
    "Kartini",
    "Sumarni",
    "Darmo",
    "Tarjo",
    "Warsito",
    "Kusnadi",
    "Rohmah",
    "Fitri",
    "Indah",
    "Yusuf",
    "Ilham",
)
LAST_NAMES = (
    "Santoso",
    "Wibowo",
    "Saputra",
    "Hidayat",
    "Setiawan",
    "Pratama",
    "Nugroho",
    "Kurniawan",
    "Susanto",
    "Purnomo",
    "Rahayu",
    "Lestari",
    "Handayani",
    "Wulandari",
    "Kusuma",
    "Hartono",
    "Sulistyo",
    "Prasetyo",
    "Suryadi",
    "Maryati",
    "Wijaya",
    "Gunawan",
    "Utami",
    "Sari",
    "Permana",
    "Firmansyah",
    "Ramadhan",
    "Hakim",
    "Syahputra",
    "Anggraini",
)
KAUR_UNITS = ("Keuangan", "Umum dan Perencanaan", "Tata Usaha")
KASI_UNITS = ("Pemerintahan", "Kesejahteraan", "Pelayanan")
LKD_UNITS = ("PKK", "Karang Taruna", "LPMD", "Posyandu")


@dataclass
class Counts:
    villages: int = 0
    persons: int = 0
    posts: int = 0
    memberships: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, sizes: tuple[int, int, int]) -> None:
        self.persons += sizes[0]
        self.posts += sizes[1]
        self.memberships += sizes[2]


@dataclass
class Batch:
    """Rows for one table, as tab-separated lines for COPY (None is \\N)."""

    persons: list[tuple] = field(default_factory=list)
    posts: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)


def _seed(*parts) -> int:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class Generator:
    """Draws villages one at a time; person and post ids are handed out in village code order
    from the first ids given."""

    def __init__(
        self, *, seed: int, today: dt.date, first_person_id: int, first_post_id: int, serial_base=0
    ):
        self.seed, self.today, self.serial_base = seed, today, serial_base
        self.person_id, self.post_id, self.membership_id = first_person_id, first_post_id, 0
        self._serials: dict[tuple[str, str], int] = {}
        self._district = ""
        self._regency_level: dict[str, float] = {}
        # Month ends and month starts around today, by offset in months (relativedelta is slow).
        first = today.replace(day=1)
        self._ends = {k: month_end(first + relativedelta(months=k)) for k in range(-90, 16)}
        self._starts = {k: first + relativedelta(months=k) for k in range(-90, 16)}

    def regency_level(self, regency: str) -> float:
        """The regency's base coverage share: 0.15 to 0.9, steady for a seed."""
        if regency not in self._regency_level:
            self._regency_level[regency] = random.Random(_seed(self.seed, regency)).uniform(
                0.15, 0.9
            )
        return self._regency_level[regency]

    def village(self, code: str, kind: str, out: Batch) -> None:
        rnd = random.Random(_seed(self.seed, code))
        district = code[:8]
        if district != self._district:  # villages come in code order: serials per district
            self._serials.clear()
            self._district = district
        level = min(0.98, max(0.0, self.regency_level(code[:5]) + rnd.uniform(-0.25, 0.25)))
        holders: list[int] = []  # perangkat, BPD and RT/RW holders who may take a second post
        for post_code, unit, start, end in self._posts(rnd, kind):
            if holders and post_code in ("LINMAS", "PENGURUS_LKD") and rnd.random() < 0.05:
                person_id = holders.pop(rnd.randrange(len(holders)))  # e.g. an RT head in PKK
            else:
                person_id = self._person(rnd, code, out)
                if post_code not in ("LINMAS", "PENGURUS_LKD"):
                    holders.append(person_id)
                self._memberships(rnd, person_id, level, CATEGORY_OF_POST[post_code], out)
            self.post_id += 1
            out.posts.append(
                (self.post_id, person_id, code, post_code, CATEGORY_OF_POST[post_code], unit,
                 start, end, "")
            )  # fmt: skip

    def _posts(self, rnd: random.Random, kind: str) -> Iterator[tuple]:
        today = self.today
        elected = today - dt.timedelta(days=rnd.randint(30, 6 * 365))
        six_years = dt.timedelta(days=2191)
        yield "KEPALA_DESA", "", elected, elected + six_years
        yield "SEKRETARIS_DESA", "", elected - dt.timedelta(days=rnd.randint(0, 2000)), None
        for unit in KAUR_UNITS[: rnd.randint(2, 3)]:
            yield "KAUR", unit, elected + dt.timedelta(days=rnd.randint(0, 200)), None
        for unit in KASI_UNITS[: rnd.randint(2, 3)]:
            yield "KASI", unit, elected + dt.timedelta(days=rnd.randint(0, 200)), None
        for n in range(rnd.randint(2, 6)):
            yield "KEPALA_DUSUN", f"Dusun {n + 1}", elected, None
        if kind != Village.Kind.KELURAHAN:
            bpd_start = today - dt.timedelta(days=rnd.randint(30, 6 * 365))
            yield "KETUA_BPD", "", bpd_start, bpd_start + six_years
            for _ in range(rnd.choice((4, 6, 8))):
                yield "ANGGOTA_BPD", "", bpd_start, bpd_start + six_years
        yield from self._rt_rw(rnd)
        # Boards and guards are appointed by decree, several at once: shared start dates.
        for unit in LKD_UNITS:
            start = today - dt.timedelta(days=rnd.randint(0, 1500))
            for _ in range(rnd.randint(1, 3)):
                yield "PENGURUS_LKD", unit, start, None
        decrees = [today - dt.timedelta(days=rnd.randint(0, 2500)) for _ in range(2)]
        for _ in range(rnd.randint(4, 10)):
            start = rnd.choice(decrees)
            # Some guards have left: an ended term (the post no longer counts).
            end = today - dt.timedelta(days=rnd.randint(1, 300)) if rnd.random() < 0.08 else None
            yield "LINMAS", "", start, end if end is None or end >= start else start
        if rnd.random() < 0.3:
            yield "PENGELOLA_BUMDES", "", today - dt.timedelta(days=rnd.randint(0, 1500)), None

    def _rt_rw(self, rnd: random.Random) -> Iterator[tuple]:
        start = self.today - dt.timedelta(days=rnd.randint(0, 5 * 365))
        for rw in range(1, rnd.randint(2, 5) + 1):
            yield "KETUA_RW", f"RW {rw:03d}", start, None
            if rnd.random() < 0.8:
                yield "SEKRETARIS_RW", f"RW {rw:03d}", start, None
            for rt in range(1, rnd.randint(2, 5) + 1):
                unit = f"RT {rt:03d} / RW {rw:03d}"
                yield "KETUA_RT", unit, start, None
                if rnd.random() < 0.6:
                    yield "SEKRETARIS_RT", unit, start, None

    def _person(self, rnd: random.Random, village_code: str, out: Batch) -> int:
        female = rnd.random() < 0.35
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rnd.randint(0, 17500))  # 1955–2002
        day = birth.day + (40 if female else 0)
        digits = village_code[:8].replace(".", "")
        ddmmyy = f"{day:02d}{birth.month:02d}{birth.year % 100:02d}"
        serial = self._serials.get((digits, ddmmyy), self.serial_base) + 1
        self._serials[(digits, ddmmyy)] = serial
        self.person_id += 1
        name = f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}"
        out.persons.append(
            (self.person_id, f"{digits}{ddmmyy}{serial:04d}", name, "P" if female else "L", birth)
        )
        return self.person_id

    def _memberships(self, rnd, person_id: int, level: float, category: str, out: Batch) -> None:
        share = level * {"PERANGKAT": 1.15, "BPD": 1.0, "RT_RW": 0.6, "LKD": 0.7}.get(category, 0.5)
        ever = min(0.97, share + 0.55)
        if rnd.random() >= ever:
            return  # never enrolled
        paid = self._paid_offset(rnd, covered=rnd.random() < share / ever)
        enrolled = None if rnd.random() < 0.1 else paid - rnd.randint(1, 60)
        programs = ["JKK", "JKM"]
        if rnd.random() < 0.05:
            programs.remove(rnd.choice(programs))  # half a package: not covered
        programs += ["JHT"] if rnd.random() < 0.6 else []
        if category in ("PERANGKAT", "BPD") and rnd.random() < 0.35:
            programs += ["JP", "JKP"]  # a wage earner (PU): the full five
        kind = "PU" if "JP" in programs else "BPU"
        enrolled_on = None if enrolled is None else self._starts[enrolled]
        for program in programs:
            until = paid
            if program == "JKM" and rnd.random() < 0.04:
                until = paid - 1  # paid one month less
            out.memberships.append(
                (person_id, program, kind, "", enrolled_on, self._ends[until], "APBDES", None, "")
            )

    def _paid_offset(self, rnd: random.Random, *, covered: bool) -> int:
        """Paid through the end of a month, as an offset from this month: covered ones up to a
        year ahead (one in eight this month, lapsing soon), the others lapsed 1 to 24 months
        ago (about a fifth still within the arrears window)."""
        if covered:
            return 0 if rnd.random() < 0.125 else rnd.randint(1, 12)
        return -rnd.choice((1, 2, 3, *range(4, 25)))


# --- Writing ---------------------------------------------------------------------------------

PERSON_COLUMNS = ("id", "nik", "name", "sex", "birth_date")
POST_COLUMNS = (
    "id", "person_id", "village_id", "code", "category", "unit", "term_start", "term_end",
    "decree_number",
)  # fmt: skip
MEMBERSHIP_COLUMNS = (
    "person_id", "program_id", "participant_category", "kpj_number", "enrolled_on",
    "paid_until", "funding_source", "verified_on", "verified_source",
)  # fmt: skip
TABLES = (
    ("persons", Person._meta.db_table, PERSON_COLUMNS),
    ("posts", Post._meta.db_table, POST_COLUMNS),
    ("memberships", "enrollment_membership", MEMBERSHIP_COLUMNS),
)


def draw_batch(seed, today, first_id, serial_base, villages) -> Batch:
    gen = Generator(
        seed=seed,
        today=today,
        first_person_id=first_id,
        first_post_id=first_id,
        serial_base=serial_base,
    )
    batch = Batch()
    for code, kind in villages:
        gen.village(code, kind, batch)
    return batch
