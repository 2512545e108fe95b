"""Drawing the demo: village profiles, rosters and memberships as plain rows, nothing saved.

Each village draws from its own generator, `random.Random("<SEED>:<village code>")`, in code
order, so the same regions always give the same people, NIKs, names and posts. Only dates that
must stay current (paid-until, enrolment, verification, self-enrolment update) follow `today`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from devdata import demo_data as data
from villages.dates import month_end
from villages.models import CATEGORY_OF_POST, Village


@dataclass
class DemoPlan:
    """Rows to create: persons by NIK; posts and memberships name their holder's NIK."""

    persons: dict[str, dict] = field(default_factory=dict)
    posts: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    profiles: dict[str, dict] = field(default_factory=dict)  # village code -> field values
    agents: dict[str, dict] = field(default_factory=dict)  # village code -> name, since


class _Niks:
    """NIKs with serials drawn from 0001 to 2999, redrawn when the NIK is taken or its serial
    is already used in the village: unique by construction, and the masked NIKs of a village
    (330203******1162) differ. Counted from 0001 instead, nearly every demo NIK ended in 0001
    and masked NIKs could not tell people apart."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def next(
        self, district_code: str, born: dt.date, sex: str, rng: random.Random, used: set[int]
    ) -> str:
        day = born.day + (40 if sex == "P" else 0)
        prefix = f"{district_code.replace('.', '')}{day:02d}{born:%m%y}"
        while True:
            serial = rng.randint(1, data.NIK_SERIAL_MAX)
            nik = f"{prefix}{serial:04d}"
            if nik not in self.taken and serial not in used:
                break
        self.taken.add(nik)
        used.add(serial)
        return nik


def draw_plan(villages, today: dt.date) -> DemoPlan:
    """The whole demo for `villages` (iterated in code order)."""
    plan, niks = DemoPlan(), _Niks()
    villages = sorted(villages, key=lambda v: v.code)
    enrols_on = kerek_enrolment_days([village.code for village in villages], today)
    for village in villages:
        _VillageDraw(village, plan, niks, today, enrols_on.get(village.code)).build()
    return plan


def kerek_enrolment_days(codes: list[str], today: dt.date) -> dict[str, dt.date]:
    """The day each of Kerek's villages among `codes` enrols its perangkat: one by one in
    code order, evenly over the `KEREK_ENROLMENT_MONTHS` before `today`, the last on `today`
    itself (then 17 of 17)."""
    kerek = sorted(code for code in codes if code.startswith(f"{data.KEREK}."))
    start = today - relativedelta(months=data.KEREK_ENROLMENT_MONTHS)
    span = (today - start).days
    return {
        code: start + dt.timedelta(days=round((i + 1) * span / len(kerek)))
        for i, code in enumerate(kerek)
    }


class _VillageDraw:
    """Draws one village's profile, roster and memberships from the village's own generator."""

    def __init__(
        self,
        village: Village,
        plan: DemoPlan,
        niks: _Niks,
        today: dt.date,
        enrols_on: dt.date | None = None,
    ) -> None:
        self.code, self.district_code = village.code, village.district_id
        self.plan, self.niks, self.today = plan, niks, today
        # The day its current perangkat's memberships start (Kerek's villages), else drawn.
        self.enrols_on = enrols_on
        self.rng = random.Random(f"{data.SEED}:{village.code}")
        # NIK serials and phones from a generator of their own: the people, posts and
        # coverage the main one draws stay the same whatever these draw.
        self.ids_rng = random.Random(f"{data.SEED}:{village.code}:ids")
        self.serials: set[int] = set()
        self.area = next(area for area in data.DEMO_AREAS if village.code.startswith(f"{area}."))
        self.culture = "sunda" if village.code.startswith("36") else "jawa"
        self.desa = village.kind != Village.Kind.KELURAHAN
        self.profile: dict = {}
        self.rich = False
        self.rates: dict[str, float] = {}

    def build(self) -> None:
        self.draw_profile()
        self.plan.profiles[self.code] = self.profile
        self.rates = self.coverage_rates()
        self.officials()
        if self.desa:
            self.bpd()
        self.rt_rw()
        self.lkd_linmas_bumdes()

    # Drawing helpers
    def day(self, first_year: int, last_year: int) -> dt.date:
        start = dt.date(first_year, 1, 1)
        return start + dt.timedelta(self.rng.randint(0, (dt.date(last_year, 12, 31) - start).days))

    def month_end(self, months: int) -> dt.date:
        return month_end(self.today + relativedelta(months=months))

    def weighted(self, pairs) -> str:
        return self.rng.choices([value for value, _w in pairs], [w for _v, w in pairs])[0]

    def name(self, sex: str) -> str:
        rng, culture = self.rng, self.culture
        if rng.random() < data.SINGLE_NAME_SHARE[culture]:
            singles = data.SINGLE_NAMES if culture == "jawa" else data.NAMES[culture]
            return rng.choice(singles[sex])
        given = rng.choice(data.NAMES[culture][sex])
        return f"{given} {rng.choice(data.FAMILY_NAMES[culture][sex])}"

    # The village profile
    def draw_profile(self) -> None:
        rng, p = self.rng, self.profile
        p["households"] = rng.randint(600, 2800) if self.desa else rng.randint(1500, 4800)
        p["working_age_residents"] = round(p["households"] * rng.uniform(1.9, 2.5))
        if rng.random() < 0.4:
            p["self_enrolled_residents"] = round(
                p["working_age_residents"] * rng.uniform(0.02, 0.25)
            )
            p["self_enrolled_updated_on"] = self.today - dt.timedelta(rng.randint(7, 150))
        p["bumdes_active"] = self.desa and rng.random() < 0.55
        self.rich = p["bumdes_active"] and rng.random() < 0.5
        p["business_sectors"] = ", ".join(rng.sample(data.SECTORS[self.area], rng.randint(1, 3)))
        p["reachable_by_road"] = rng.random() > 0.03
        self.agreements()
        p.update(data.VILLAGE_OVERRIDES.get(self.code, {}))
        if p.get("self_enrolled_residents") is not None:
            p.setdefault("self_enrolled_updated_on", self.today - dt.timedelta(14))

    def agreements(self) -> None:
        rng, p = self.rng, self.profile
        if rng.random() < 0.25:
            agent = {"name": self.name(rng.choice("LP")), "since": self.day(2019, 2024)}
            self.plan.agents[self.code] = agent
        signed = data.MEMORANDUM_SIGNED.get(self.code)
        if rng.random() < 0.02 or signed:
            p["memorandum_signed_on"] = dt.date(*signed) if signed else self.day(2018, 2025)
        if rng.random() < 0.3:
            year, number = rng.randint(2018, 2025), rng.randint(1, 9)
            by_perdes = rng.random() < 0.5
            p["contribution_regulation"] = (
                f"Perdes {number}/{year}" if by_perdes else f"APBDes {year}, pos 2.{number}"
            )

    def coverage_rates(self) -> dict[str, float]:
        rates = dict(data.COVERAGE[self.area])
        if self.code in data.FULLY_COVERED:
            return dict.fromkeys(rates, 1.0)
        lucky = self.rng.random() < data.PERANGKAT_FULLY_COVERED_CHANCE
        if self.code in data.PERANGKAT_FULLY_COVERED or lucky:
            rates["PERANGKAT"] = 1.0
        elif self.area == "33.02":
            rates["PERANGKAT"] = self.rng.uniform(*data.PERANGKAT_SHARE)
        return rates

    # The roster
    def officials(self) -> None:
        rng, desa = self.rng, self.desa
        head_history = 1.0 if self.code in data.HEAD_HISTORY else 0.25
        head_start = self.day(2019, 2021) if desa else self.day(2021, 2025)
        self.succession("KEPALA_DESA", head_start, head_history, years=6 if desa else 4)
        self.succession("SEKRETARIS_DESA", self.day(2008, 2022), 0.1, years=rng.randint(4, 15))
        for _i in range(rng.randint(2, 3) if desa else 0):
            self.post("KAUR", start=self.day(2010, 2024))
        sections = rng.randint(2, 3) if desa else rng.randint(3, 4)
        kasi = [self.post("KASI", start=self.day(2010, 2024)) for _i in range(sections)]
        hamlets = rng.sample(data.HAMLETS[self.culture], rng.randint(2, 5)) if desa else []
        for hamlet in hamlets:
            self.post("KEPALA_DUSUN", f"Dusun {hamlet}", self.day(2008, 2024))
        if rng.random() < 0.15:  # a Kasi who also sits on the LPMD/LPM board: two posts
            unit = data.LKD_UNITS["desa" if desa else "kelurahan"][2]
            self.post("PENGURUS_LKD", unit, self.day(2020, 2024), nik=kasi[0])

    def bpd(self) -> None:
        start = self.day(2019, 2021)  # the whole body starts its term together
        self.post("KETUA_BPD", start=start)
        for _i in range(self.rng.choice((5, 7, 9)) - 1):
            self.post("ANGGOTA_BPD", start=start)

    def rt_rw(self) -> None:
        rng = self.rng
        rts = rng.randint(8, 20)
        rws = max(2, round(rts / rng.uniform(3.0, 5.0)))
        start = self.day(2022, 2025)
        for rw in range(1, rws + 1):
            self.post("KETUA_RW", f"RW {rw:03d}", start)
            self.post("SEKRETARIS_RW", f"RW {rw:03d}", start)
        for rt in range(1, rts + 1):
            unit = f"RT {rt:03d} / RW {(rt - 1) * rws // rts + 1:03d}"
            self.succession("KETUA_RT", start, 0.1 if rt == 1 else 0.0, unit, years=3)
            self.post("SEKRETARIS_RT", unit, start)

    def lkd_linmas_bumdes(self) -> None:
        rng = self.rng
        units = data.LKD_UNITS["desa" if self.desa else "kelurahan"]
        for _i in range(rng.randint(4, 8)):
            self.post("PENGURUS_LKD", rng.choice(units), self.day(2020, 2025))
        for _i in range(rng.randint(6, 14)):
            self.post("LINMAS", start=self.day(2015, 2025))
        if self.profile["bumdes_active"] and rng.random() < 0.5:
            self.post("PENGELOLA_BUMDES", start=self.day(2018, 2025))

    def succession(self, code, start, chance, unit="", years=6) -> str:
        """The current holder from `start`, sometimes after a predecessor whose term ended."""
        if self.rng.random() < chance:
            ended = start - dt.timedelta(1)
            self.post(code, unit, start - relativedelta(years=years), ended, former=True)
        return self.post(code, unit, start)

    def post(self, code, unit="", start=None, end=None, *, nik=None, former=False) -> str:
        """Add a post (and, unless `nik` names one, a new holder); return the holder's NIK."""
        if nik is None:
            nik = self.person(code)
            self.cover(nik, CATEGORY_OF_POST[code], former)
        by = "Kep. Bupati" if code in data.REGENCY_DECREE_POSTS else "Kep. Kades"
        decree = f"{by} 141/{self.rng.randint(1, 999):03d}/{start.year}" if start else ""
        self.plan.posts.append(
            {"nik": nik, "village_id": self.code, "code": code, "unit": unit, "term_start": start}
            | {"term_end": end, "category": CATEGORY_OF_POST[code], "decree_number": decree}
        )
        return nik

    def person(self, code: str) -> str:
        sex = "P" if self.rng.random() < data.FEMALE_SHARE[code] else "L"
        born = self.day(*data.BIRTH_YEARS[code])
        nik = self.niks.next(self.district_code, born, sex, self.ids_rng, self.serials)
        self.plan.persons[nik] = {
            "nik": nik,
            "name": self.name(sex),
            "sex": sex,
            "birth_date": born,
            "phone": self.phone(),
        }
        return nik

    def phone(self) -> str:
        """A mobile number (08, an operator's prefix, 8 digits) for most, "" for the rest."""
        rng = self.ids_rng
        if rng.random() >= data.PHONE_SHARE:
            return ""
        return f"08{rng.choice(data.MOBILE_PREFIXES)}{rng.randint(0, 10**8 - 1):08d}"

    # Coverage
    def cover(self, nik: str, category: str, former: bool) -> None:
        """Active (some lapsing soon), in arrears, ended, or no membership at all."""
        rng = self.rng
        rate = 0.0 if former else self.rates[category]
        arrears, ended = data.FORMER_LAPSED if former else data.LAPSED[category]
        if rng.random() < rate:
            soon = rng.random() < data.LAPSING_SOON_SHARE
            paid = self.month_end(0 if soon else rng.randint(1, 12))
        elif (draw := rng.random()) < arrears:
            paid = self.month_end(-rng.randint(1, 2))
        elif draw < arrears + ended:
            paid = self.month_end(-rng.randint(4, 36))
        else:
            return
        starts = self.enrols_on if category == "PERANGKAT" and not former else None
        self.memberships(nik, category, paid, starts)

    def memberships(
        self, nik: str, category: str, paid: dt.date, starts: dt.date | None = None
    ) -> None:
        """JKK and JKM; JHT for PU and some BPU; JP (and some JKP) for PU in richer villages.
        Enrolled on `starts` when given (verified no earlier), else on a drawn day."""
        rng = self.rng
        pu = rng.random() < data.PU_SHARE.get(category, 0.0)
        programs = ["JKK", "JKM"] + (["JHT"] if pu or rng.random() < 0.25 else [])
        if pu and self.rich:
            programs += ["JP", "JKP"] if rng.random() < 0.4 else ["JP"]
        enrolled = min(paid, self.today) - relativedelta(months=rng.randint(3, 72))
        enrolled = enrolled.replace(day=1)
        verified = self.today - dt.timedelta(rng.randint(3, 80)) if rng.random() < 0.45 else None
        if starts is not None:  # the draws above are made all the same: the rest stays put
            enrolled, verified = starts, verified and max(verified, starts)
        row = {
            "nik": nik,
            "participant_category": "PU" if pu else "BPU",
            "funding_source": "APBDES" if pu else self.weighted(data.BPU_FUNDING[category]),
            "kpj_number": str(rng.randint(10**10, 10**11 - 1)) if rng.random() < 0.6 else "",
            "enrolled_on": enrolled,
            "paid_until": paid,
            "verified_on": verified,
            "verified_source": self.weighted(data.VERIFIED_SOURCES) if verified else "",
        }
        self.plan.memberships.extend(row | {"program_id": program} for program in programs)
