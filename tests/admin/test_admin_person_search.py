"""The persons list tells namesakes apart: each row names the posts and villages the user may
see, and a name search on PostgreSQL finds names a typo away, closest first (SQLite: parts of
names only)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PersonFactory, PostFactory

PERSONS = reverse("admin:villages_person_changelist")
KARANGLEWAS = "33.02.03.2003"  # Kec. Jatilawang, Banyumas
GUNUNGWETAN = "33.02.03.2001"  # Kec. Jatilawang, Banyumas
KARANGLO = "35.23.08.2016"  # Kec. Kerek, Tuban
postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def _names(client, **params) -> list[str]:
    response = client.get(PERSONS, params)
    assert response.status_code == 200
    return [person.name for person in response.context["cl"].result_list]


def _by_name(client) -> str:
    """The `o` parameter that sorts the list by name."""
    return str(client.get(PERSONS).context["cl"].list_display.index("name"))


def _cells(client, column: str, **params) -> list[str]:
    """The text of one column's cells, row by row."""
    page = client.get(PERSONS, params).content.decode()
    cells = re.findall(rf'<td class="field-{column}">(.*?)</td>', page)
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells]


@pytest.fixture
def namesakes(db):
    """Four persons in Karanglewas and one in Tuban, created in this order."""
    for name in ["Sugiyanto Wibowo", "Sugianto Hadi", "Sutrisno", "Sugiamto"]:
        PostFactory(village_id=KARANGLEWAS, person=PersonFactory(name=name))
    PostFactory(
        village_id=KARANGLO, person=PersonFactory(name="Sugianto", district_code="35.23.08")
    )


# --- Search ----------------------------------------------------------------------------


@postgresql
def test_a_one_letter_typo_finds_similar_names_closest_first(head_office, namesakes):
    # word similarity to SUGIANTO: 1 (a whole word), 0.58 (one letter more), 0.56 (one other)
    assert _names(head_office, q="Sugianto") == [
        "Sugianto",
        "Sugianto Hadi",
        "Sugiyanto Wibowo",
        "Sugiamto",
    ]
    assert _names(head_office, q="sugiyanto") == ["Sugiyanto Wibowo", "Sugianto", "Sugianto Hadi"]


@postgresql
def test_similar_names_stay_within_the_scope(banyumas_manager, namesakes):
    assert _names(banyumas_manager, q="Sugianto") == [
        "Sugianto Hadi",
        "Sugiyanto Wibowo",
        "Sugiamto",
    ]


@postgresql
def test_a_column_sort_overrides_the_closeness(head_office, namesakes):
    column = head_office.get(PERSONS).context["cl"].list_display.index("name")
    assert _names(head_office, q="Sugianto", o=f"-{column}") == [
        "Sugiyanto Wibowo",
        "Sugianto Hadi",
        "Sugianto",
        "Sugiamto",
    ]


@sqlite
def test_sqlite_finds_parts_of_names_only(head_office, namesakes):
    assert _names(head_office, q="Sugianto") == ["Sugianto", "Sugianto Hadi"]
    assert _names(head_office, q="sugiyanto") == ["Sugiyanto Wibowo"]


@pytest.mark.parametrize("q", ['""', "   ", "''"])
def test_an_empty_search_lists_everyone(head_office, namesakes, q):
    assert len(_names(head_office, q=q)) == 5


def test_the_person_autocomplete_finds_by_name(banyumas_manager, namesakes):
    params = {
        "app_label": "villages",
        "model_name": "post",
        "field_name": "person",
        "term": "Sugianto",
    }
    response = banyumas_manager.get(reverse("admin:autocomplete"), params)
    names = [item["text"] for item in response.json()["results"]]
    similar = ["Sugiyanto Wibowo", "Sugiamto"] if connection.vendor == "postgresql" else []
    assert names == ["Sugianto Hadi", *similar]


# --- Village and post columns ------------------------------------------------------------


@pytest.fixture
def holders(db):
    """Sri Rahayu: Kaur Keuangan in Karanglewas and Ketua RT in Karanglo (Tuban); Tri Wahyu:
    Kepala Desa of Gunungwetan; Sutini: a Kasi whose term ended in 2025."""
    sri = PersonFactory(name="Sri Rahayu", sex="P")
    PostFactory(person=sri, village_id=KARANGLEWAS, code="KAUR", unit="Keuangan")
    PostFactory(person=sri, village_id=KARANGLO, code="KETUA_RT", unit="RT 003 / RW 001")
    PostFactory(person=PersonFactory(name="Tri Wahyu"), village_id=GUNUNGWETAN, code="KEPALA_DESA")
    PostFactory(
        person=PersonFactory(name="Sutini", sex="P"),
        village_id=KARANGLEWAS,
        code="KASI",
        term_end=dt.date(2025, 6, 30),
    )


def test_rows_name_the_posts_and_villages(head_office, holders):
    assert _names(head_office, o=_by_name(head_office)) == ["Sri Rahayu", "Sutini", "Tri Wahyu"]
    assert _cells(head_office, "post_names", o=_by_name(head_office)) == [
        "Head of affairs (Kepala Urusan) (Keuangan); RT head (Ketua RT) (RT 003 / RW 001)",
        "Head of section (Kepala Seksi) (ended 30/06/2025)",
        "Village head (Kepala Desa)",
    ]
    assert _cells(head_office, "village_names", o=_by_name(head_office)) == [
        "Karanglewas (Jatilawang); Karanglo (Kerek)",
        "Karanglewas (Jatilawang)",
        "Gunung Wetan (Jatilawang)",
    ]


def test_a_scoped_user_sees_only_the_posts_in_their_scope(banyumas_manager, holders):
    by_name = _by_name(banyumas_manager)
    assert _cells(banyumas_manager, "post_names", o=by_name) == [
        "Head of affairs (Kepala Urusan) (Keuangan)",
        "Head of section (Kepala Seksi) (ended 30/06/2025)",
        "Village head (Kepala Desa)",
    ]
    assert _cells(banyumas_manager, "village_names", o=by_name)[0] == "Karanglewas (Jatilawang)"


def test_the_columns_cost_one_query_whatever_the_page_length(head_office, holders):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert head_office.get(PERSONS).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for index in range(20):
        village = KARANGLEWAS if index % 2 else GUNUNGWETAN
        PostFactory(
            person=PersonFactory(name=f"Warga {index}"), village_id=village, unit=f"{index}"
        )
    assert queries() == few
