"""Tables behind `load_demo`: areas, offices, names, roster sizes, coverage rates and logins.

The figures echo the field notes (Banyumas 2024: every BPD member covered, about 7% of RT/RW
officials and 6% of Satlinmas; Tuban's district Kerek first at 100% in 2018; Serang's
regulation Perbup 35/2017). Everything else is invented but plausible.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# One fixed seed; every village draws from its own generator seeded with "<SEED>:<code>".
SEED = 3302
BATCH_SIZE = 2000

KARANGLEWAS = "33.02.03.2003"
DARMAKRADENAN = "33.02.14.2001"
BEJI = "33.02.23.2004"
KARANGLO = "35.23.08.2016"
SINDANGSARI = "36.04.19.2004"

# Area code prefixes whose villages get a roster: all of Banyumas, Kerek (Tuban), Petir (Serang).
DEMO_AREAS = ("33.02", "35.23.08", "36.04.19")
# Villages the demo (and its story) cannot do without; missing ones mean load_regions has not run.
REQUIRED_VILLAGE_CODES = (KARANGLEWAS, DARMAKRADENAN, BEJI, KARANGLO, SINDANGSARI)
REGION_PROVINCES = ("33", "35", "36")

# (regional office, branch office, regencies served)
OFFICES = (
    ("Kanwil Jawa Tengah dan DIY", "Purwokerto", ("33.02",)),
    ("Kanwil Jawa Timur", "Tuban", ("35.23",)),
    ("Kanwil Banten", "Serang", ("36.04",)),
)
# (regency, year, target %, worker base)
REGENCY_TARGETS = (
    ("33.02", 2024, Decimal("40.00"), 700_000),
    ("33.02", 2026, Decimal("45.00"), 720_000),
)
REGENCY_REGULATIONS = {"36.04": "Perbup 35/2017"}
# (district, year, officials covered target %, villages enrolled target): some of Banyumas's
# districts set their own (Jatilawang, Ajibarang, Kedungbanteng), and Kerek, Tuban's first district
# at 100% in 2018, keeps it.
DISTRICT_TARGETS = (
    ("33.02.03", 2026, Decimal("35.00"), 11),
    ("33.02.14", 2026, Decimal("30.00"), 12),
    ("33.02.23", 2026, None, 10),
    ("35.23.08", 2026, Decimal("100.00"), 17),
)


# --- Names -------------------------------------------------------------------------------
# Word lists are whitespace-separated text (";"-separated where an item has spaces).
def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(";") if item.strip())


# NIK serials are drawn from 0001 to this; share of persons with a phone, and the second and
# third digits of Indonesian mobile numbers (Telkomsel 0811-0813, 0821-0823, 0851-0853;
# Indosat 0814-0816, 0855-0858; XL 0817-0819, 0859, 0877-0878; Tri 0895-0899; Smartfren
# 0881-0889).
NIK_SERIAL_MAX = 2999
PHONE_SHARE = 0.8
MOBILE_PREFIXES = _words(
    "11 12 13 21 22 23 51 52 53 14 15 16 55 56 57 58 17 18 19 59 77 78 95 96 97 98 99 "
    "81 82 83 84 85 86 87 88 89"
)


NAMES = {
    "jawa": {
        "L": _words("""Agus Bambang Budi Joko Slamet Heru Eko Dwi Teguh Wahyu Yusuf Ahmad
            Muhammad Rudi Hadi Tri Imam Puji Sigit Bayu Aris Edi Gunawan Nur Hendro Sapto Dedi"""),
        "P": _words("""Siti Sri Dewi Endang Ratna Wulan Tri Yuni Rina Nur Umi Eni Lilis Puji
            Dyah Retno Wahyu Indah Ani Fitri"""),
    },
    "sunda": {
        "L": _words("""Asep Ujang Dadang Cecep Deden Iwan Ade Encep Yayan Aep Dede Enjang Ahmad
            Muhammad Jajang Oman Nana Rohman Endang Maman Udin Agus"""),
        "P": _words("""Euis Neneng Imas Enung Siti Iis Yanti Nining Cucu Popon Titin Eneng Nurul
            Lilis Ai Elis Yeni Dewi"""),
    },
}
FAMILY_NAMES = {
    "jawa": {
        "L": _words("""Santoso Susanto Wibowo Prasetyo Setiawan Nugroho Purnomo Hidayat Saputra
            Kurniawan Haryanto Suharto Widodo Sulistyo Raharjo Wijaya Priyono Mulyono Sudarmo
            Riyadi Firmansyah"""),
        "P": _words("""Rahayu Lestari Astuti Handayani Wulandari Purwanti Suryani Kusumawati
            Ningsih Sulistyowati Maryati Setyaningsih Rahmawati Susilowati Hartini Sari Utami
            Anggraeni"""),
    },
    "sunda": {
        "L": _words("""Suryana Sutisna Permana Hidayat Kurniawan Setiadi Sopian Saepudin Rohmat
            Mulyana Ruhiyat Supriatna Hermawan Gunawan Sobari Nurjaman Fauzi Ramdani"""),
        "P": _words("""Rohaeti Nurhayati Komariah Maryani Sumiati Hasanah Rosita Kurniasih
            Mulyati Jubaedah Aisyah Rahmawati Nurjanah Sopiah Halimah Marlina"""),
    },
}
# Older villagers, Javanese especially, often carry one name only.
SINGLE_NAMES = {
    "L": _words("""Sutrisno Suparman Darsono Sugiyono Waluyo Karsono Tarsim Kuswanto Rasmin
        Sukirno Parjo Wagiman Sarmidi Tugiman Kasmadi Darmo Sumarno Warsito Sutarno Marjuki"""),
    "P": _words("""Sumarni Suwarti Kartini Tarminah Rasiyem Sukini Warsini Painem Sutinah
        Sumiyati Karsinah Partini Wartinah Suprihatin"""),
}
SINGLE_NAME_SHARE = {"jawa": 0.3, "sunda": 0.1}

HAMLETS = {
    "jawa": _words("""Krajan Kulon Wetan Kidul Lor Tengah Sawangan Karangjati Pesawahan
        Kalipucang Watugede Gunungsari Randegan Karanganyar Sidamulya Babakan Glempang
        Kedungwringin"""),
    "sunda": _words("""Kaum Cibeber Sukamaju Pasirgadung Cikupa Babakan Kadumanggu Pasanggrahan
        Cilaja Sukajadi Cimanggu Kebonkalapa"""),
}
LKD_UNITS = {
    "desa": ("PKK", "Karang Taruna", "LPMD", "Posyandu"),
    "kelurahan": ("PKK", "Karang Taruna", "LPM", "Posyandu"),
}
SECTORS = {
    "33.02": _items("""pertanian padi; gula kelapa; perikanan air tawar; peternakan kambing;
        kerajinan bambu; batik Banyumasan; UMKM makanan (mendoan, getuk goreng); wisata alam;
        perdagangan; jasa angkutan"""),
    "35.23.08": _items("""pertanian jagung; tenun gedog; batik gedog; tambang batu kapur;
        peternakan sapi; perdagangan; buruh pabrik semen"""),
    "36.04.19": _items("""pertanian padi; emping melinjo; perkebunan kelapa; peternakan domba;
        perdagangan; kerajinan anyaman bambu"""),
}

# --- Rosters -----------------------------------------------------------------------------
# (first, last) birth year of a holder, by post.
BIRTH_YEARS = {
    "KEPALA_DESA": (1966, 1988),
    "SEKRETARIS_DESA": (1970, 1994),
    "KAUR": (1970, 1998),
    "KASI": (1970, 1998),
    "KEPALA_DUSUN": (1966, 1992),
    "KETUA_BPD": (1960, 1985),
    "ANGGOTA_BPD": (1962, 1995),
    "KETUA_RW": (1956, 1985),
    "SEKRETARIS_RW": (1965, 1998),
    "KETUA_RT": (1956, 1990),
    "SEKRETARIS_RT": (1965, 2000),
    "PENGURUS_LKD": (1965, 2004),
    "LINMAS": (1965, 2003),
    "PENGELOLA_BUMDES": (1975, 2000),
}
FEMALE_SHARE = {
    "KEPALA_DESA": 0.08,
    "SEKRETARIS_DESA": 0.3,
    "KAUR": 0.45,
    "KASI": 0.3,
    "KEPALA_DUSUN": 0.05,
    "KETUA_BPD": 0.1,
    "ANGGOTA_BPD": 0.2,
    "KETUA_RW": 0.05,
    "SEKRETARIS_RW": 0.25,
    "KETUA_RT": 0.06,
    "SEKRETARIS_RT": 0.3,
    "PENGURUS_LKD": 0.7,
    "LINMAS": 0.03,
    "PENGELOLA_BUMDES": 0.4,
}

# --- Coverage ----------------------------------------------------------------------------
# Share of holders covered (JKK + JKM paid through today), by area and category. Banyumas
# perangkat get a per-village share instead (PERANGKAT_SHARE) unless fully covered.
COVERAGE = {
    "33.02": {
        "PERANGKAT": 0.78,
        "BPD": 1.0,
        "RT_RW": 0.07,
        "LKD": 0.2,
        "LINMAS": 0.06,
        "LAINNYA": 0.3,
    },
    "35.23.08": {
        "PERANGKAT": 1.0,
        "BPD": 0.92,
        "RT_RW": 0.45,
        "LKD": 0.5,
        "LINMAS": 0.35,
        "LAINNYA": 0.5,
    },
    "36.04.19": {
        "PERANGKAT": 0.62,
        "BPD": 0.45,
        "RT_RW": 0.08,
        "LKD": 0.15,
        "LINMAS": 0.05,
        "LAINNYA": 0.2,
    },
}
PERANGKAT_SHARE = (0.55, 0.97)
# Every perangkat covered here (plus the odd village by chance); Karanglo covers everyone.
PERANGKAT_FULLY_COVERED = frozenset({BEJI, DARMAKRADENAN, "33.02.22.2003", "33.02.19.2005"})
PERANGKAT_FULLY_COVERED_CHANCE = 0.02
FULLY_COVERED = frozenset({KARANGLO})
# Kec. Kerek, the only district of Tuban with every village enrolled (all its perangkat are
# covered; Tuban's other districts have no roster in the demo): its villages enrol one by
# one, in code order, over the months before today, so its villages trend climbs to 17 of 17
# (devdata.demo_draw.kerek_enrolment_days).
KEREK = "35.23.08"
KEREK_ENROLMENT_MONTHS = 12
# The Kepala Desa here took over from a predecessor whose term ended (history to show).
HEAD_HISTORY = frozenset({KARANGLEWAS})
# Kepala Desa and BPD are appointed by the Bupati's decree; the rest by the Kepala Desa's.
REGENCY_DECREE_POSTS = frozenset({"KEPALA_DESA", "KETUA_BPD", "ANGGOTA_BPD"})
# Of the holders not covered: the share in arrears and the share whose membership ended.
LAPSED = {
    "PERANGKAT": (0.3, 0.35),
    "BPD": (0.3, 0.3),
    "RT_RW": (0.02, 0.05),
    "LKD": (0.05, 0.1),
    "LINMAS": (0.02, 0.05),
    "LAINNYA": (0.1, 0.2),
}
# Former holders (ended posts): none in arrears, half with a membership that ended.
FORMER_LAPSED = (0.0, 0.5)
LAPSING_SOON_SHARE = 0.08
PU_SHARE = {"PERANGKAT": 0.7, "BPD": 0.1}
# Who pays for a BPU participant, by category: (funding, weight).
BPU_FUNDING = {
    "PERANGKAT": (("APBDES", 7), ("APBD", 3)),
    "BPD": (("APBD", 6), ("APBDES", 4)),
    "RT_RW": (("APBD", 6), ("MANDIRI", 4)),
    "LKD": (("MANDIRI", 5), ("LAINNYA", 3), ("APBDES", 2)),
    "LINMAS": (("APBD", 7), ("APBDES", 3)),
    "LAINNYA": (("APBDES", 5), ("MANDIRI", 5)),
}
VERIFIED_SOURCES = (("bpjs", 5), ("village", 3), ("card", 1), ("import", 2))

# --- Village profiles --------------------------------------------------------------------
# The profile fields the demo fills in (only on villages whose households are still empty).
PROFILE_FIELDS = _words("""households working_age_residents self_enrolled_residents
    self_enrolled_updated_on bumdes_active business_sectors reachable_by_road
    memorandum_signed_on contribution_regulation""")
MEMORANDUM_SIGNED = {BEJI: (2024, 8, 17), DARMAKRADENAN: (2023, 11, 2)}
VILLAGE_OVERRIDES = {
    KARANGLO: {
        "households": 1524,
        "working_age_residents": 3410,
        "self_enrolled_residents": 812,
        "bumdes_active": True,
        "reachable_by_road": True,
        "business_sectors": "tenun gedog, batik gedog, pertanian jagung, tambang batu kapur",
        "memorandum_signed_on": None,  # a Desa Sadar candidate, not yet declared
        "contribution_regulation": "Perdes 3/2018",
    },
}


# --- Logins ------------------------------------------------------------------------------
class DemoUser(NamedTuple):
    username: str
    password: str
    label: StrOrPromise
    role: str = ""  # villages.Role.Kind; "" for the superuser
    areas: tuple[str, ...] = ()
    branch: str = ""
    regional_office: str = ""
    is_superuser: bool = False
    first_name: str = ""
    last_name: str = ""


DEMO_USERS = (
    DemoUser("admin", "Mendoan-Hangat-1907", _("Administrator (superuser)"), is_superuser=True),
    DemoUser(
        "pusat",
        "Monas-Menjulang-1961",
        _("Head office"),
        "head_office",
        first_name="Kantor",
        last_name="Pusat",
    ),
    DemoUser(
        "kanwil.jateng",
        "Borobudur-Megah-0825",
        _("Regional office, Jawa Tengah dan DIY"),
        "regional_office",
        regional_office="Kanwil Jawa Tengah dan DIY",
        first_name="Kanwil",
        last_name="Jawa Tengah dan DIY",
    ),
    DemoUser(
        "staf.cabang",
        "Serayu-Mengalir-2718",
        _("Branch staff, KC Purwokerto"),
        "branch_staff",
        branch="Purwokerto",
        first_name="Staf",
        last_name="KC Purwokerto",
    ),
    DemoUser(
        "sekdes.karanglewas",
        "Gethuk-Goreng-3521",
        _("Village secretary, Desa Karanglewas"),
        "village_secretary",
        areas=(KARANGLEWAS,),
        first_name="Sekdes",
        last_name="Karanglewas",
    ),
    DemoUser(
        "manajer.banyumas",
        "Baturraden-Sejuk-4260",
        _("Regency manager, Banyumas"),
        "manager",
        areas=("33.02",),
        first_name="Manajer",
        last_name="Kabupaten Banyumas",
    ),
)
